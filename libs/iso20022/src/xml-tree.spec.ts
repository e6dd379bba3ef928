// SPDX-License-Identifier: Apache-2.0
import { at, attrAt, children, readXml, text, XmlReadError } from './xml-tree.js';

describe('readXml', () => {
  it('resolves prefixes and default namespaces, and ignores comments and PIs', () => {
    const n = readXml(
      '<?xml version="1.0"?><!-- c --><e:Env xmlns:e="urn:e" xmlns="urn:d"><?pi x?><A><p:B xmlns:p="urn:p" p:x="1">t</p:B></A></e:Env>',
    );
    expect(n).toMatchObject({ name: 'Env', ns: 'urn:e' });
    expect(n.children[0]).toMatchObject({ name: 'A', ns: 'urn:d' });
    expect(n.children[0]!.children[0]).toMatchObject({ name: 'B', ns: 'urn:p', text: 't', attrs: { x: '1' } });
  });

  it('decodes the predefined entities, character references and CDATA, and normalizes newlines', () => {
    const n = readXml(
      '<a xmlns="urn:a"><b c="&quot;x&#9;y&quot;	z">&lt;&amp;&gt;&apos;&#x20AC;&#65;<![CDATA[<&>]]></b><d>l1\r\nl2\rl3</d></a>',
    );
    expect(text(n, 'b')).toBe("<&>'€A<&>");
    // a literal tab is normalized to a space, a character reference is not (XML 1.0, 3.3.3)
    expect(attrAt(n, 'b', 'c')).toBe('"x\ty" z');
    expect(text(n, 'd')).toBe('l1\nl2\nl3');
  });

  it('matches paths in the parent namespace only', () => {
    const n = readXml('<a xmlns="urn:a"><b>1</b><b xmlns="urn:other">2</b><b>3</b><c/></a>');
    expect(children(n, 'b').map((b) => b.text)).toEqual(['1', '3']);
    expect(at(n, 'c')).toMatchObject({ name: 'c', text: '' });
    expect(text(n, 'x/y')).toBeNull();
  });

  it('uses namespaces inherited from outside the text', () => {
    expect(readXml('<p:a/>', { p: 'urn:p' })).toMatchObject({ name: 'a', ns: 'urn:p' });
  });

  it.each([
    ['mismatched tags', '<a><b></a></b>'],
    ['unbound prefix', '<p:a/>'],
    ['undeclared entity', '<a>&x;</a>'],
    ['unterminated', '<a><b>'],
    ['declaration', '<!DOCTYPE a><a/>'],
    ['nothing', 'text'],
  ])('throws on %s', (_n, xml) => {
    expect(() => readXml(xml)).toThrow(XmlReadError);
  });
});
