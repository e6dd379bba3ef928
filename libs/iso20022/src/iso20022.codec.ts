// SPDX-License-Identifier: Apache-2.0
import { XmlCData, XmlComment, XmlDocument, XmlElement, XmlLibError, XmlText, type XmlTreeNode } from 'libxml2-wasm';
import {
  Iso20022Error,
  type AppHdrInput,
  type AppHeader,
  type Camt029,
  type Camt029Input,
  type Camt056,
  type Camt056Input,
  type Iso20022ErrorCode,
  type MissingNamespace,
  type Pacs002Input,
  type Pacs002Status,
  type Pacs004,
  type Pacs004Input,
  type Pacs008,
  type Pacs008Input,
  type Pacs028,
  type Pacs028Input,
  type Pain001,
  type Pain002Input,
  type ParsedMessage,
  type ParseLimits,
  type PartialIdentification,
  type XmlIssue,
} from './iso20022.types.js';
import { readAppHeader } from './app-header.reader.js';
import { readPacs002Document } from './pacs002.reader.js';
import { buildAppHdr, replyAppHdrInput, wrapWithAppHdr } from './app-header.writer.js';
import { buildCamt029, CAMT029_MESSAGE_ID } from './camt029.writer.js';
import { buildCamt056, CAMT056_MESSAGE_ID } from './camt056.writer.js';
import {
  readCamt029Document,
  readCamt056Document,
  readPacs004Document,
  readPacs028Document,
  readPain001Document,
} from './messages.reader.js';
import { buildPacs002, PACS002_MESSAGE_ID } from './pacs002.writer.js';
import { buildPacs004, PACS004_MESSAGE_ID } from './pacs004.writer.js';
import { buildPacs008, PACS008_OUT_MESSAGE_ID } from './pacs008.writer.js';
import { buildPacs028, PACS028_MESSAGE_ID } from './pacs028.writer.js';
import { buildPain002, PAIN002_MESSAGE_ID } from './pain002.writer.js';
import { readPacs008Document } from './pacs008.reader.js';
import { echoablePartial } from './partial-identification.js';
import { ISO20022_NS_PREFIX, SAFE_PARSE_OPTIONS, SchemaRegistry, type CompiledSchema } from './schema-registry.js';
import { declaredEncodingOf, localName, prescanXml, type ElementSpan, type PrescanResult } from './xml-prescan.js';
import { child, readXml, text, type XNode } from './xml-tree.js';

export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({ maxBytes: 1024 * 1024, maxDepth: 64 });

export interface Iso20022CodecOptions {
  /** Directory holding the XSD files (e.g. `config/schemas`). Each message schema is compiled once. */
  schemaDir: string;
  limits?: Partial<ParseLimits>;
}

/** Most issues reported for one message (libxml2 can report hundreds for a broken document). */
const MAX_ISSUES = 50;
/** Levels searched for the `Document` below an envelope root (Envelope/Document, FedNowIncoming/FedNowIncomingMessage/FedNow<Kind>/Document). */
const MAX_ENVELOPE_LEVELS = 3;
const HEAD_NS_PREFIX = `${ISO20022_NS_PREFIX}head.001.`;
/** The namespace `missingNamespace()` gives an AppHdr that has none. */
const REPAIR_HEADER_NAMESPACE = `${HEAD_NS_PREFIX}001.02`;
/** Strict: invalid and overlong sequences and encoded surrogates throw; a UTF-8 byte order mark is dropped. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Byte order marks and first bytes of `<` in encodings other than UTF-8 (XML 1.0 appendix F). */
const OTHER_ENCODINGS: readonly [readonly number[], string][] = [
  [[0x00, 0x00, 0xfe, 0xff], 'UTF-32 (big-endian byte order mark)'],
  [[0xff, 0xfe, 0x00, 0x00], 'UTF-32 (little-endian byte order mark)'],
  [[0xfe, 0xff], 'UTF-16 (big-endian byte order mark)'],
  [[0xff, 0xfe], 'UTF-16 (little-endian byte order mark)'],
  [[0x00, 0x00, 0x00, 0x3c], 'UTF-32 (big-endian, no byte order mark)'],
  [[0x3c, 0x00, 0x00, 0x00], 'UTF-32 (little-endian, no byte order mark)'],
  [[0x00, 0x3c], 'UTF-16 (big-endian, no byte order mark)'],
  [[0x3c, 0x00], 'UTF-16 (little-endian, no byte order mark)'],
  [[0x4c, 0x6f, 0xa7, 0x94], 'EBCDIC'],
];

/** Offset of the first byte that does not start a valid, shortest-form UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let len: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i; // continuation byte, overlong lead (C0, C1) or F5..FF
    if (i + len > n) return i;
    const b1 = bytes[i + 1]!;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k < len; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += len;
  }
  return -1;
}

/** An encoding named by the XML declaration must be UTF-8 (UNSUPPORTED_ENCODING otherwise). */
function checkDeclaredEncoding(declared: string | null): void {
  if (declared === null || /^utf-?8$/i.test(declared.trim())) return;
  fail(
    'ISO20022.UNSUPPORTED_ENCODING',
    `the XML declaration names the encoding ${JSON.stringify(declared)}; ISO 20022 messages are UTF-8 (send the message as UTF-8 and declare encoding="UTF-8", or no encoding)`,
    [{ line: 1, message: `encoding="${declared}" is not UTF-8` }],
  );
}

