// SPDX-License-Identifier: Apache-2.0
import type { Iso20022Codec } from './iso20022.codec.js';
import { Iso20022Error, type XmlIssue } from './iso20022.types.js';

/**
 * Conversion of a pacs.008 between the generations the gateway validates (.08 of 2019, .10 of 2021, .12 of
 * 2023), for a connector that takes another generation than the payment came in.
 *
 * What differs between the three (read from config/schemas, whose content models match the official XSDs):
 * no element of a pacs.008 was renamed or moved between them, so there is nothing to rename. The
 * differences are elements one generation has and another has not, and changed value types:
 *
 * - .08 → .10: `CdtTrfTxInf/MndtRltdInf` added; in every `*Acct` (CashAccount38 → 40) `Id` became optional
 *   (an account known by its `Prxy` only); `InstrForCdtrAgt/Cd` went from the codes CHQB/HOLD/PHOB/TELB to
 *   any 4-letter code; `Tax/Rcrd/Prd/Yr` (and the same under `RmtInf/Strd/TaxRmt`) went from a date
 *   (ISODate) to a year (ISOYear).
 * - .10 → .12: every postal address (PostalAddress24 → 27) gained `CareOf` and `UnitNb`, and `StrtNm`,
 *   `BldgNm`, `TwnNm`, `TwnLctnNm`, `DstrctNm` take up to 140 characters (35 or 70 before); contact details
 *   gained `URLAdr` and `PrefrdMtd` ONLI, `EmailAdr` is limited to 256 characters (2048 before); party
 *   `Id/OrgId/Othr/Id` and `Id/PrvtId/Othr/Id` take up to 256 characters (35 before); `ChrgsInf/Tp` and
 *   `Tax/UltmtDbtr` added; in structured remittance `RfrdDocAmt` and `LineDtls/Amt` replaced `DuePyblAmt`,
 *   `DscntApldAmt`, `CdtNoteAmt`, `TaxAmt`, `RmtdAmt` by a list `RmtAmtAndTp`, `RfrdDocInf/RltdDt` went
 *   from a date to `Tp` + `Dt`, and the document type codes became any 4-letter code.
 *
 * So a conversion is the Document's namespace rewritten (and the AppHdr's `MsgDefIdr`), nothing else, and
 * the result validated against the target schema: a message that uses nothing the target lacks, with
 * values the target takes, converts; any other is refused with the first element that does not fit. No
 * element is ever dropped, added, reordered or given another value: a message that would need that (a
 * date made a year, `DuePyblAmt` made an `RmtAmtAndTp`) is refused, not translated.
 */

export const PACS008_GENERATIONS = Object.freeze(['pacs.008.001.08', 'pacs.008.001.10', 'pacs.008.001.12'] as const);
export type Pacs008Generation = (typeof PACS008_GENERATIONS)[number];

export type Pacs008Conversion =
  { ok: true; message: string; from: string; to: string } | { ok: false; from: string; to: string; reason: string };

const ISO_NS = 'urn:iso:std:iso:20022:tech:xsd:';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const PACS008_ID = /^pacs\.008\.001\.\d{2}$/;

export function isPacs008Generation(id: string): id is Pacs008Generation {
  return (PACS008_GENERATIONS as readonly string[]).includes(id);
}

/**
 * Whether a conversion from `from` to at least one of `toAny` exists at all (the same generation included).
 * Structural only: every pair of .08, .10 and .12 has one; whether a given message converts is
 * `convertPacs008`'s answer.
 */
export function canConvertPacs008(from: string, toAny: readonly string[]): boolean {
  return isPacs008Generation(from) && toAny.some(isPacs008Generation);
}

/** What one pass over the message text found. */
interface Scan {
  /** Namespace of the (first) element named Document; null when there is none. */
  documentNs: string | null;
  /** Value ranges of namespace declarations, with their (decoded) value. */
  declarations: { start: number; end: number; uri: string }[];
  /** Content range of each `MsgDefIdr` of an `AppHdr` outside the Document. */
  msgDefIdrs: { start: number; end: number }[];
  /** A construct whose meaning the namespace rewrite would change (first one), as a reason. */
  blocker: string | null;
  /** Start tags inside the Document: line, local name and path below the Document (only when asked). */
  elements: { line: number; local: string; path: string }[] | null;
  /** False when the text could not be scanned (not well-formed, a DTD). */
  complete: boolean;
}

