// SPDX-License-Identifier: Apache-2.0
/**
 * Systematic small edits of an ISO 20022 message, for conformance tests that compare the verdict of the
 * project's schemas with the verdict of the official ones. Every edit is made on the text as sent (envelope,
 * prefixes and comments untouched), inside the `Document` only, and keeps the XML well-formed.
 *
 * The edits are derived from the message itself rather than hand-written per message: drop each element,
 * repeat it, swap it with its next sibling, put an unknown element into it, and replace each leaf value
 * by values that break (or just meet) the usual facets: lengths of MaxNText, patterns of BIC, IBAN,
 * country and currency codes, code lists, amount digits and fraction digits, dates and indicators.
 *
 * Edits whose verdict is already known are left out: an element path (local names from the Document,
 * positions ignored) is edited once. With `typeOf` (the schema type of an element path) the edits are
 * made once per schema type instead: a leaf value once per leaf type, a drop, repeat or swap once per
 * parent type and element name, since the verdict of such an edit depends on those types only.
 *
 * Test code only; a small tokenizer for well-formed messages (no DTD, no CDATA), not an XML parser.
 */

export interface ElementSpan {
  qname: string;
  localName: string;
  /** Offset of `<` of the start tag. */
  start: number;
  /** Offset just after the start tag's `>`. */
  contentStart: number;
  /** Offset of `<` of the end tag (equal to `end` for an empty-element tag). */
  contentEnd: number;
  /** Offset just after the end tag's `>`. */
  end: number;
  parent: number | null;
  children: number[];
}