/** The message text: strict UTF-8 (a UTF-8 BOM dropped); anything else is refused with a clear code. */
function decodeUtf8(bytes: Uint8Array): string {
  for (const [mark, name] of OTHER_ENCODINGS) {
    if (bytes.length >= mark.length && mark.every((v, k) => bytes[k] === v)) {
      fail('ISO20022.UNSUPPORTED_ENCODING', `message is encoded as ${name}; ISO 20022 messages are UTF-8`);
    }
  }
  // The declaration is ASCII: read it before decoding, so that a Latin-1 message declared as such is told
  // "not UTF-8, declared ISO-8859-1" rather than "invalid UTF-8 at byte n".
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  checkDeclaredEncoding(declaredEncodingOf(String.fromCharCode(...bytes.subarray(bom, bom + 256))));
  try {
    return UTF8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    let line = 1;
    for (let k = 0; k < at; k++) if (bytes[k] === 0x0a) line++;
    const where = at === -1 ? '' : ` at byte ${at} (line ${line})`;
    const bad = at === -1 ? [] : Array.from(bytes.subarray(at, at + 4), (v) => v.toString(16).padStart(2, '0').toUpperCase()).join(' ');
    fail(
      'ISO20022.INVALID_ENCODING',
      `message is not valid UTF-8${where}: invalid or overlong byte sequence (ISO 20022 messages are UTF-8; nothing is replaced or guessed)`,
      at === -1 ? [] : [{ line, message: `invalid UTF-8 starting with bytes ${bad}` }],
    );
  }
}

function fail(code: Iso20022ErrorCode, message: string, issues: XmlIssue[] = [], partial: PartialIdentification = {}): never {
  throw new Iso20022Error(code, message, issues, echoablePartial(partial));
}

/** libxml2 diagnostics as issues: line and message only (never anything read from elsewhere). */
function issuesOf(e: XmlLibError): XmlIssue[] {
  return e.details.slice(0, MAX_ISSUES).map((d) => {
    const issue: XmlIssue = { message: d.message.trim() };
    if (d.line > 0) issue.line = d.line;
    if (d.xpath) issue.path = d.xpath;
    return issue;
  });
}

function elementChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let c: XmlTreeNode | null = el.firstChild; c !== null; c = c.next) if (c instanceof XmlElement) out.push(c);
  return out;
}

interface Located {
  element: XmlElement;
  /** 0 = root. */
  level: number;
  /** Index among the elements of that level, in document order. */
  ordinal: number;
  /** Elements of that level (siblings of the parent's other children included), in document order. */
  levelElements: XmlElement[];
}

const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

function envelopeInvalid(message: string, line?: number): never {
  fail('ISO20022.ENVELOPE_INVALID', `the envelope may hold one AppHdr (optional) and one Document, nothing else: ${message}`, [
    line !== undefined && line > 0 ? { line, message } : { message },
  ]);
}

/**
 * Checks one envelope element (a wrapper around the AppHdr and Document, or around the next wrapper):
 * no attributes but namespace declarations and `xsi:*` (schemaLocation), no text but whitespace, no
 * CDATA, no entity references or anything else a host could read as content. Comments are allowed.
 */
function checkWrapper(el: XmlElement): void {
  for (const attr of el.attrs) {
    if (attr.namespaceUri !== XSI_NS) envelopeInvalid(`attribute ${attr.name} on <${el.name}>`, el.line);
  }
  for (let c: XmlTreeNode | null = el.firstChild; c !== null; c = c.next) {
    if (c instanceof XmlElement || c instanceof XmlComment) continue;
    if (c instanceof XmlText && c.content.trim() === '') continue;
    const what =
      c instanceof XmlCData
        ? 'a CDATA section'
        : c instanceof XmlText
          ? `text ${JSON.stringify(c.content.trim().slice(0, 40))}`
          : 'content other than elements, whitespace and comments';
    envelopeInvalid(`${what} in <${el.name}>`, c.line > 0 ? c.line : el.line);
  }
}

/**
 * One form of transport envelope the codec takes around an AppHdr (optional) and a Document. Each wrapper
 * element holds exactly one element (the next wrapper) and nothing else; the last one holds the Document and
 * at most one AppHdr. docs/iso20022-messages.md lists them.
 */
export interface EnvelopeForm {
  /** Local name of the root element. */
  root: string;
  /** Namespaces the root may be in (`''`: none); null: any. Wrappers below the root are in the root's. */
  namespaces: readonly string[] | RegExp | null;
  /** Local names of the wrappers below the root, down to the one that holds the AppHdr and the Document. */
  levels: readonly (string | RegExp)[];
  /** An element the root may hold before its one wrapper, only when it is empty (FedNow's technical header). */
  emptyHeader?: string;
  /** Who sends it. */
  senders: string;
}