interface Frame {
  local: string;
  ns: string;
  scope: Record<string, string>;
  inDocument: boolean;
  path: string;
}

const ATTRIBUTE = /\s*([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
const TAG_END = /\s*(\/?)>/y;

function decodeAttr(raw: string): string {
  if (raw.indexOf('&') === -1) return raw;
  return raw.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_m, ref: string) => {
    if (ref.charCodeAt(0) === 0x23) {
      const cp = ref.charCodeAt(1) === 0x78 ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
    }
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[ref]!;
  });
}

/** Whitespace, `/` or `>`: the end of a name in a start tag. */
function isNameEnd(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f || c === 0x3e;
}

function splitName(qname: string): [prefix: string, local: string] {
  const colon = qname.indexOf(':');
  return colon === -1 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

/**
 * One pass over the start and end tags (comments, CDATA, processing instructions and text skipped), with
 * namespace scopes: where the Document's namespace is declared, where the AppHdr's MsgDefIdr is, and
 * anything the rewrite must not touch.
 */
function scan(xml: string, withElements: boolean): Scan {
  const out: Scan = {
    documentNs: null,
    declarations: [],
    msgDefIdrs: [],
    blocker: null,
    elements: withElements ? [] : null,
    complete: true,
  };
  const stack: Frame[] = [];
  const len = xml.length;
  let line = 1;
  let lineScanned = 0;
  const lineOf = (at: number): number => {
    for (let k = xml.indexOf('\n', lineScanned); k !== -1 && k < at; k = xml.indexOf('\n', k + 1)) line++;
    lineScanned = at;
    return line;
  };
  let msgDefIdrStart = -1;
  let i = 0;
  while (i < len) {
    const lt = xml.indexOf('<', i);
    if (lt === -1) break;
    const next = xml.charCodeAt(lt + 1);
    if (next === 0x3f /* ? */) {
      const close = xml.indexOf('?>', lt + 2);
      if (close === -1) return { ...out, complete: false };
      i = close + 2;
    } else if (next === 0x21 /* ! */) {
      const [open, end] = xml.startsWith('<!--', lt) ? ['<!--', '-->'] : xml.startsWith('<![CDATA[', lt) ? ['<![CDATA[', ']]>'] : ['', ''];
      if (open === '') return { ...out, complete: false };
      const close = xml.indexOf(end, lt + open.length);
      if (close === -1) return { ...out, complete: false };
      i = close + end.length;
    } else if (next === 0x2f /* / */) {
      const close = xml.indexOf('>', lt + 2);
      const frame = stack.pop();
      if (close === -1 || frame === undefined) return { ...out, complete: false };
      if (msgDefIdrStart !== -1) {
        out.msgDefIdrs.push({ start: msgDefIdrStart, end: lt });
        msgDefIdrStart = -1;
      }
      i = close + 1;
    } else {
      let p = lt + 1;
      while (p < len && !isNameEnd(xml.charCodeAt(p))) p++;
      const qname = xml.slice(lt + 1, p);
      if (qname === '') return { ...out, complete: false };
      const parent = stack.length > 0 ? stack[stack.length - 1]! : null;
      let scope = parent?.scope ?? { xml: 'http://www.w3.org/XML/1998/namespace' };
      let copied = false;
      const attrs: [string, string][] = [];
      for (;;) {
        ATTRIBUTE.lastIndex = p;
        const m = ATTRIBUTE.exec(xml);
        if (m === null) break;
        const name = m[1]!;
        const raw = m[2] ?? m[3] ?? '';
        p = ATTRIBUTE.lastIndex;
        if (name === 'xmlns' || name.startsWith('xmlns:')) {
          if (!copied) {
            scope = { ...scope };
            copied = true;
          }
          const uri = decodeAttr(raw);
          scope[name === 'xmlns' ? '' : name.slice(6)] = uri;
          const valueEnd = p - 1;
          out.declarations.push({ start: valueEnd - raw.length, end: valueEnd, uri });
        } else attrs.push([name, raw]);
      }
      TAG_END.lastIndex = p;
      const tagEnd = TAG_END.exec(xml);
      if (tagEnd === null) return { ...out, complete: false };
      const selfClosing = tagEnd[1] === '/';
      i = TAG_END.lastIndex;
      const [prefix, local] = splitName(qname);
      const ns = scope[prefix] ?? '';
      const isDocument = parent?.inDocument !== true && local === 'Document';
      const inDocument = isDocument || parent?.inDocument === true;
      const path = isDocument ? '' : inDocument ? (parent!.path === '' ? local : `${parent!.path}/${local}`) : '';
      if (isDocument && out.documentNs === null) out.documentNs = ns;
      if (inDocument && !isDocument) {
        if (out.elements !== null) out.elements.push({ line: lineOf(lt), local, path });
        if (out.blocker === null) out.blocker = blockerOf(out.documentNs, ns, path, attrs, scope);
      }
      if (!inDocument && local === 'MsgDefIdr' && parent?.local === 'AppHdr' && !selfClosing) msgDefIdrStart = i;
      if (!selfClosing) stack.push({ local, ns, scope, inDocument, path });
    }
  }
  if (stack.length > 0) out.complete = false;
  return out;
}

/**
 * What the namespace rewrite would silently change the meaning of: an element below
 * `SplmtryData/Envlp` (any content, checked laxly) in the Document's own namespace, which would move to the
 * target's; an `xsi:type` naming a type of the source generation.
 */
function blockerOf(
  documentNs: string | null,
  ns: string,
  path: string,
  attrs: [string, string][],
  scope: Record<string, string>,
): string | null {
  if (ns === documentNs && path.includes('SplmtryData/Envlp/')) {
    return `${path} is supplementary data in the message's own namespace: in another generation's namespace it would be another element`;
  }
  for (const [name] of attrs) {
    const [prefix, attrLocal] = splitName(name);
    if (attrLocal === 'type' && prefix !== '' && scope[prefix] === XSI_NS) {
      return `${path} carries xsi:type, which names a type of the message's own generation`;
    }
  }
  return null;
}

/** `{urn:...}CareOf` → `CareOf`; `( {urn:...}Id, {urn:...}Tp )` → `Id, Tp`. */
function stripNamespaces(s: string): string {
  return s.replace(/\{[^}]*\}/g, '');
}

