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
  const result: PrescanResult = { declaration: null, declarationLine: null, maxDepth: 0, spans: [], complete: true };
  const open: (ElementSpan | null)[] = [];
  const len = text.length;
  let i = 0;
  while (i < len) {
    const lt = text.indexOf('<', i);
    if (lt === -1) break;
    const next = text.charCodeAt(lt + 1);
    if (next === 0x3f /* ? */) {
      const close = text.indexOf('?>', lt + 2);
      if (close === -1) return stop(result);
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
