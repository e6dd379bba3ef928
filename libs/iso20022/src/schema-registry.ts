// SPDX-License-Identifier: Apache-2.0
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ParseOption, XmlDocument, XmlLibError, XsdValidator } from 'libxml2-wasm';
import { prescanXml } from './xml-prescan.js';

export const ISO20022_NS_PREFIX = 'urn:iso:std:iso:20022:tech:xsd:';

/** Options for every parse of untrusted or schema text: no network, no external entities. */
export const SAFE_PARSE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_BIG_LINES;

export interface CompiledSchema {
  /** `pacs.008.001.08`, `head.001.001.02`, ... */
  messageId: string;
  namespace: string;
  /** Global element the schema declares (`Document` or `AppHdr`). */
  rootElement: string;
  file: string;
  validator: XsdValidator;
}

export class SchemaLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaLoadError';
  }
}

const ATTRIBUTE = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const PLAIN_FILE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.xsd$/;

function attributesOf(startTag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of startTag.matchAll(ATTRIBUTE)) out.set(m[1]!, m[2] ?? m[3] ?? '');
  return out;
}

interface SchemaText {
  text: string;
  /** The `xs:include` elements (children of the root). */
  includes: { start: number; end: number; attrs: Map<string, string> }[];
  /** Attributes of the root `xs:schema` start tag. */
  rootAttrs: Map<string, string>;
  rootStart: number;
  rootNameEnd: number;
  contentStart: number;
  contentEnd: number;
}

function splitSchema(text: string, file: string): SchemaText {
  const scan = prescanXml(text, 2);
  if (scan.declaration) throw new SchemaLoadError(`${file}: a ${scan.declaration} declaration is not allowed`);
  const root = scan.spans[0];
  if (!scan.complete || !root || root.end === -1 || root.qname.replace(/^.*:/, '') !== 'schema') {
    throw new SchemaLoadError(`${file}: not a well-formed xs:schema document`);
  }
  const includes = scan.spans
    .filter((s) => s.level === 1 && s.qname.replace(/^.*:/, '') === 'include')
    .map((s) => ({ start: s.start, end: s.end, attrs: attributesOf(text.slice(s.nameEnd, s.contentStart)) }));
  return {
    text,
    includes,
    rootAttrs: attributesOf(text.slice(root.nameEnd, root.contentStart)),
    rootStart: root.start,
    rootNameEnd: root.nameEnd,
    contentStart: root.contentStart,
    contentEnd: root.contentEnd,
  };
}

/**
 * Replaces every `xs:include` of `schema` with the children of the included schema (read from `dir`,
 * plain file names only: no paths, no URLs), recursively, each file at most once. The included file must
 * have no targetNamespace (chameleon) or the includer's; its `xmlns:*` declarations are merged into the
 * includer's root tag. Exported for tests.
 */
export async function inlineIncludes(
  text: string,
  file: string,
  dir: string,
  seen: Set<string> = new Set([file]),
  read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
): Promise<string> {
  const outer = splitSchema(text, file);
  const targetNs = outer.rootAttrs.get('targetNamespace') ?? null;
  const extraNs = new Map<string, string>();
  const pieces: string[] = [];
  let last = 0;
  for (const inc of outer.includes) {
    const location = inc.attrs.get('schemaLocation');
    if (!location || !PLAIN_FILE.test(location)) {
      throw new SchemaLoadError(
        `${file}: xs:include schemaLocation ${JSON.stringify(location ?? '')} must be a plain .xsd file name in the schema directory`,
      );
    }
    pieces.push(text.slice(last, inc.start));
    last = inc.end;
    if (seen.has(location)) continue;
    seen.add(location);
    const includedText = await read(join(dir, location)).catch((e: unknown) => {
      throw new SchemaLoadError(`${file}: cannot read included schema ${location}: ${(e as Error).message}`);
    });
    // Inline the included schema's own includes first.
    const expanded = await inlineIncludes(includedText, location, dir, seen, read);
    const inner = splitSchema(expanded, location);
    const innerNs = inner.rootAttrs.get('targetNamespace') ?? null;
    if (innerNs !== null && innerNs !== targetNs) {
      throw new SchemaLoadError(`${file}: included ${location} has targetNamespace ${innerNs}, expected none or ${targetNs}`);
    }
    for (const attr of ['elementFormDefault', 'attributeFormDefault']) {
      const a = outer.rootAttrs.get(attr) ?? 'unqualified';
      const b = inner.rootAttrs.get(attr) ?? 'unqualified';
      if (a !== b) throw new SchemaLoadError(`${file}: included ${location} has ${attr}="${b}", the includer "${a}"`);
    }
    for (const [name, value] of inner.rootAttrs) {
      if (!name.startsWith('xmlns:')) continue;
      const mine = outer.rootAttrs.get(name) ?? extraNs.get(name);
      if (mine === undefined) extraNs.set(name, value);
      else if (mine !== value) throw new SchemaLoadError(`${file}: included ${location} binds ${name} differently`);
    }
    pieces.push(expanded.slice(inner.contentStart, inner.contentEnd));
  }
  if (outer.includes.length === 0) return text;
  pieces.push(text.slice(last));
  let result = pieces.join('');
  if (extraNs.size > 0) {
    const decls = [...extraNs].map(([n, v]) => ` ${n}="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`).join('');
    // The root start tag precedes every include, so its offsets are unchanged.
    result = result.slice(0, outer.rootNameEnd) + decls + result.slice(outer.rootNameEnd);
  }
  return result;
}

