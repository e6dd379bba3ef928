import { prescanXml } from './xml-prescan.js';

describe('prescanXml', () => {
  it('finds declarations after a BOM, the XML declaration, comments and PIs', () => {
    const r = prescanXml('\uFEFF<?xml version="1.0"?>\n<!-- x -->\n<?pi?>\n<!DOCTYPE a [<!ENTITY b "c">]>\n<a/>');
    expect(r).toMatchObject({ declaration: 'DOCTYPE', declarationLine: 4 });
    expect(prescanXml('<!ENTITY x "y"><a/>').declaration).toBe('ENTITY');
    expect(prescanXml('<!  doctype a><a/>').declaration).toBe('DOCTYPE');
  });

  it('ignores declarations inside comments, CDATA and attribute values', () => {
    const r = prescanXml('<a x="<!DOCTYPE>"><!-- <!DOCTYPE a> --><![CDATA[<!ENTITY x>]]></a>');
    expect(r.declaration).toBeNull();
    expect(r.complete).toBe(true);
  });

  it('measures depth and records spans of the top levels', () => {
    const xml = '<r><a x=">"/><b><c><d><e/></d></c></b></r>';
    const r = prescanXml(xml, 2);
    expect(r.maxDepth).toBe(5);
    expect(r.spans.map((s) => [s.level, s.qname, xml.slice(s.start, s.end)])).toEqual([
      [0, 'r', xml],
      [1, 'a', '<a x=">"/>'],
      [1, 'b', '<b><c><d><e/></d></c></b>'],
    ]);
    const b = r.spans[2]!;
    expect(xml.slice(b.contentStart, b.contentEnd)).toBe('<c><d><e/></d></c>');
  });

  it('stops (incomplete) on text that is not well-formed', () => {
    expect(prescanXml('<a><b>').complete).toBe(false);
    expect(prescanXml('<a x="1>').complete).toBe(false);
    expect(prescanXml('<!-- open').complete).toBe(false);
  });
});
