// SPDX-License-Identifier: Apache-2.0
/**
 * A tolerant, allocation-light scan of the raw XML text that runs BEFORE libxml2 sees the input.
 *
 * It answers three questions in one pass:
 * - does the text contain a document type declaration (or any other markup declaration: ENTITY,
 *   ELEMENT, ATTLIST, NOTATION)? ISO 20022 never uses DTDs, so any of them is refused outright, which
 *   kills entity expansion ("billion laughs") and external entities (XXE) before a parser runs;
 * - how deep is the element nesting (the root element is depth 1)?
 * - where, in the original text, do the elements of the top levels start and end (so the `Document`
 *   inside an envelope can be cut out byte-exact)?
 * - what else is there that the XSD validation of the AppHdr and the Document would not see: processing
 *   instructions other than the XML declaration, XInclude namespace declarations, how many elements are
 *   called `Document` or `AppHdr` at any depth, and the encoding the XML declaration names.
 *
 * Comments, processing instructions, CDATA sections and quoted attribute values are skipped properly,
 * so a `<!DOCTYPE` inside a comment or CDATA section is not a false positive. The scan never throws: on
 * text that is not well-formed it stops early (`complete: false`) and leaves the verdict to libxml2.
 */

/** Markup declarations that only exist inside a DTD (or are the DTD itself). */
const DECLARATION = /^<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b/i;

export interface ElementSpan {
  /** 0 for the root element, 1 for its children, ... */
  level: number;
  /** Qualified name as written (`pacs:Document`). */
  qname: string;
  /** Offset of the `<` of the start tag. */
  start: number;
  /** Offset just after the qualified name in the start tag (where attributes may be inserted). */
  nameEnd: number;
  /** Offset just after the `>` of the start tag. */
  contentStart: number;
  /** Offset of the `<` of the end tag (= `end` for an empty-element tag); -1 while unknown. */
  contentEnd: number;
  /** Offset just after the end tag (or after `/>`); -1 while unknown (text not well-formed). */
  end: number;
}

export interface PrescanResult {
  /** The forbidden declaration found (`DOCTYPE`, `ENTITY`, ...), or null. */
  declaration: string | null;
  /** Line (1-based) of the forbidden declaration. */
  declarationLine: number | null;
  /** Deepest element nesting seen (root = 1). */
  maxDepth: number;
  /** Elements of the levels below `spanLevels`, in document order. */
  spans: ElementSpan[];
  /** False when the scan stopped on something that is not well-formed. */
  complete: boolean;
  /** The `encoding` pseudo-attribute of the XML declaration at the very start, or null when none is given. */
  declaredEncoding: string | null;
  /** The first processing instruction other than the XML declaration (its target and line), or null. */
  processingInstruction: { target: string; line: number } | null;
  /** Line of the first namespace declaration binding an XInclude namespace, or null. */
  xincludeLine: number | null;
  /** Elements named `Document` (local name, any depth, any namespace). */
  documentCount: number;
  /** Elements named `AppHdr` (local name, any depth, any namespace). */
  appHdrCount: number;
}

/** `<?xml version="1.0" encoding="..." standalone="..."?>` at offset 0 (after a BOM character, if any). */
const XML_DECLARATION = /^\uFEFF?<\?xml(?=[\s?])([^?]*)\?>/;
const ENCODING_PSEUDO_ATTR = /\sencoding\s*=\s*(?:"([^"]*)"|'([^']*)')/;
/** `xmlns` or `xmlns:p` = "value" inside a start tag. */
const NS_DECLARATION = /\sxmlns(?::[^\s=]+)?\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/**
 * The `encoding` of an XML declaration at the start of `head` (a BOM character allowed before it), or null.
 * ASCII only, so it can read the first bytes of a message before they are decoded.
 */
export function declaredEncodingOf(head: string): string | null {
  const xmlDecl = XML_DECLARATION.exec(head);
  if (xmlDecl === null) return null;
  const enc = ENCODING_PSEUDO_ATTR.exec(xmlDecl[1]!);
  return enc === null ? null : (enc[1] ?? enc[2] ?? '');
}

/** Character and predefined entity references in an attribute value (enough to compare a namespace name). */
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

/**
 * True for a namespace name of XInclude (`http://www.w3.org/2001/XInclude`, the 2003 draft's, and any
 * spelling that merely contains the word, so a look-alike is refused rather than argued about).
 */
