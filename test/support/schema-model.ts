// SPDX-License-Identifier: Apache-2.0
/**
 * The content model of an XML schema as plain text lines, to compare the project's schemas with the
 * official ones definition by definition (not only by the verdicts on sample messages): for every type
 * reachable from the global element, its particles (element name, type, minOccurs, maxOccurs, in order;
 * `xs:any` namespace and processContents), its attributes, and for simple types the base and every facet
 * (enumerations as a set). Annotations, comments, layout and the order of the definitions in the file do
 * not count. Type names must match: Clearway keeps the ISO 20022 type names.
 *
 * Reads the schema files with libxml2-wasm directly; shares no code with libs/iso20022.
 */
import { readFileSync } from 'node:fs';
import { ParseOption, XmlDocument, XmlElement, type XmlTreeNode } from 'libxml2-wasm';

const XS = 'http://www.w3.org/2001/XMLSchema';
const PARSE = { option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE, encoding: 'utf-8' };

function kids(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let c: XmlTreeNode | null = el.firstChild; c !== null; c = c.next) {
    if (c instanceof XmlElement && c.namespaceUri === XS && c.name !== 'annotation') out.push(c);
  }
  return out;
}
const a = (el: XmlElement, name: string): string | null => el.attr(name)?.value ?? null;

/** One definition as text; `refs` collects the named types it uses. */
function describe(def: XmlElement, refs: Set<string>): string {
  const use = (t: string | null): string => {
    if (t !== null && !t.startsWith('xs:')) refs.add(t);
    return t ?? '(none)';
  };
  const lines: string[] = [def.name];
  const walk = (el: XmlElement, depth: number): void => {
    const pad = ' '.repeat(depth * 2);
    switch (el.name) {
      case 'element':
        if (kids(el).length > 0) throw new Error(`anonymous type in element ${a(el, 'name')}`);
        lines.push(`${pad}element ${a(el, 'name')} : ${use(a(el, 'type'))} [${a(el, 'minOccurs') ?? '1'}..${a(el, 'maxOccurs') ?? '1'}]`);
        return;
      case 'any':
        lines.push(
          `${pad}any ${a(el, 'namespace') ?? '##any'} ${a(el, 'processContents') ?? 'strict'} [${a(el, 'minOccurs') ?? '1'}..${a(el, 'maxOccurs') ?? '1'}]`,
        );
        return;
      case 'attribute':
        lines.push(`${pad}attribute ${a(el, 'name')} : ${use(a(el, 'type'))} ${a(el, 'use') ?? 'optional'}`);
        return;
      case 'restriction': {
        const facets = kids(el).map((f) => `${f.name}=${a(f, 'value')}`);
        const enums = facets.filter((f) => f.startsWith('enumeration=')).sort();
        const others = facets.filter((f) => !f.startsWith('enumeration=')).sort();
        lines.push(`${pad}restriction of ${use(a(el, 'base'))}: ${[...others, ...enums].join(' ')}`);
        return;
      }
      case 'extension':
        lines.push(`${pad}extension of ${use(a(el, 'base'))}`);
        break;
      case 'sequence':
      case 'choice':
        lines.push(`${pad}${el.name} [${a(el, 'minOccurs') ?? '1'}..${a(el, 'maxOccurs') ?? '1'}]`);
        break;
      case 'simpleContent':
      case 'complexContent':
        lines.push(`${pad}${el.name}`);
        break;
      default:
        throw new Error(`unexpected xs:${el.name} in ${a(def, 'name')}`);
    }
    for (const k of kids(el)) walk(k, depth + 1);
  };
  for (const k of kids(def)) walk(k, 1);
  return lines.join('\n');
}

export interface SchemaModel {
  /** `Document` or `AppHdr` and its type. */
  root: string;
  /** Reachable definitions by type name. */
  types: Map<string, string>;
}

/**
 * The model of a schema made of `files` (a message schema and the files it includes, or one official
 * file), from its only global element.
 */
export function schemaModel(files: string[]): SchemaModel {
  const defs = new Map<string, XmlElement>();
  const docs: XmlDocument[] = [];
  let root: string | null = null;
  try {
    for (const file of files) {
      const doc = XmlDocument.fromString(readFileSync(file, 'utf8'), PARSE);
      docs.push(doc);
      for (const el of kids(doc.root)) {
        if (el.name === 'simpleType' || el.name === 'complexType') {
          const name = a(el, 'name')!;
          if (defs.has(name)) throw new Error(`${name} is defined twice (${file})`);
          defs.set(name, el);
        } else if (el.name === 'element') {
          if (root !== null) throw new Error(`a second global element in ${file}`);
          root = `${a(el, 'name')} : ${a(el, 'type')}`;
        } else if (el.name !== 'include') {
          throw new Error(`unexpected top-level xs:${el.name} in ${file}`);
        }
      }
    }
    if (root === null) throw new Error(`no global element in ${files.join(', ')}`);
    const types = new Map<string, string>();
    const todo = [root.split(' : ')[1]!];
    while (todo.length > 0) {
      const name = todo.shift()!;
      if (types.has(name)) continue;
      const def = defs.get(name);
      if (def === undefined) throw new Error(`type ${name} is used but not defined in ${files.join(', ')}`);
      const refs = new Set<string>();
      types.set(name, describe(def, refs));
      todo.push(...[...refs].filter((r) => !types.has(r)));
    }
    return { root, types };
  } finally {
    for (const d of docs) d.dispose();
  }
}

/** Every difference between two models, as readable lines (empty when they are the same). */
export function modelDifferences(ours: SchemaModel, official: SchemaModel): string[] {
  const out: string[] = [];
  if (ours.root !== official.root) out.push(`global element: ours ${ours.root}, official ${official.root}`);
  for (const [name, def] of official.types) {
    const mine = ours.types.get(name);
    if (mine === undefined) out.push(`${name}: missing in ours`);
    else if (mine !== def) out.push(`${name}: differs\n--- ours\n${mine}\n--- official\n${def}`);
  }
  for (const name of ours.types.keys()) if (!official.types.has(name)) out.push(`${name}: only in ours`);
  return out;
}

/** The `xs:include` file names of a schema file. */
export function includesOf(file: string): string[] {
  const doc = XmlDocument.fromString(readFileSync(file, 'utf8'), PARSE);
  try {
    return kids(doc.root)
      .filter((el) => el.name === 'include')
      .map((el) => a(el, 'schemaLocation')!);
  } finally {
    doc.dispose();
  }
}
