// SPDX-License-Identifier: Apache-2.0
/**
 * A small, strict XML-to-object reader used ONLY on text that libxml2 has already parsed (and, for
 * readers, validated): the `Document` cut out of an accepted message, the `AppHdr` next to it.
 *
 * Why not walk the libxml2 tree? Each node access crosses the JavaScript/WebAssembly boundary; copying a
 * 5 KB pacs.008 that way costs more than parsing and validating it. This reader does the same in a few
 * microseconds and keeps libxml2 objects out of the readers entirely. It understands everything a
 * well-formed, DTD-free document can contain (namespaces and prefixes, the five predefined entities,
 * character references, CDATA, comments, processing instructions) and throws on anything else.
 */

export interface XNode {
  /** Local name. */
  name: string;
  /** Namespace URI ('' when none). */
  ns: string;
  children: XNode[];
  /** Character data directly inside the element (meaningful for leaves). */
  text: string;
  /** Attributes by local name (namespace declarations excluded), or null when there are none. */
  attrs: Record<string, string> | null;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_][A-Za-z0-9._-]*);/g;

export class XmlReadError extends Error {}

function decodeRefs(raw: string): string {
  if (raw.indexOf('&') === -1) return raw;
  return raw.replace(REFERENCE, (_m, ref: string) => {
    if (ref.charCodeAt(0) === 0x23 /* # */) {
      const cp = ref.charCodeAt(1) === 0x78 ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!(cp >= 0 && cp <= 0x10ffff)) throw new XmlReadError(`bad character reference &${ref};`);
      return String.fromCodePoint(cp);
    }
    const v = PREDEFINED[ref];
    if (v === undefined) throw new XmlReadError(`undeclared entity &${ref};`);
    return v;
  });
}

function normalizeNewlines(s: string): string {
  return s.indexOf('\r') === -1 ? s : s.replace(/\r\n?/g, '\n');
}

type Scope = Record<string, string>;

