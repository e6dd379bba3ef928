// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inlineIncludes, SchemaLoadError, SchemaRegistry } from './schema-registry.js';

const common = `<?xml version="1.0"?>
<!-- shared <xs:include schemaLocation="nope.xsd"/> in a comment is ignored -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:extra="urn:extra" elementFormDefault="qualified">
  <xs:simpleType name="Max4Text"><xs:restriction base="xs:string"><xs:maxLength value="4"/></xs:restriction></xs:simpleType>
</xs:schema>
`;
const message = (ns: string, include = 'common.xsd'): string => `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="${ns}" targetNamespace="${ns}" elementFormDefault="qualified">
  <xs:include schemaLocation="${include}"/>
  <xs:element name="Document"><xs:complexType><xs:sequence><xs:element name="Cd" type="Max4Text"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>
`;

describe('schema registry', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clearway-xsd-'));
    writeFileSync(join(dir, 'common.xsd'), common);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('inlines a chameleon include in place and merges its namespace declarations', async () => {
    const out = await inlineIncludes(message('urn:iso:std:iso:20022:tech:xsd:test.001.001.01'), 'm.xsd', dir);
    expect(out).not.toContain('xs:include');
    expect(out).toContain('<xs:simpleType name="Max4Text">');
    expect(out).toContain('xmlns:extra="urn:extra"');
    expect(out.indexOf('Max4Text')).toBeLessThan(out.indexOf('name="Document"'));
  });

  it('compiles message schemas keyed by namespace and skips the shared file', async () => {
    writeFileSync(join(dir, 'test.001.001.01.xsd'), message('urn:iso:std:iso:20022:tech:xsd:test.001.001.01'));
    const reg = await SchemaRegistry.load(dir);
    try {
      expect(reg.all().map((s) => [s.messageId, s.rootElement])).toEqual([['test.001.001.01', 'Document']]);
      expect(reg.get('urn:iso:std:iso:20022:tech:xsd:test.001.001.01')?.file).toBe('test.001.001.01.xsd');
    } finally {
      reg.dispose();
    }
  });

  it.each([
    ['a path', '../common.xsd'],
    ['a URL', 'http://example.com/common.xsd'],
    ['an absolute path', '/etc/common.xsd'],
  ])('refuses an include by %s', async (_n, location) => {
    await expect(inlineIncludes(message('urn:x', location), 'm.xsd', dir)).rejects.toThrow(SchemaLoadError);
  });

  it('reports a missing include and a schema that does not compile', async () => {
    await expect(inlineIncludes(message('urn:x', 'missing.xsd'), 'm.xsd', dir)).rejects.toThrow('missing.xsd');
    writeFileSync(join(dir, 'bad.xsd'), message('urn:iso:std:iso:20022:tech:xsd:bad.001.001.01').replace('Max4Text"/>', 'NoSuchType"/>'));
    await expect(SchemaRegistry.load(dir)).rejects.toThrow(/bad\.xsd: does not compile/);
  });
});
