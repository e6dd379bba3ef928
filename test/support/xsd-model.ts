// SPDX-License-Identifier: Apache-2.0
/**
 * The content model of an XML Schema as comparable text: every named simple and complex type in a
 * canonical form (attributes sorted, `minOccurs="1"`/`maxOccurs="1"` dropped, annotations ignored), and
 * the global element declarations. `xs:include`s of plain file names are followed in the schema's own
 * directory, so the project's message schemas and the chameleon common file read as one schema.
 *
 * Used by conformance tests to show, type by type, that a project schema says what the official one
 * says. Test code; it shares nothing with libs/iso20022.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ParseOption, XmlDocument, XmlElement, type XmlTreeNode } from 'libxml2-wasm';

const XS = 'http://www.w3.org/2001/XMLSchema';
const PARSE = { option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE, encoding: 'utf-8' };

export interface SchemaModel {
  /** Type name -> canonical definition. */
  types: Map<string, string>;
  /** Canonical global element declarations, sorted. */
  globals: string[];
  /** Type names defined more than once (across includes too). */
  duplicates: string[];
  /** Files read, the schema first. */
  files: string[];
  /** Complex type name -> its local element declarations (element name -> type name). */
  elementsOf: Map<string, Map<string, string>>;
  /** Global element name -> type name. */
  globalTypes: Map<string, string>;
}

function elements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let c: XmlTreeNode | null = el.firstChild; c !== null; c = c.next) if (c instanceof XmlElement) out.push(c);
  return out;
}

function canonical(el: XmlElement): string {
  const attrs = el.attrs
    .map((a) => [a.name, a.value] as const)
    .filter(([n, v]) => !((n === 'minOccurs' || n === 'maxOccurs') && v === '1'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, v]) => `${n}=${JSON.stringify(v)}`);
  const kids = elements(el)
    .filter((c) => !(c.namespaceUri === XS && c.name === 'annotation'))
    .map(canonical);
  return `${el.name}(${attrs.join(' ')})[${kids.join(',')}]`;
}

/** Reads a schema file (and, recursively, the files it includes). */
export function schemaModel(file: string): SchemaModel {
  const model: SchemaModel = {
    types: new Map(),
    globals: [],
    duplicates: [],
    files: [],
    elementsOf: new Map(),
    globalTypes: new Map(),
  };
  const read = (path: string): void => {
    if (model.files.includes(path)) return;
    model.files.push(path);
    const doc = XmlDocument.fromString(readFileSync(path, 'utf8'), PARSE);
    try {
      for (const el of elements(doc.root)) {
        if (el.namespaceUri !== XS) continue;
        if (el.name === 'include') {
          const location = el.attr('schemaLocation')?.value ?? '';
          if (!/^[\w.-]+\.xsd$/.test(location)) throw new Error(`${path}: include of ${location} is not a plain file name`);
          read(join(dirname(path), location));
        } else if (el.name === 'complexType' || el.name === 'simpleType') {
          const name = el.attr('name')?.value ?? '';
          if (model.types.has(name)) model.duplicates.push(name);
          model.types.set(name, canonical(el));
          const local = new Map<string, string>();
          for (const e of el.find('.//xs:element', { xs: XS }) as XmlElement[]) {
            local.set(e.attr('name')?.value ?? '', e.attr('type')?.value ?? '');
          }
          model.elementsOf.set(name, local);
        } else if (el.name === 'element') {
          model.globals.push(canonical(el));
          model.globalTypes.set(el.attr('name')?.value ?? '', el.attr('type')?.value ?? '');
        }
      }
    } finally {
      doc.dispose();
    }
  };
  read(file);
  model.globals.sort();
  return model;
}

/** Names of the types a canonical definition refers to (`type=` and `base=`, built-ins left out). */
function references(definition: string): string[] {
  return [...definition.matchAll(/\b(?:type|base)="([^"]+)"/g)].map((m) => m[1]!).filter((n) => !n.startsWith('xs:'));
}

/** The types reachable from the global elements of `model` (the types a message can use). */
export function reachableTypes(model: SchemaModel): string[] {
  const seen: string[] = [];
  const stack = model.globals.flatMap(references);
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.includes(t)) continue;
    seen.push(t);
    const def = model.types.get(t);
    if (def !== undefined) stack.push(...references(def));
  }
  return seen.sort();
}

/**
 * Where `mine` says something else than `official`: a different global element, a type the official
 * schema uses that is missing or defined differently, a type defined twice. Empty when the two describe
 * the same documents (same names, order, occurrences, facets and enumerations).
 */
export function modelDifferences(mine: SchemaModel, official: SchemaModel): string[] {
  const out: string[] = [];
  if (JSON.stringify(mine.globals) !== JSON.stringify(official.globals)) {
    out.push(`global elements: ${mine.globals.join(' ')} instead of ${official.globals.join(' ')}`);
  }
  for (const name of mine.duplicates) out.push(`${name}: defined more than once`);
  for (const name of reachableTypes(official)) {
    const theirs = official.types.get(name);
    const ours = mine.types.get(name);
    if (theirs === undefined) out.push(`${name}: referenced but not defined by the official schema`);
    else if (ours === undefined) out.push(`${name}: missing`);
    else if (ours !== theirs) out.push(`${name}: ${ours} instead of ${theirs}`);
  }
  const extra = reachableTypes(mine).filter((t) => !official.types.has(t));
  for (const name of extra) out.push(`${name}: used by the project schema, not by the official one`);
  return out;
}

/**
 * The type of an element path in instances of `model` (local names from a global element, e.g.
 * `Document/PmtRtr/GrpHdr/MsgId` -> `Max35Text`); undefined when the path is not in the schema.
 */
export function typeOfPath(model: SchemaModel): (path: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  const resolve = (path: string): string | undefined => {
    if (cache.has(path)) return cache.get(path);
    const cut = path.lastIndexOf('/');
    const type =
      cut === -1
        ? model.globalTypes.get(path)
        : ((parent) => (parent === undefined ? undefined : model.elementsOf.get(parent)?.get(path.slice(cut + 1))))(
            resolve(path.slice(0, cut)),
          );
    cache.set(path, type);
    return type;
  };
  return resolve;
}
