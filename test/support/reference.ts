// SPDX-License-Identifier: Apache-2.0
/**
 * The ISO 20022 reference data (official XSDs and real sample messages) as a referee for conformance
 * tests. The files are read at test time from `../shared/iso20022` beside the checkout, or from
 * `ISO20022_REFERENCE_DIR`; they are never copied into the repository.
 *
 * The referee uses libxml2-wasm directly with the OFFICIAL schemas; it shares no code with
 * libs/iso20022 (the code under test).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ParseOption, XmlDocument, XmlElement, XmlLibError, XsdValidator, type NamespaceMap, type XmlTreeNode } from 'libxml2-wasm';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const ISO_NS = 'urn:iso:std:iso:20022:tech:xsd:';
const PARSE = { option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE, encoding: 'utf-8' };

/** Where the reference data should be (whether or not it is there). */
export function referenceDirCandidate(): string {
  return process.env['ISO20022_REFERENCE_DIR'] ?? resolve(REPO_ROOT, '../shared/iso20022');
}

/** The reference data folder; throws a clear error when it is missing (a suite must fail, never skip). */
export function referenceDir(): string {
  const dir = referenceDirCandidate();
  if (!existsSync(join(dir, 'xsd')) || !existsSync(join(dir, 'samples'))) {
    throw new Error(
      `ISO 20022 reference data not found at ${dir} (expected xsd/ and samples/ in it). The conformance ` +
        'suites need the official schemas and samples beside the checkout (../shared/iso20022) or in the ' +
        'folder named by ISO20022_REFERENCE_DIR. They are never copied into this repository.',
    );
  }
  return dir;
}

/** Sample files of one message id (full paths, sorted). */
export function sampleFiles(messageId: string): string[] {
  const dir = join(referenceDir(), 'samples', messageId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => join(dir, f));
}

const validators = new Map<string, { doc: XmlDocument; validator: XsdValidator }>();

/**
 * The validator of the OFFICIAL schema `<referenceDir>/xsd/<messageId>.xsd`, compiled once per process
 * and cached (release them with `disposeOfficialValidators`).
 */
export function officialValidator(messageId: string): XsdValidator {
  const cached = validators.get(messageId);
  if (cached) return cached.validator;
  const file = join(referenceDir(), 'xsd', `${messageId}.xsd`);
  if (!existsSync(file)) throw new Error(`no official schema for ${messageId} at ${file}`);
  const doc = XmlDocument.fromString(readFileSync(file, 'utf8'), PARSE);
  try {
    const validator = XsdValidator.fromDoc(doc);
    validators.set(messageId, { doc, validator });
    return validator;
  } catch (e) {
    doc.dispose();
    throw e;
  }
}

export function disposeOfficialValidators(): void {
  for (const { doc, validator } of validators.values()) {
    validator.dispose();
    doc.dispose();
  }
  validators.clear();
}

export interface OfficialResult {
  valid: boolean;
  errors: string[];
}

/** Validates a standalone XML text (whose root is the message's global element) with the official schema. */
export function validateOfficially(messageId: string, xml: string): OfficialResult {
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromString(xml, PARSE);
  } catch (e) {
    return { valid: false, errors: [`not well-formed: ${(e as Error).message}`] };
  }
  try {
    officialValidator(messageId).validate(doc);
    return { valid: true, errors: [] };
  } catch (e) {
    if (e instanceof XmlLibError) return { valid: false, errors: e.details.map((d) => `line ${d.line}: ${d.message.trim()}`) };
    throw e;
  } finally {
    doc.dispose();
  }
}

function elementChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let c: XmlTreeNode | null = el.firstChild; c !== null; c = c.next) if (c instanceof XmlElement) out.push(c);
  return out;
}

/**
 * An element serialized as a standalone document: libxml2's own serialization of the subtree, with the
 * namespace declarations it inherits from its ancestors added to its start tag. (Canonical XML would
 * do this too, but libxml2 refuses to canonicalize below an envelope with a relative namespace URI such
 * as SWIFTNet's `SWIFTNetBusinessEnvelope`.)
 */