const TOKEN =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<\/([^\s>]+)\s*>|<([^\s/>!?]+)((?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;

/** Every element of a well-formed XML text, in document order. */
export function elementSpans(xml: string): ElementSpan[] {
  const spans: ElementSpan[] = [];
  const stack: number[] = [];
  for (const m of xml.matchAll(TOKEN)) {
    const at = m.index;
    if (m[1] !== undefined) {
      const i = stack.pop();
      if (i === undefined || spans[i]!.qname !== m[1]) throw new Error(`unbalanced </${m[1]}> at ${at}`);
      spans[i]!.contentEnd = at;
      spans[i]!.end = at + m[0].length;
      continue;
    }
    if (m[2] === undefined) continue; // comment, processing instruction, CDATA
    const qname = m[2];
    const parent = stack.length > 0 ? stack[stack.length - 1]! : null;
    const idx = spans.length;
    const selfClosing = m[4] === '/';
    const end = at + m[0].length;
    spans.push({
      qname,
      localName: qname.replace(/^.*:/, ''),
      start: at,
      contentStart: end,
      contentEnd: selfClosing ? end : -1,
      end: selfClosing ? end : -1,
      parent,
      children: [],
    });
    if (parent !== null) spans[parent]!.children.push(idx);
    if (!selfClosing) stack.push(idx);
  }
  if (stack.length > 0) throw new Error('unclosed elements');
  return spans;
}

export interface Mutation {
  /** e.g. `drop Document/FIToFIPmtStsReq/GrpHdr/MsgId`. */
  label: string;
  /** The family: `drop`, `repeat`, `swap`, `unknown element`, `value`, `attribute`. */
  kind: string;
  xml: string;
}

const esc = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Replacement values for a leaf. Each targets a facet family; the official verdict decides what each
 * should give. `v` is the current (unescaped) value.
 */
function leafValues(v: string): [string, string][] {
  const out: [string, string][] = [
    ['empty', ''],
    ['35 characters', 'A'.repeat(35)],
    ['36 characters', 'A'.repeat(36)],
    ['140 characters', 'A'.repeat(140)],
    ['141 characters', 'A'.repeat(141)],
    ['unknown code ZZZZ', 'ZZZZ'],
    ['lower case', v.toLowerCase()],
    ['one character more', `${v}X`],
    ['one character less', v.slice(0, -1)],
    ['6 fraction digits', '1.123456'],
    ['5 fraction digits', '1.12345'],
    ['19 total digits', '1234567890123456789'],
    ['18 total digits', '123456789012345678'],
    ['negative', '-1'],
    ['not a number', '1,5'],
    ['impossible date', '2025-13-01'],
    ['date-time without date', '10:00:00'],
    ['date where a date-time may be', '2025-03-14'],
    ['date-time where a date may be', '2025-03-14T10:00:00Z'],
    ['yes/no', 'yes'],
  ];
  const seen = new Set<string>([v]);
  return out.filter(([, value]) => !seen.has(value) && (seen.add(value), true));
}

/**
 * The systematic edits of the `Document` in `xml` (see the file comment). `typeOf` gets a path such as
 * `Document/PmtRtr/GrpHdr/MsgId`.
 */
export function systematicMutations(
  xml: string,
  typeOf: (path: string) => string | undefined = () => undefined,
  documentLocalName = 'Document',
): Mutation[] {
  const spans = elementSpans(xml);
  const docIdx = spans.findIndex((s) => s.localName === documentLocalName);
  if (docIdx === -1) throw new Error(`no <${documentLocalName}> element`);
  const path = new Map<number, string>();
  const out: Mutation[] = [];
  const done = new Set<string>();
  const add = (kind: string, key: string, label: string, text: string): void => {
    if (done.has(`${kind}|${key}`)) return;
    done.add(`${kind}|${key}`);
    if (text !== xml) out.push({ kind, label, xml: text });
  };
  const splice = (from: number, to: number, insert: string): string => xml.slice(0, from) + insert + xml.slice(to);

  const visit = (i: number, p: string): void => {
    const s = spans[i]!;
    path.set(i, p);
    const prefix = s.qname.includes(':') ? s.qname.slice(0, s.qname.indexOf(':') + 1) : '';
    const type = typeOf(p) ?? p;
    // the element as its parent type sees it
    const slot = i === docIdx ? p : `${typeOf(path.get(s.parent!)!) ?? path.get(s.parent!)!}/${s.localName}`;
    if (i !== docIdx) {
      add('drop', slot, `drop ${p}`, splice(s.start, s.end, ''));
      const whole = xml.slice(s.start, s.end);
      add('repeat', slot, `repeat ${p}`, splice(s.end, s.end, whole));
      const siblings = spans[s.parent!]!.children;
      const next = siblings[siblings.indexOf(i) + 1];
      if (next !== undefined && spans[next]!.localName !== s.localName) {
        const n = spans[next]!;
        const between = xml.slice(s.end, n.start);
        add(
          'swap',
          `${slot}>${n.localName}`,
          `swap ${p} with its next sibling ${n.localName}`,
          splice(s.start, n.end, xml.slice(n.start, n.end) + between + whole),
        );
      }
      const attrs = xml.slice(s.start, s.contentStart);
      const ccy = /\sCcy\s*=\s*"([^"]*)"/.exec(attrs);
      if (ccy) {
        const at = s.start + ccy.index + ccy[0].indexOf('"') + 1;
        for (const [what, value] of [
          ['lower-case', ccy[1]!.toLowerCase()],
          ['4 letters', `${ccy[1]}X`],
          ['2 letters', ccy[1]!.slice(0, 2)],
        ] as const) {
          add('attribute', `${type}@Ccy ${what}`, `${p}/@Ccy ${what}`, splice(at, at + ccy[1]!.length, value));
        }
      }
    }
    if (s.children.length === 0) {
      if (i === docIdx) return;
      const raw = xml.slice(s.contentStart, s.contentEnd);
      if (raw.includes('<')) return; // a comment inside a leaf: leave it alone
      const value = raw
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&');
      const open = s.contentEnd === s.end ? null : s.contentStart; // <X/> has no content to replace
      for (const [what, v] of leafValues(value.trim())) {
        const text =
          open === null
            ? splice(s.start, s.end, `${xml.slice(s.start, s.contentStart - 2)}>${esc(v)}</${s.qname}>`)
            : splice(s.contentStart, s.contentEnd, esc(v));
        add('value', `${type}=${what}`, `${p} ${what}`, text);
      }
    } else {
      add(
        'unknown element',
        type,
        `unknown element first in ${p}`,
        splice(s.contentStart, s.contentStart, `<${prefix}Xyz>1</${prefix}Xyz>`),
      );
      for (const c of s.children) visit(c, `${p}/${spans[c]!.localName}`);
    }
  };
  visit(docIdx, documentLocalName);
  return out;
}