/** The transport envelopes the codec takes; any other wrapper around a Document is ENVELOPE_INVALID. */
export const ENVELOPE_FORMS: readonly EnvelopeForm[] = Object.freeze([
  { root: 'Envelope', namespaces: ['urn:swift:xsd:envelope', ''], levels: [], senders: 'SWIFT MX (CBPR+, HVPS+); no namespace: generic' },
  {
    root: 'RequestPayload',
    namespaces: null,
    levels: [],
    senders: 'AWS ISO 20022 guidance (no namespace), SWIFT API and scheme business envelopes (each its own namespace)',
  },
  {
    root: 'Request',
    namespaces: ['SWIFTNetBusinessEnvelope', ''],
    levels: [],
    senders: 'SWIFTNet business envelope (CBPR+ test messages)',
  },
  {
    root: 'Message',
    namespaces: ['SWIFTNetBusinessEnvelope'],
    levels: [],
    senders: 'the SWIFTNet business envelope under the name Message (only in its namespace)',
  },
  {
    root: 'FedNowIncoming',
    namespaces: /^urn:fednow:incoming:v\d{3}$/,
    levels: ['FedNowIncomingMessage', /^FedNow[A-Za-z]{1,64}$/],
    emptyHeader: 'FedNowTechnicalHeader',
    senders: 'FedNow participant to FedNow (MQ technical envelope)',
  },
  {
    root: 'FedNowOutgoing',
    namespaces: /^urn:fednow:outgoing:v\d{3}$/,
    levels: ['FedNowOutgoingMessage', /^FedNow[A-Za-z]{1,64}$/],
    emptyHeader: 'FedNowTechnicalHeader',
    senders: 'FedNow to participant (MQ technical envelope)',
  },
]);

/** Envelopes an answer can be written in as they came (one level, no namespace needed): the others get `Envelope`. */
const ONE_LEVEL_ENVELOPES: ReadonlySet<string> = new Set(
  ENVELOPE_FORMS.filter(
    (f) => f.levels.length === 0 && (f.namespaces === null || (Array.isArray(f.namespaces) && f.namespaces.includes(''))),
  ).map((f) => f.root),
);

function matches(rule: readonly string[] | RegExp | string | null, value: string): boolean {
  if (rule === null) return true;
  if (typeof rule === 'string') return rule === value;
  if (rule instanceof RegExp) return rule.test(value);
  return rule.includes(value);
}

/** The chain of wrappers (root first) must be one of ENVELOPE_FORMS: its names, levels and namespace. */
function checkEnvelopeForm(chain: XmlElement[]): void {
  const root = chain[0]!;
  const form = ENVELOPE_FORMS.find((f) => f.root === root.name);
  const taken = ENVELOPE_FORMS.map((f) => f.root).join(', ');
  if (form === undefined) envelopeInvalid(`<${root.name}> is not an envelope this gateway takes (it takes ${taken})`, root.line);
  const ns = root.namespaceUri;
  if (!matches(form.namespaces, ns)) {
    envelopeInvalid(
      `<${root.name}> ${ns === '' ? 'without a namespace' : `in namespace ${ns}`} is not an envelope this gateway takes`,
      root.line,
    );
  }
  const names = chain.slice(1).map((el) => el.name);
  const shape = names.length === form.levels.length && names.every((n, i) => matches(form.levels[i]!, n));
  if (!shape) {
    const path = [root.name, ...names].join('/');
    envelopeInvalid(`<${path}> is not the layout of a ${root.name} envelope`, chain[chain.length - 1]!.line);
  }
  for (const el of chain.slice(1)) {
    if (el.namespaceUri !== ns) envelopeInvalid(`<${el.name}> is not in the namespace of its <${root.name}> envelope`, el.line);
  }
}

/** FedNow's technical header may stand before the message wrapper only when it carries nothing. */
function checkEmptyHeader(el: XmlElement): void {
  checkWrapper(el);
  if (elementChildren(el).length > 0) envelopeInvalid(`<${el.name}> is not empty`, el.line);
}

/**
 * Finds the `Document`: the root itself, or the last level of an envelope. An envelope is a chain of at
 * most MAX_ENVELOPE_LEVELS wrappers, each holding exactly one element, the last one holding the Document
 * and at most one AppHdr and nothing else, in one of the ENVELOPE_FORMS (ENVELOPE_INVALID otherwise). Null
 * when there is no Document at all.
 */