export function standaloneElement(el: XmlElement): string {
  const text = el.toString();
  const qname = el.prefix ? `${el.prefix}:${el.name}` : el.name;
  if (!text.startsWith(`<${qname}`)) throw new Error(`unexpected serialization of <${qname}>`);
  const local = el.nsDeclarations;
  let decls = '';
  for (const [prefix, uri] of Object.entries(el.namespaces)) {
    if (prefix === 'xml' || prefix in local) continue;
    const value = uri.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
    decls += prefix === '' ? ` xmlns="${value}"` : ` xmlns:${prefix}="${value}"`;
  }
  return `<${qname}${decls}${text.slice(qname.length + 1)}`;
}

function findByLocalName(root: XmlElement, name: string): XmlElement | null {
  if (root.name === name) return root;
  for (const c of elementChildren(root)) {
    const found = findByLocalName(c, name);
    if (found) return found;
  }
  return null;
}

export interface OfficialVerdict {
  /** Document valid against the official message schema, and the AppHdr (when present) against its own. */
  valid: boolean;
  documentNamespace: string | null;
  /** The Document alone (inherited namespace declarations made explicit), when one was found. */
  document: string | null;
  appHdrVersion: string | null;
  errors: string[];
}

/**
 * The official verdict on a message as sent: the `Document` (extracted from any envelope and
 * re-parsed on its own) against `<xsd>/<messageId>.xsd`, and the `AppHdr` next to it (when present) against the
 * official head.001 schema named by its namespace. This is how samples/SOURCES.md judged the samples.
 */
export function officialVerdict(messageId: string, xml: string): OfficialVerdict {
  const verdict: OfficialVerdict = { valid: false, documentNamespace: null, document: null, appHdrVersion: null, errors: [] };
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromString(xml, PARSE);
  } catch (e) {
    verdict.errors.push(`not well-formed: ${(e as Error).message}`);
    return verdict;
  }
  try {
    const documentEl = findByLocalName(doc.root, 'Document');
    if (documentEl === null) {
      verdict.errors.push('no Document element');
      return verdict;
    }
    verdict.documentNamespace = documentEl.namespaceUri;
    const expected = ISO_NS + messageId;
    if (documentEl.namespaceUri !== expected) {
      verdict.errors.push(`Document namespace is "${documentEl.namespaceUri}", expected ${expected}`);
      return verdict;
    }
    verdict.document = standaloneElement(documentEl);
    const docResult = validateOfficially(messageId, verdict.document);
    verdict.errors.push(...docResult.errors);
    let hdrValid = true;
    const parent = documentEl.parent;
    const hdr = parent === null ? null : (elementChildren(parent).find((e) => e.name === 'AppHdr') ?? null);
    if (hdr !== null) {
      const ns = hdr.namespaceUri;
      if (!ns.startsWith(`${ISO_NS}head.001.`)) {
        hdrValid = false;
        verdict.errors.push(`AppHdr namespace is "${ns}"`);
      } else {
        verdict.appHdrVersion = ns.slice(ISO_NS.length);
        const hdrText = standaloneElement(hdr);
        const hdrResult = validateOfficially(verdict.appHdrVersion, hdrText);
        hdrValid = hdrResult.valid;
        verdict.errors.push(...hdrResult.errors.map((m) => `AppHdr: ${m}`));
      }
    }
    verdict.valid = docResult.valid && hdrValid;
    return verdict;
  } finally {
    doc.dispose();
  }
}

/** XPath over a standalone XML text, evaluated by libxml2 (string result); `d` is bound to `namespace`. */
export function xpathString(xml: string, namespace: string, expr: string, more: NamespaceMap = {}): string {
  const doc = XmlDocument.fromString(xml, PARSE);
  try {
    const result = doc.eval(`string(${expr})`, { d: namespace, ...more });
    return String(result);
  } finally {
    doc.dispose();
  }
}

/** Counts the nodes an XPath selects (to tell "absent" from "empty"). */
export function xpathCount(xml: string, namespace: string, expr: string): number {
  const doc = XmlDocument.fromString(xml, PARSE);
  try {
    return Number(doc.eval(`count(${expr})`, { d: namespace }));
  } finally {
    doc.dispose();
  }
}