interface Frame {
  node: XNode;
  qname: string;
  scope: Scope;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Reads the first element found in `xml` (after any prolog) with its subtree. `inherited` gives namespace
 * bindings in scope from outside the text (prefix -> URI, '' for the default namespace).
 */
export function readXml(xml: string, inherited: Scope = {}): XNode {
  const len = xml.length;
  const stack: Frame[] = [];
  let root: XNode | null = null;
  let i = 0;
  const rootScope: Scope = Object.assign(Object.create(null) as Scope, { xml: XML_NS }, inherited);
  while (i < len) {
    const lt = xml.indexOf('<', i);
    if (lt === -1) break;
    if (lt > i && stack.length > 0) stack[stack.length - 1]!.node.text += decodeRefs(xml.slice(i, lt));
    const c1 = xml.charCodeAt(lt + 1);
    if (c1 === 0x3f /* ? */) {
      const e = xml.indexOf('?>', lt + 2);
      if (e === -1) throw new XmlReadError('unterminated processing instruction');
      i = e + 2;
    } else if (c1 === 0x21 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const e = xml.indexOf('-->', lt + 4);
        if (e === -1) throw new XmlReadError('unterminated comment');
        i = e + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const e = xml.indexOf(']]>', lt + 9);
        if (e === -1) throw new XmlReadError('unterminated CDATA section');
        if (stack.length > 0) stack[stack.length - 1]!.node.text += xml.slice(lt + 9, e);
        i = e + 3;
      } else {
        throw new XmlReadError('markup declarations are not supported');
      }
    } else if (c1 === 0x2f /* / */) {
      const e = xml.indexOf('>', lt + 2);
      if (e === -1) throw new XmlReadError('unterminated end tag');
      const name = xml.slice(lt + 2, e).trimEnd();
      const frame = stack.pop();
      if (!frame || frame.qname !== name) throw new XmlReadError(`mismatched end tag </${name}>`);
      const node = frame.node;
      node.text = node.children.length === 0 ? normalizeNewlines(node.text) : '';
      i = e + 1;
      if (stack.length === 0) return node;
    } else {
      // Start tag.
      let p = lt + 1;
      while (p < len && !isSpace(xml.charCodeAt(p)) && xml[p] !== '>' && xml[p] !== '/') p++;
      const qname = xml.slice(lt + 1, p);
      if (qname === '') throw new XmlReadError('empty element name');
      const parentScope = stack.length > 0 ? stack[stack.length - 1]!.scope : rootScope;
      let scope = parentScope;
      const rawAttrs: [string, string][] = [];
      let selfClosing = false;
      for (;;) {
        while (p < len && isSpace(xml.charCodeAt(p))) p++;
        if (p >= len) throw new XmlReadError('unterminated start tag');
        const c = xml[p];
        if (c === '>') {
          p++;
          break;
        }
        if (c === '/') {
          if (xml[p + 1] !== '>') throw new XmlReadError('bad start tag');
          selfClosing = true;
          p += 2;
          break;
        }
        const eq = xml.indexOf('=', p);
        if (eq === -1) throw new XmlReadError('bad attribute');
        const an = xml.slice(p, eq).trim();
        let q = eq + 1;
        while (q < len && isSpace(xml.charCodeAt(q))) q++;
        const quote = xml[q];
        if (quote !== '"' && quote !== "'") throw new XmlReadError('unquoted attribute value');
        const qe = xml.indexOf(quote, q + 1);
        if (qe === -1) throw new XmlReadError('unterminated attribute value');
        const value = decodeRefs(xml.slice(q + 1, qe).replace(/[\t\n\r]/g, ' '));
        p = qe + 1;
        if (an === 'xmlns' || an.startsWith('xmlns:')) {
          if (scope === parentScope) scope = Object.create(parentScope) as Scope;
          scope[an === 'xmlns' ? '' : an.slice(6)] = value;
        } else {
          rawAttrs.push([an, value]);
        }
      }
      const colon = qname.indexOf(':');
      const prefix = colon === -1 ? '' : qname.slice(0, colon);
      const ns = scope[prefix];
      if (ns === undefined && prefix !== '') throw new XmlReadError(`unbound prefix ${prefix}`);
      const node: XNode = {
        name: colon === -1 ? qname : qname.slice(colon + 1),
        ns: ns ?? '',
        children: [],
        text: '',
        attrs: null,
      };
      if (rawAttrs.length > 0) {
        node.attrs = {};
        for (const [an, v] of rawAttrs) {
          const ac = an.indexOf(':');
          node.attrs[ac === -1 ? an : an.slice(ac + 1)] = v;
        }
      }
      if (stack.length > 0) stack[stack.length - 1]!.node.children.push(node);
      else if (root === null) root = node;
      else throw new XmlReadError('more than one root element');
      i = p;
      if (selfClosing) {
        if (stack.length === 0) return node;
      } else {
        stack.push({ node, qname, scope });
      }
    }
  }
  throw new XmlReadError(root === null ? 'no element found' : 'unexpected end of input');
}

/** First child element with this local name, in the parent's namespace. */
export function child(node: XNode | null | undefined, name: string): XNode | null {
  if (!node) return null;
  for (const c of node.children) if (c.name === name && c.ns === node.ns) return c;
  return null;
}

/** All child elements with this local name, in the parent's namespace. */
export function children(node: XNode | null | undefined, name: string): XNode[] {
  if (!node) return [];
  return node.children.filter((c) => c.name === name && c.ns === node.ns);
}

/** Follows a `A/B/C` path of local names from `node`. */
export function at(node: XNode | null | undefined, path: string): XNode | null {
  let cur: XNode | null = node ?? null;
  let from = 0;
  while (cur !== null) {
    const slash = path.indexOf('/', from);
    cur = child(cur, slash === -1 ? path.slice(from) : path.slice(from, slash));
    if (slash === -1) return cur;
    from = slash + 1;
  }
  return null;
}

/** Text of the leaf at `path`, or null when absent. */
export function text(node: XNode | null | undefined, path: string): string | null {
  const n = at(node, path);
  return n === null ? null : n.text;
}

/** Attribute (by local name) of the element at `path`, or null. */
export function attrAt(node: XNode | null | undefined, path: string, name: string): string | null {
  const n = at(node, path);
  return n?.attrs?.[name] ?? null;
}