/** The issue's element name (`Element '{ns}Name': ...` → `Name`), or null. */
function issueElement(issue: XmlIssue): string | null {
  const m = /Element '(?:\{[^}]*\})?([^':]+)'/.exec(issue.message);
  return m === null ? null : m[1]!;
}

/** Why the converted message failed the target schema, in words, without any value of the message. */
function reasonOf(from: string, to: string, issue: XmlIssue | undefined, source: string): string {
  const head = `${from} → ${to}`;
  if (issue === undefined) return `${head}: the converted message is not valid ${to}`;
  const local = issueElement(issue);
  let path = local ?? 'an element';
  if (local !== null && issue.line !== undefined) {
    const found = scan(source, true).elements?.find((e) => e.line === issue.line && e.local === local);
    if (found !== undefined) path = found.path.replace(/^FIToFICstmrCdtTrf\//, '');
  }
  const msg = issue.message;
  const expected = /Expected is (?:one of )?\(\s*([^)]*?)\s*\)/.exec(msg);
  const expectedNames =
    expected === null
      ? []
      : stripNamespaces(expected[1]!)
          .split(',')
          .map((n) => n.trim());
  const expectedText = expectedNames.length > 5 ? `${expectedNames.slice(0, 5).join(', ')}, ...` : expectedNames.join(', ');
  if (msg.includes('This element is not expected')) {
    // One element expected: a required one is missing where the message has another (an account with a
    // proxy and no Id going to .08), rather than an element the target lacks.
    if (expectedNames.length === 1 && local !== null && path.includes('/')) {
      return `${head}: ${path.slice(0, path.lastIndexOf('/'))} would lack ${expectedText}, which ${to} requires where the message has ${local}`;
    }
    return `${head} would drop ${path}: not taken by ${to} there${expectedText === '' ? '' : ` (${to} expects ${expectedText})`}`;
  }
  if (msg.includes('Missing child element')) {
    return `${head}: ${path} would lack ${expectedText || 'a child element'}, which ${to} requires and the message does not carry`;
  }
  const facet = /\[facet '([^']+)'\]/.exec(msg);
  if (facet !== null) {
    const limit = /allowed (?:maximum|minimum) length of '(\d+)'/.exec(msg) ?? /(?:total|fraction) digits .*?'(\d+)'/.exec(msg);
    const detail = facet[1] === 'enumeration' ? 'a code it does not have' : `its ${facet[1]}${limit === null ? '' : ` ${limit[1]}`}`;
    return `${head}: the value of ${path} does not fit ${to} (${detail})`;
  }
  const atomic = /not a valid value of the (?:atomic|local atomic) type '(?:\{[^}]*\})?([^']+)'/.exec(msg);
  if (atomic !== null) return `${head}: the value of ${path} is not a valid ${atomic[1]} in ${to}`;
  if (msg.includes("content type is 'element-only'")) return `${head}: ${path} holds a value where ${to} has a group of elements`;
  if (msg.includes('the type definition is simple')) return `${head}: ${path} holds elements where ${to} has a plain value`;
  return `${head}: ${path} does not fit ${to}`;
}

