// SPDX-License-Identifier: Apache-2.0
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

  it('reads the encoding of the XML declaration at the start only', () => {
    expect(prescanXml('<?xml version="1.0" encoding="ISO-8859-1"?><a/>').declaredEncoding).toBe('ISO-8859-1');
    expect(prescanXml("\uFEFF<?xml version='1.0' encoding='utf-8' standalone='yes'?><a/>").declaredEncoding).toBe('utf-8');
    expect(prescanXml('<?xml version="1.0"?><a/>').declaredEncoding).toBeNull();
    expect(prescanXml('<a/>').declaredEncoding).toBeNull();
    const r = prescanXml('<?xml version="1.0"?><a/>');
    expect(r.processingInstruction).toBeNull();
  });

  it('reports the first processing instruction other than the XML declaration, with its line', () => {
    expect(prescanXml('<?xml version="1.0"?>\n<?xml-stylesheet href="a"?><a/>').processingInstruction).toEqual({
      target: 'xml-stylesheet',
      line: 2,
    });
    expect(prescanXml('<a>\n<b/>\n<?go?></a>').processingInstruction).toEqual({ target: 'go', line: 3 });
    expect(prescanXml('<a/>\n<?after x?>').processingInstruction).toEqual({ target: 'after', line: 2 });
    expect(prescanXml('<a><!-- <?no?> --><![CDATA[<?no?>]]></a>').processingInstruction).toBeNull();
  });

  it('finds XInclude namespace declarations, also written with character references, not in text or comments', () => {
    expect(prescanXml('<a>\n<b xmlns:xi="http://www.w3.org/2001/XInclude"/></a>').xincludeLine).toBe(2);
    expect(prescanXml("<a xmlns = 'http://www.w3.org/2003/XInclude'/>").xincludeLine).toBe(1);
    expect(prescanXml('<a xmlns:x="http://www.w3.org/2001/&#88;Include"/>').xincludeLine).toBe(1);
    expect(prescanXml('<a xmlns:x="http://www.w3.org/2001/&#x58;Include"/>').xincludeLine).toBe(1);
    expect(prescanXml('<a>http://www.w3.org/2001/XInclude<!-- xmlns:xi="http://www.w3.org/2001/XInclude" --></a>').xincludeLine).toBeNull();
    expect(prescanXml('<a xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"/>').xincludeLine).toBeNull();
  });

  it('counts the elements named Document and AppHdr at every depth, whatever their prefix', () => {
    const r = prescanXml('<E><h:AppHdr xmlns:h="h"/><Document><a><b><c><d><p:Document xmlns:p="p"/></d></c></b></a></Document></E>', 2);
    expect(r).toMatchObject({ documentCount: 2, appHdrCount: 1 });
    expect(prescanXml('<Documents><DocumentX/></Documents>')).toMatchObject({ documentCount: 0, appHdrCount: 0 });
  });
});