function describe(e: unknown): string {
  if (e instanceof XmlLibError && e.details.length > 0) {
    return e.details
      .slice(0, 5)
      .map((d) => `line ${d.line}: ${d.message.trim()}`)
      .join('; ');
  }
  return (e as Error).message;
}

/**
 * Compiles every message schema of a directory once. Files without a targetNamespace (shared type
 * libraries pulled in by `xs:include`) and files outside the ISO 20022 namespace are not compiled on
 * their own. Keyed by target namespace.
 */
export class SchemaRegistry {
  private constructor(
    private readonly byNamespace: Map<string, CompiledSchema>,
    private readonly docs: XmlDocument[],
  ) {}

  static async load(dir: string): Promise<SchemaRegistry> {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.xsd')).sort();
    const map = new Map<string, CompiledSchema>();
    const docs: XmlDocument[] = [];
    try {
      for (const file of files) {
        const raw = await readFile(join(dir, file), 'utf8');
        const head = splitSchema(raw, file);
        const namespace = head.rootAttrs.get('targetNamespace');
        if (!namespace || !namespace.startsWith(ISO20022_NS_PREFIX)) continue;
        if (map.has(namespace)) throw new SchemaLoadError(`${file}: a second schema for ${namespace}`);
        const text = await inlineIncludes(raw, file, dir);
        let doc: XmlDocument;
        try {
          doc = XmlDocument.fromString(text, { option: SAFE_PARSE_OPTIONS, encoding: 'utf-8' });
        } catch (e) {
          throw new SchemaLoadError(`${file}: not well-formed after inlining includes: ${describe(e)}`);
        }
        docs.push(doc);
        const rootElement = globalElement(doc);
        let validator: XsdValidator;
        try {
          validator = XsdValidator.fromDoc(doc);
        } catch (e) {
          throw new SchemaLoadError(`${file}: does not compile: ${describe(e)}`);
        }
        map.set(namespace, {
          messageId: namespace.slice(ISO20022_NS_PREFIX.length),
          namespace,
          rootElement,
          file,
          validator,
        });
      }
    } catch (e) {
      for (const s of map.values()) s.validator.dispose();
      for (const d of docs) d.dispose();
      throw e;
    }
    if (map.size === 0) throw new SchemaLoadError(`no ISO 20022 schema found in ${dir}`);
    return new SchemaRegistry(map, docs);
  }

  get(namespace: string): CompiledSchema | undefined {
    return this.byNamespace.get(namespace);
  }

  all(): CompiledSchema[] {
    return [...this.byNamespace.values()];
  }

  dispose(): void {
    for (const s of this.byNamespace.values()) s.validator.dispose();
    this.byNamespace.clear();
    // The schema documents are kept alive as long as the validators compiled from them.
    for (const d of this.docs) d.dispose();
    this.docs.length = 0;
  }
}

const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

function globalElement(doc: XmlDocument): string {
  const names = doc.find('/xs:schema/xs:element/@name', { xs: XSD_NS }).map((a) => a.content);
  if (names.includes('Document')) return 'Document';
  if (names.includes('AppHdr')) return 'AppHdr';
  return names[0] ?? '';
}