function locateDocument(root: XmlElement): Located | null {
  if (root.name === 'Document') return { element: root, level: 0, ordinal: 0, levelElements: [root] };
  const emptyHeader = ENVELOPE_FORMS.find((f) => f.root === root.name)?.emptyHeader;
  let header: XmlElement | null = null;
  let wrapper = root;
  const chain: XmlElement[] = [];
  for (let depth = 1; depth <= MAX_ENVELOPE_LEVELS; depth++) {
    chain.push(wrapper);
    let kids = elementChildren(wrapper);
    if (depth === 1 && emptyHeader !== undefined && kids.length === 2 && kids[0]!.name === emptyHeader) {
      header = kids[0]!;
      kids = kids.slice(1);
    }
    if (kids.length === 0) return null;
    const ordinal = kids.findIndex((el) => el.name === 'Document');
    if (ordinal === -1) {
      if (kids.length === 1 && kids[0]!.name !== 'AppHdr') {
        wrapper = kids[0]!;
        continue;
      }
      if (kids.some((el) => el.name === 'AppHdr'))
        envelopeInvalid(`the AppHdr in <${wrapper.name}> has no Document beside it`, wrapper.line);
      return null;
    }
    // Only once there is a Document: XML that holds none stays UNSUPPORTED_MESSAGE.
    for (const w of chain) checkWrapper(w);
    for (const el of kids) {
      if (el.name === 'Document' && el !== kids[ordinal]) envelopeInvalid(`a second Document in <${wrapper.name}>`, el.line);
      if (el.name !== 'Document' && el.name !== 'AppHdr') envelopeInvalid(`element <${el.name}> beside the Document`, el.line);
    }
    if (kids.filter((el) => el.name === 'AppHdr').length > 1) envelopeInvalid(`a second AppHdr in <${wrapper.name}>`, wrapper.line);
    if (header !== null) checkEmptyHeader(header);
    checkEnvelopeForm(chain);
    return { element: kids[ordinal]!, level: depth, ordinal, levelElements: kids };
  }
  return null;
}

/** The prescan span of the `ordinal`-th element of `level`. */
function spanOf(scan: PrescanResult, level: number, ordinal: number): ElementSpan | null {
  let seen = 0;
  for (const s of scan.spans) {
    if (s.level !== level) continue;
    if (seen === ordinal) return s;
    seen++;
  }
  return null;
}

function escapeAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

/**
 * The element's original text. For an element below an envelope, the namespace declarations it inherits
 * from the envelope are added to its start tag (same line, so line numbers inside stay the same).
 */
function cutElement(source: string, span: ElementSpan, el: XmlElement, isRoot: boolean): string {
  const raw = source.slice(span.start, span.end);
  if (isRoot) return raw;
  // The declarations of the element and of each ancestor, nearest first. (Not `el.namespaces`: libxml2-wasm
  // builds that in quadratic time, and an envelope with thousands of declarations would stall the process.)
  const seen = new Set(Object.keys(el.nsDeclarations));
  let decls = '';
  for (let p = el.parent; p !== null; p = p.parent) {
    for (const [prefix, uri] of Object.entries(p.nsDeclarations)) {
      if (prefix === 'xml' || seen.has(prefix)) continue;
      seen.add(prefix);
      decls += prefix === '' ? ` xmlns="${escapeAttr(uri)}"` : ` xmlns:${prefix}="${escapeAttr(uri)}"`;
    }
  }
  if (decls === '') return raw;
  const at = span.nameEnd - span.start;
  return raw.slice(0, at) + decls + raw.slice(at);
}

/** Whatever key fields can be read from a Document that failed validation. */
function partialOf(messageType: string, documentText: string | null): PartialIdentification {
  const partial: PartialIdentification = { messageType };
  if (documentText === null) return partial;
  let doc: XNode;
  try {
    doc = readXml(documentText);
  } catch {
    return partial;
  }
  const body = doc.children[0];
  if (!body) return partial;
  const put = (key: keyof PartialIdentification, value: string | null): void => {
    if (value !== null && value !== '') partial[key] = value;
  };
  const grp = child(body, 'GrpHdr');
  put('msgId', text(grp, 'MsgId'));
  put('creationDateTime', text(grp, 'CreDtTm')?.trim() ?? null);
  // First transaction: the first child of the message element that carries a PmtId (pacs.008, pacs.004, ...).
  for (const tx of body.children) {
    const pmtId = child(tx, 'PmtId');
    if (pmtId === null) continue;
    put('instrId', text(pmtId, 'InstrId'));
    put('endToEndId', text(pmtId, 'EndToEndId'));
    put('txId', text(pmtId, 'TxId'));
    put('uetr', text(pmtId, 'UETR')?.trim() ?? null);
    break;
  }
  return partial;
}

/**
 * Parses, checks and validates ISO 20022 messages, reads pacs.008 and pacs.002, writes pacs.002.
 * Thread-safe in the Node sense (synchronous calls); one instance per process is enough. Call `dispose()`
 * to release the compiled schemas.
 */
export class Iso20022Codec {
  private disposed = false;

  private constructor(
    private readonly registry: SchemaRegistry,
    readonly limits: Readonly<ParseLimits>,
  ) {}

  static async create(opts: Iso20022CodecOptions): Promise<Iso20022Codec> {
    const limits = Object.freeze({ ...DEFAULT_PARSE_LIMITS, ...(opts.limits ?? {}) });
    if (!(limits.maxBytes > 0) || !(limits.maxDepth > 0)) throw new RangeError('parse limits must be positive');
    const registry = await SchemaRegistry.load(opts.schemaDir);
    return new Iso20022Codec(registry, limits);
  }

  /** Message ids whose `Document` this codec accepts, e.g. `['pacs.002.001.10', 'pacs.008.001.08']`. */
  supportedMessages(): string[] {
    return this.registry
      .all()
      .filter((s) => s.rootElement === 'Document')
      .map((s) => s.messageId)
      .sort();
  }

