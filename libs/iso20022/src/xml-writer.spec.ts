// SPDX-License-Identifier: Apache-2.0
import { escapeAttr, escapeText, XmlBuilder } from './xml-writer.js';

describe('xml-writer', () => {
  it('escapes text and attribute values', () => {
    expect(escapeText(`a<b>&"c'\r`)).toBe(`a&lt;b&gt;&amp;"c'&#13;`);
    expect(escapeAttr(`a<b>&"c'\t\n`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;&#9;&#10;');
  });

  it('refuses characters XML cannot carry', () => {
    expect(() => escapeText('a\u0000b')).toThrow(RangeError);
    expect(() => escapeAttr('\uD800')).toThrow(RangeError);
    expect(escapeText('😀')).toBe('😀');
  });

  it('builds nested, indented elements, skips null leaves and checks names', () => {
    const xml = new XmlBuilder()
      .open('A', { xmlns: 'urn:a', skip: null })
      .leaf('B', 'x&y', { Ccy: 'EUR' })
      .leaf('C', null)
      .close()
      .toString();
    expect(xml).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<A xmlns="urn:a">\n  <B Ccy="EUR">x&amp;y</B>\n</A>\n');
    expect(() => new XmlBuilder().open('a b')).toThrow(RangeError);
    expect(() => new XmlBuilder().open('A').toString()).toThrow('unclosed');
  });
});