/**
 * The payment's own message (a bare Document, or an AppHdr and a Document in an envelope, as received) in
 * the pacs.008 generation `target`: the Document's namespace declarations rewritten, the AppHdr's
 * `MsgDefIdr` set to `target` (the AppHdr's own version, head.001.001.02 or .04, stays), nothing else
 * changed, then validated with `codec` against the target's schema (and the AppHdr's). Refused, with the
 * first element that does not fit, when the target cannot carry the message as it is (see the module
 * comment for what differs). The same generation: the message unchanged. Deterministic; one pass over the
 * text and one parse with validation.
 */
export function convertPacs008(codec: Iso20022Codec, message: string, target: Pacs008Generation): Pacs008Conversion {
  const to: string = target;
  if (!isPacs008Generation(to)) {
    return { ok: false, from: 'unknown', to, reason: `${to} is not a pacs.008 generation (${PACS008_GENERATIONS.join(', ')})` };
  }
  const found = scan(message, false);
  const ns = found.documentNs;
  const from = ns !== null && ns.startsWith(ISO_NS) ? ns.slice(ISO_NS.length) : 'unknown';
  if (!found.complete || ns === null)
    return { ok: false, from, to, reason: 'the message is not a well-formed ISO 20022 message with a Document' };
  if (!isPacs008Generation(from)) {
    return {
      ok: false,
      from,
      to,
      reason: `the message is ${from === 'unknown' ? 'not an ISO 20022 message' : from}, not a pacs.008 of ${PACS008_GENERATIONS.join(', ')}`,
    };
  }
  if (from === to) return { ok: true, message, from, to };
  if (found.blocker !== null)
    return { ok: false, from, to, reason: `${from} → ${to} would change what the message says: ${found.blocker}` };

  const targetNs = ISO_NS + to;
  const edits: { start: number; end: number; text: string }[] = [];
  for (const d of found.declarations) if (d.uri === ns) edits.push({ start: d.start, end: d.end, text: targetNs });
  for (const r of found.msgDefIdrs) {
    const raw = message.slice(r.start, r.end);
    const value = raw.trim();
    if (!PACS008_ID.test(value)) continue;
    const at = r.start + raw.indexOf(value);
    edits.push({ start: at, end: at + value.length, text: to });
  }
  edits.sort((a, b) => a.start - b.start);
  let converted = '';
  let cursor = 0;
  for (const e of edits) {
    converted += message.slice(cursor, e.start) + e.text;
    cursor = e.end;
  }
  converted += message.slice(cursor);

  try {
    const parsed = codec.parse(converted);
    if (parsed.messageType !== to)
      return { ok: false, from, to, reason: `${from} → ${to}: the converted message reads as ${parsed.messageType}` };
  } catch (e) {
    if (!(e instanceof Iso20022Error)) throw e;
    if (e.code !== 'ISO20022.SCHEMA_INVALID') return { ok: false, from, to, reason: `${from} → ${to}: ${e.message}` };
    return { ok: false, from, to, reason: reasonOf(from, to, e.issues[0], converted) };
  }
  return { ok: true, message: converted, from, to };
}