function isXInclude(ns: string): boolean {
  return /xinclude/i.test(ns);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function isNameEnd(code: number): boolean {
  // whitespace, '/', '>'
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x2f || code === 0x3e;
}

/**
 * Scans `text` (already decoded, BOM stripped or not). `spanLevels` says how many top levels of elements
 * get a span recorded (default 4: root, children, grandchildren, great-grandchildren).
 */
export function prescanXml(text: string, spanLevels = 4): PrescanResult {
  const result: PrescanResult = {
    declaration: null,
    declarationLine: null,
    maxDepth: 0,
    spans: [],
    complete: true,
    declaredEncoding: null,
    processingInstruction: null,
    xincludeLine: null,
    documentCount: 0,
    appHdrCount: 0,
  };
  const open: (ElementSpan | null)[] = [];
  const len = text.length;
  let i = 0;
  const xmlDecl = XML_DECLARATION.exec(text.slice(0, 512));
  if (xmlDecl !== null) {
    result.declaredEncoding = declaredEncodingOf(xmlDecl[0]);
    i = xmlDecl[0].length;
  }
  while (i < len) {
    const lt = text.indexOf('<', i);
    if (lt === -1) break;
    const next = text.charCodeAt(lt + 1);
    if (next === 0x3f /* ? */) {
      const close = text.indexOf('?>', lt + 2);
      if (close === -1) return stop(result);
      if (result.processingInstruction === null) {
        let t = lt + 2;
        while (t < close && !isNameEnd(text.charCodeAt(t)) && text.charCodeAt(t) !== 0x3f) t++;
        result.processingInstruction = { target: text.slice(lt + 2, t), line: lineAt(text, lt) };
      }
      i = close + 2;
    } else if (next === 0x21 /* ! */) {
      if (text.startsWith('<!--', lt)) {
        const close = text.indexOf('-->', lt + 4);
        if (close === -1) return stop(result);
        i = close + 3;
      } else if (text.startsWith('<![CDATA[', lt)) {
        const close = text.indexOf(']]>', lt + 9);
        if (close === -1) return stop(result);
        i = close + 3;
      } else {
        const m = DECLARATION.exec(text.slice(lt, lt + 64));
        if (m) {
          result.declaration = m[1]!.toUpperCase();
          result.declarationLine = lineAt(text, lt);
        }
        // Either a forbidden declaration or garbage: nothing after it matters.
        return stop(result);
      }
    } else if (next === 0x2f /* / */) {
      const close = text.indexOf('>', lt + 2);
      if (close === -1) return stop(result);
      const span = open.pop();
      if (span === undefined) return stop(result);
      if (span !== null) {
        span.contentEnd = lt;
        span.end = close + 1;
      }
      i = close + 1;
    } else {
      // Start tag: name, then attributes (quoted values may contain '>' and '/').
      let p = lt + 1;
      while (p < len && !isNameEnd(text.charCodeAt(p))) p++;
      if (p === lt + 1 || p >= len) return stop(result);
      const nameEnd = p;
      let selfClosing = false;
      let closed = false;
      while (p < len) {
        const c = text.charCodeAt(p);
        if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
          const q = text.indexOf(c === 0x22 ? '"' : "'", p + 1);
          if (q === -1) return stop(result);
          p = q + 1;
        } else if (c === 0x3e /* > */) {
          selfClosing = text.charCodeAt(p - 1) === 0x2f;
          closed = true;
          p++;
          break;
        } else {
          p++;
        }
      }
      if (!closed) return stop(result);
      const local = localName(text.slice(lt + 1, nameEnd));
      if (local === 'Document') result.documentCount++;
      else if (local === 'AppHdr') result.appHdrCount++;
      if (result.xincludeLine === null && p - nameEnd > 7) {
        const attrs = text.slice(nameEnd, p);
        if (attrs.includes('xmlns')) {
          for (const m of attrs.matchAll(NS_DECLARATION)) {
            if (isXInclude(decodeAttr(m[1] ?? m[2] ?? ''))) {
              result.xincludeLine = lineAt(text, lt);
              break;
            }
          }
        }
      }
      const level = open.length;
      if (level + 1 > result.maxDepth) result.maxDepth = level + 1;
      let span: ElementSpan | null = null;
      if (level < spanLevels) {
        span = {
          level,
          qname: text.slice(lt + 1, nameEnd),
          start: lt,
          nameEnd,
          contentStart: p,
          contentEnd: selfClosing ? p : -1,
          end: selfClosing ? p : -1,
        };
        result.spans.push(span);
      }
      if (!selfClosing) open.push(span);
      i = p;
    }
  }
  if (open.length > 0) result.complete = false;
  return result;
}

function stop(result: PrescanResult): PrescanResult {
  result.complete = false;
  return result;
}

/** Local part of a qualified name. */
export function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon === -1 ? qname : qname.slice(colon + 1);
}
