// SPDX-License-Identifier: Apache-2.0
/**
 * A tiny XML builder for the messages Clearway writes. Every text and attribute value goes through
 * `escapeText` / `escapeAttr`; characters that XML 1.0 cannot carry at all are refused (an exception,
 * never a silently broken document).
 */

// Characters outside the XML 1.0 `Char` production (C0 controls except TAB/LF/CR, U+FFFE, U+FFFF,
// unpaired surrogates).
const NOT_XML_CHAR =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const TEXT_SPECIAL = /[&<>\r]/g;
const ATTR_SPECIAL = /[&<>"'\t\n\r]/g;
const ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

function checkChars(value: string): void {
  if (NOT_XML_CHAR.test(value)) {
    throw new RangeError('value contains a character that XML 1.0 does not allow');
  }
}

/** Escapes character data (element content). CR is written as a reference so it survives parsing. */
export function escapeText(value: string): string {
  checkChars(value);
  return value.replace(TEXT_SPECIAL, (c) => ENTITY[c]!);
}

/** Escapes an attribute value (for double or single quotes); whitespace is kept through references. */
export function escapeAttr(value: string): string {
  checkChars(value);
  return value.replace(ATTR_SPECIAL, (c) => ENTITY[c]!);
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*(:[A-Za-z_][A-Za-z0-9_.-]*)?$/;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new RangeError(`not an XML name: ${JSON.stringify(name)}`);
  return name;
}

export type XmlAttrs = Record<string, string | null | undefined>;

/** Builds an indented document element by element. Elements must be closed in order. */
export class XmlBuilder {
  private readonly parts: string[] = [];
  private readonly stack: string[] = [];

  constructor(private readonly indent = '  ') {
    this.parts.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  }

  private pad(): string {
    return this.indent.repeat(this.stack.length);
  }

  private static attrs(attrs: XmlAttrs | undefined): string {
    if (!attrs) return '';
    let out = '';
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined) continue;
      out += ` ${checkName(k)}="${escapeAttr(v)}"`;
    }
    return out;
  }

  /** Opens an element: `<name attrs>`. */
  open(name: string, attrs?: XmlAttrs): this {
    this.parts.push(`${this.pad()}<${checkName(name)}${XmlBuilder.attrs(attrs)}>\n`);
    this.stack.push(name);
    return this;
  }

  /** Closes the innermost open element. */
  close(): this {
    const name = this.stack.pop();
    if (name === undefined) throw new Error('XmlBuilder.close(): no open element');
    this.parts.push(`${this.pad()}</${name}>\n`);
    return this;
  }

  /** A leaf element with text content; skipped entirely when `value` is null or undefined. */
  leaf(name: string, value: string | null | undefined, attrs?: XmlAttrs): this {
    if (value === null || value === undefined) return this;
    this.parts.push(`${this.pad()}<${checkName(name)}${XmlBuilder.attrs(attrs)}>${escapeText(value)}</${name}>\n`);
    return this;
  }

  toString(): string {
    if (this.stack.length > 0) throw new Error(`XmlBuilder: unclosed element <${this.stack.at(-1)}>`);
    return this.parts.join('');
  }
}