  /** Header versions whose `AppHdr` is validated, e.g. `['head.001.001.02']`. */
  supportedHeaders(): string[] {
    return this.registry
      .all()
      .filter((s) => s.rootElement === 'AppHdr')
      .map((s) => s.messageId)
      .sort();
  }

  /**
   * Checks one inbound message. Order: size (TOO_LARGE), DTD/entity declarations (DTD_FORBIDDEN),
   * well-formedness (NOT_XML), nesting depth (TOO_DEEP), the `Document` and its namespace
   * (UNSUPPORTED_MESSAGE), XSD validation of the Document and the AppHdr (SCHEMA_INVALID, with line
   * numbers of the input as sent and the ids that could be read).
   */
  parse(input: string | Uint8Array): ParsedMessage {
    this.assertOpen();
    const { maxDepth } = this.limits;
    const source = this.decode(input);
    const scan = prescanXml(source, MAX_ENVELOPE_LEVELS + 1);
    checkDeclaredEncoding(scan.declaredEncoding);
    if (scan.declaration !== null) {
      const issue: XmlIssue = { message: `<!${scan.declaration} ...> is not allowed: ISO 20022 messages never use a DTD` };
      if (scan.declarationLine !== null) issue.line = scan.declarationLine;
      fail('ISO20022.DTD_FORBIDDEN', 'document type declarations and entity declarations are not allowed', [issue]);
    }

    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromString(source, { option: SAFE_PARSE_OPTIONS, encoding: 'utf-8' });
    } catch (e) {
      // libxml2 stops at its own depth cap (256): report the depth, not a syntax error.
      if (scan.maxDepth > maxDepth) this.tooDeep(scan.maxDepth);
      if (e instanceof XmlLibError) fail('ISO20022.NOT_XML', 'message is not well-formed XML', issuesOf(e));
      throw e;
    }
    try {
      if (doc.dtd !== null) fail('ISO20022.DTD_FORBIDDEN', 'document type declarations are not allowed');
      if (!scan.complete) fail('ISO20022.NOT_XML', 'message uses an XML construct this gateway does not accept');
      if (scan.maxDepth > maxDepth) this.tooDeep(scan.maxDepth);
      return this.check(source, scan, doc);
    } finally {
      doc.dispose();
    }
  }

  /** The message text: within the size limit, strict UTF-8 (a byte order mark dropped). */
  private decode(input: string | Uint8Array): string {
    const { maxBytes } = this.limits;
    if (typeof input === 'string') {
      // A UTF-16 unit is 1 to 3 UTF-8 bytes: only count the bytes when the length alone does not decide.
      const size = input.length > maxBytes || input.length * 3 <= maxBytes ? input.length : Buffer.byteLength(input, 'utf8');
      if (size > maxBytes) fail('ISO20022.TOO_LARGE', `message is ${size} bytes, the limit is ${maxBytes}`);
      // A lone surrogate has no UTF-8 form: it would reach libxml2 (and the host) as U+FFFD.
      if (!input.isWellFormed()) fail('ISO20022.INVALID_ENCODING', 'message text holds a lone surrogate, which has no UTF-8 form');
      return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
    }
    if (input.byteLength > maxBytes) fail('ISO20022.TOO_LARGE', `message is ${input.byteLength} bytes, the limit is ${maxBytes}`);
    return decodeUtf8(input);
  }

  /**
   * A message whose `Document` is in no namespace, in an envelope beside an `AppHdr` whose `MsgDefIdr` names a
   * message this codec validates: the AWS guidance's own sample (`data/pacs.008.xml`) declares its prefixes
   * (`xmlns:h=`, `xmlns:Doc=`) and uses none, so its AppHdr and Document are in no namespace. Says what the
   * message claims to be, the ids a pacs.002 can echo, and the text with the namespaces put in: a default
   * namespace declaration added to the start tag of the Document (`urn:iso:std:iso:20022:tech:xsd:<MsgDefIdr>`)
   * and, when it has none either, of the AppHdr (the head.001 version its start tag declares under an unused
   * prefix, as the guidance's sample does, when that is one the codec validates; else head.001.001.02), nothing
   * else changed (same lines). The repaired text is not validated here: `parse()` it.
   * Null for anything else (a bare Document, no AppHdr, an unknown MsgDefIdr, an explicit `xmlns=""`, a
   * message `parse()` refuses for another reason before the namespace).
   */
  missingNamespace(input: string | Uint8Array): MissingNamespace | null {
    this.assertOpen();
    let source: string;
    let scan: PrescanResult;
    try {
      source = this.decode(input);
      scan = prescanXml(source, MAX_ENVELOPE_LEVELS + 1);
    } catch (e) {
      if (e instanceof Iso20022Error) return null;
      throw e;
    }
    if (scan.declaration !== null || !scan.complete || scan.maxDepth > this.limits.maxDepth) return null;
    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromString(source, { option: SAFE_PARSE_OPTIONS, encoding: 'utf-8' });
    } catch {
      return null;
    }
    try {
      let found: Located | null;
      try {
        found = locateDocument(doc.root);
      } catch (e) {
        if (e instanceof Iso20022Error) return null;
        throw e;
      }
      if (found === null || found.level === 0) return null;
      const docEl = found.element;
      if (docEl.namespaceUri !== '' || '' in docEl.nsDeclarations) return null;
      const hdrIdx = found.levelElements.findIndex((el) => el.name === 'AppHdr');
      if (hdrIdx === -1) return null;
      const hdrEl = found.levelElements[hdrIdx]!;
      const hdrNs = hdrEl.namespaceUri;
      if (hdrNs === '' && '' in hdrEl.nsDeclarations) return null;
      if (hdrNs !== '' && !hdrNs.startsWith(HEAD_NS_PREFIX)) return null;
      const msgDefIdr = elementChildren(hdrEl)
        .find((el) => el.name === 'MsgDefIdr' && el.namespaceUri === hdrNs)
        ?.content.trim();
      if (msgDefIdr === undefined || !/^[a-z]{4}\.\d{3}\.\d{3}\.\d{2}$/.test(msgDefIdr)) return null;
      const documentNamespace = ISO20022_NS_PREFIX + msgDefIdr;
      const schema = this.registry.get(documentNamespace);
      if (schema === undefined || schema.rootElement !== 'Document') return null;
      const docSpan = spanOf(scan, found.level, found.ordinal);
      const hdrSpan = spanOf(scan, found.level, hdrIdx);
      if (docSpan === null || hdrSpan === null || docSpan.end === -1) return null;
      const headerNamespace = hdrNs === '' ? this.declaredHeaderNamespace(hdrEl) : null;
      const inserts: [number, string][] = [[docSpan.nameEnd, ` xmlns="${documentNamespace}"`]];
      if (headerNamespace !== null) inserts.push([hdrSpan.nameEnd, ` xmlns="${headerNamespace}"`]);
      inserts.sort((a, b) => b[0] - a[0]);
      let repaired = source;
      for (const [at, decl] of inserts) repaired = repaired.slice(0, at) + decl + repaired.slice(at);
      return {
        messageType: schema.messageId,
        documentNamespace,
        headerNamespace,
        partial: echoablePartial(partialOf(schema.messageId, cutElement(source, docSpan, docEl, false))),
        received: source,
        repaired,
      };
    } finally {
      doc.dispose();
    }
  }

  /**
   * The head.001 namespace for an AppHdr in no namespace: the one its own start tag declares (under a prefix
   * it does not use, as the guidance's sample does) when that is a single head.001 version this codec validates,
   * else head.001.001.02.
   */
  private declaredHeaderNamespace(hdrEl: XmlElement): string {
    const declared = new Set(
      Object.values(hdrEl.nsDeclarations).filter(
        (uri) => uri.startsWith(HEAD_NS_PREFIX) && this.registry.get(uri)?.rootElement === 'AppHdr',
      ),
    );
    return declared.size === 1 ? [...declared][0]! : REPAIR_HEADER_NAMESPACE;
  }

  private tooDeep(depth: number): never {
    fail('ISO20022.TOO_DEEP', `elements are nested ${depth} deep, the limit is ${this.limits.maxDepth}`);
  }

  private check(source: string, scan: PrescanResult, doc: XmlDocument): ParsedMessage {
    const root = doc.root;
    // What XSD validation of the AppHdr and the Document cannot see: anything beside them is refused.
    if (scan.processingInstruction !== null) {
      const pi = scan.processingInstruction;
      envelopeInvalid(`processing instruction <?${pi.target}?> (only the XML declaration is allowed)`, pi.line);
    }
    if (scan.xincludeLine !== null)
      envelopeInvalid('the XInclude namespace is declared (XInclude is never processed or forwarded)', scan.xincludeLine);
    const found = locateDocument(root);
    if (found === null && scan.documentCount > 0) {
      envelopeInvalid(`the Document is not the root, nor in an envelope of at most ${MAX_ENVELOPE_LEVELS} single wrappers`);
    }
    if (found !== null && scan.documentCount > 1) {
      envelopeInvalid(`${scan.documentCount} elements named Document (a Document may not hold another one)`);
    }
    if (found === null) {
      fail('ISO20022.UNSUPPORTED_MESSAGE', `no ISO 20022 Document element found (root element <${root.name}>)`, [
        { line: root.line, message: `root element <${root.name}> is not a Document and holds none` },
      ]);
    }
    const docEl = found.element;
    const namespace = docEl.namespaceUri;
    const schema = this.registry.get(namespace);
    if (schema === undefined || schema.rootElement !== 'Document') {
      const what = namespace === '' ? 'a Document without a namespace' : `namespace ${namespace}`;
      fail(
        'ISO20022.UNSUPPORTED_MESSAGE',
        `unsupported message: ${what}`,
        [
          {
            line: docEl.line,
            message: `Document ${namespace === '' ? 'has no namespace' : `namespace ${namespace} is not supported`}; supported: ${this.supportedMessages().join(', ')}`,
          },
        ],
        namespace.startsWith(ISO20022_NS_PREFIX) ? { messageType: namespace.slice(ISO20022_NS_PREFIX.length) } : {},
      );
    }
    const isRoot = found.level === 0;
    const docSpan = spanOf(scan, found.level, found.ordinal);
    if (docSpan === null || docSpan.end === -1 || localName(docSpan.qname) !== 'Document') {
      fail('ISO20022.NOT_XML', 'message uses an XML construct this gateway does not accept');
    }
    const documentText = cutElement(source, docSpan, docEl, isRoot);

    const issues: XmlIssue[] = [];
    this.validate(schema, isRoot ? doc : docEl, issues);
    const documentIssues = issues.length;

    // The business application header, a sibling of the Document inside the envelope.
    let appHeader: AppHeader | null = null;
    let headerVersion = 'AppHdr';
    if (!isRoot) {
      const parent = docEl.parent;
      const idx = found.levelElements.findIndex(
        (el) => el.name === 'AppHdr' && el.parent !== null && parent !== null && el.parent.isSameNode(parent),
      );
      if (idx !== -1) {
        const hdrEl = found.levelElements[idx]!;
        const hdrNs = hdrEl.namespaceUri;
        if (!hdrNs.startsWith(HEAD_NS_PREFIX)) {
          issues.push({
            line: hdrEl.line,
            message: `AppHdr ${hdrNs === '' ? 'has no namespace' : `namespace ${hdrNs} is not a business application header (head.001) namespace`}`,
          });
        } else {
          headerVersion = hdrNs.slice(ISO20022_NS_PREFIX.length);
          const hdrSchema = this.registry.get(hdrNs);
          if (hdrSchema !== undefined && hdrSchema.rootElement === 'AppHdr') this.validate(hdrSchema, hdrEl, issues);
          const hdrSpan = spanOf(scan, found.level, idx);
          if (issues.length === 0 && hdrSpan !== null && hdrSpan.end !== -1) {
            const hdrNode = readXml(cutElement(source, hdrSpan, hdrEl, false));
            appHeader = readAppHeader(headerVersion, hdrNode);
          }
        }
      }
    }

    const envelopeHeaders = !isRoot && found.levelElements.some((el) => el.name === 'AppHdr') ? 1 : 0;
    if (scan.appHdrCount > envelopeHeaders) {
      envelopeInvalid(`${scan.appHdrCount} elements named AppHdr (one is allowed, beside the Document)`);
    }

    if (issues.length > 0) {
      const n = issues.length;
      const what = documentIssues > 0 ? schema.messageId : `the business application header (${headerVersion})`;
      fail(
        'ISO20022.SCHEMA_INVALID',
        `${what} failed schema validation (${n}${n >= MAX_ISSUES ? '+' : ''} issue${n === 1 ? '' : 's'})`,
        issues.slice(0, MAX_ISSUES),
        partialOf(schema.messageId, documentText),
      );
    }

    return {
      messageType: schema.messageId,
      namespace,
      xml: source,
      document: documentText,
      appHeader,
      envelope: isRoot ? null : root.name,
    };
  }

  private validate(schema: CompiledSchema, target: XmlDocument | XmlElement, issues: XmlIssue[]): void {
    try {
      if (target instanceof XmlDocument) schema.validator.validate(target);
      else schema.validator.validate(target);
    } catch (e) {
      if (!(e instanceof XmlLibError)) throw e;
      const found = issuesOf(e);
      issues.push(...(found.length > 0 ? found : [{ message: e.message }]));
    }
  }

  /** Reads a parsed pacs.008 (group header and every transaction). */
  readPacs008(msg: ParsedMessage): Pacs008 {
    if (!msg.messageType.startsWith('pacs.008.')) {
      fail('ISO20022.UNSUPPORTED_MESSAGE', `expected a pacs.008, got ${msg.messageType}`);
    }
    return readPacs008Document(msg.messageType, this.tree(msg));
  }

  /** Reads the (first) transaction status of a parsed pacs.002 (.10, .12 or .14). */
  readPacs002(msg: ParsedMessage): Pacs002Status {
    return readPacs002Document(msg.messageType, this.tree(msg, 'pacs.002.'));
  }

  /** Reads a parsed pacs.028 status request: its header and the first transaction asked about. */
  readPacs028(msg: ParsedMessage): Pacs028 {
    return readPacs028Document(msg.messageType, this.tree(msg, 'pacs.028.'));
  }

  /** Reads a parsed camt.056 cancellation request (assignment, case, first underlying transaction). */
  readCamt056(msg: ParsedMessage): Camt056 {
    return readCamt056Document(msg.messageType, this.tree(msg, 'camt.056.'));
  }

  /** Reads the status (CNCL, RJCR, PDCR) of the first cancellation a parsed camt.029 resolves. */
  readCamt029(msg: ParsedMessage): Camt029 {
    return readCamt029Document(msg.messageType, this.tree(msg, 'camt.029.'));
  }

  /** Reads a parsed pacs.004 payment return (every transaction). */
  readPacs004(msg: ParsedMessage): Pacs004 {
    return readPacs004Document(msg.messageType, this.tree(msg, 'pacs.004.'));
  }

  /** Reads a parsed pain.001 customer credit transfer initiation (every payment block and transaction). */
  readPain001(msg: ParsedMessage): Pain001 {
    return readPain001Document(msg.messageType, this.tree(msg, 'pain.001.'));
  }

  private tree(msg: ParsedMessage, prefix?: string): XNode {
    if (prefix !== undefined && !msg.messageType.startsWith(prefix)) {
      fail('ISO20022.UNSUPPORTED_MESSAGE', `expected a ${prefix.slice(0, -1)}, got ${msg.messageType}`);
    }
    try {
      return readXml(msg.document);
    } catch (e) {
      fail('ISO20022.NOT_XML', `ParsedMessage.document is not readable: ${(e as Error).message}`);
    }
  }

  /**
   * Writes a pacs.002 status report of `input.version` (default pacs.002.001.10; see
   * `pacs002VersionFor`). Throws RangeError (naming the field) when the input cannot make a valid report,
   * e.g. an id longer than 35 characters, a malformed UETR or a character XML cannot carry.
   */
  writePacs002(input: Pacs002Input): string {
    return this.emit(input.version ?? PACS002_MESSAGE_ID, () => buildPacs002(input));
  }

  /** Writes a camt.029.001.09 answering a camt.056: CNCL, or RJCR with a reason. RangeError on bad input. */
  writeCamt029(input: Camt029Input): string {
    return this.emit(CAMT029_MESSAGE_ID, () => buildCamt029(input));
  }

  /** Writes a camt.056.001.08 asking the next agent to cancel a released payment. RangeError on bad input. */
  writeCamt056(input: Camt056Input): string {
    return this.emit(CAMT056_MESSAGE_ID, () => buildCamt056(input));
  }

  /**
   * Writes a pacs.028.001.03 asking the agent a payment was released to for its status (answered by a
   * pacs.002 about the original payment). RangeError on bad input, e.g. no reference of the original at all.
   */
  writePacs028(input: Pacs028Input): string {
    return this.emit(PACS028_MESSAGE_ID, () => buildPacs028(input));
  }

  /** Writes a pacs.004.001.09 returning one settled payment. RangeError on bad input. */
  writePacs004(input: Pacs004Input): string {
    return this.emit(PACS004_MESSAGE_ID, () => buildPacs004(input));
  }

  /** Writes a pain.002.001.10 status report of a pain.001. RangeError on bad input. */
  writePain002(input: Pain002Input): string {
    return this.emit(PAIN002_MESSAGE_ID, () => buildPain002(input));
  }

  /** Writes a pacs.008.001.08 of one transaction (e.g. from a pain.001 transaction). RangeError on bad input. */
  writePacs008(input: Pacs008Input): string {
    return this.emit(PACS008_OUT_MESSAGE_ID, () => buildPacs008(input));
  }

  /** Writes a business application header (head.001.001.02 or .04). RangeError on bad input. */
  writeAppHdr(input: AppHdrInput): string {
    return this.emit(input.version, () => buildAppHdr(input));
  }

  /**
   * The `AppHdr` input of an answer to a message that carried `original`: same version, `Fr`/`To`
   * swapped, `BizSvc` copied, `Rltd` pointing at the original.
   */
  replyAppHdr(original: AppHeader, reply: { bizMsgIdr: string; msgDefIdr: string; creationDate: string }): AppHdrInput {
    return replyAppHdrInput(original, reply);
  }

  /**
   * An `AppHdr` (XML text, or an input to write one) and a `Document` in an envelope: the local name the
   * incoming message used (`ParsedMessage.envelope`) when it is a one-level envelope of ENVELOPE_FORMS,
   * otherwise (and by default) `Envelope`. `parse()` reads the result back.
   */
  wrapWithAppHdr(documentXml: string, header: string | AppHdrInput, envelope: string | null = null): string {
    const hdr = typeof header === 'string' ? header : this.writeAppHdr(header);
    // A FedNow envelope is FedNow's to write (nested, namespaced): an answer to one goes in the default Envelope.
    return wrapWithAppHdr(documentXml, hdr, envelope !== null && ONE_LEVEL_ENVELOPES.has(envelope) ? envelope : null);
  }

  /**
   * Builds a message and, when this codec has loaded the schema of `messageId`, validates it (a failure
   * then is SCHEMA_INVALID: a gap in the writer's own input checks). Without the schema the writer's
   * input checks are what keeps the output valid (the conformance suite proves them on the official XSDs).
   */
  private emit(messageId: string, build: () => string): string {
    this.assertOpen();
    const xml = build();
    const schema = this.registry.get(ISO20022_NS_PREFIX + messageId);
    if (schema === undefined) return xml;
    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromString(xml, { option: SAFE_PARSE_OPTIONS, encoding: 'utf-8' });
    } catch (e) {
      throw new Error(`bug: the ${messageId} writer produced XML that is not well-formed: ${(e as Error).message}`, { cause: e });
    }
    try {
      const issues: XmlIssue[] = [];
      this.validate(schema, doc, issues);
      if (issues.length > 0) {
        fail('ISO20022.SCHEMA_INVALID', `the ${messageId} built from this input is not schema-valid`, issues, { messageType: messageId });
      }
    } finally {
      doc.dispose();
    }
    return xml;
  }

  /** Releases the compiled schemas. The codec cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.registry.dispose();
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('Iso20022Codec has been disposed');
  }
}
