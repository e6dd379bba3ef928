// SPDX-License-Identifier: Apache-2.0
/**
 * How the HTTP edges take an ISO 20022 body: as bytes, which the codec decodes (strict UTF-8) and judges. These
 * helpers only decide what reaches it.
 */
import { ProblemException } from './problem.js';

/**
 * True when a body sent as application/json is XML: `<` after optional whitespace (and a UTF-8 byte order
 * mark), or UTF-16/UTF-32 text (a byte order mark or a NUL in the first bytes), which the codec then refuses
 * with a clear ISO20022.UNSUPPORTED_ENCODING instead of a JSON syntax error.
 */
export function looksLikeXml(bytes: Uint8Array): boolean {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe) || b0 === 0x00 || (b0 === 0x3c && b1 === 0x00)) return true;
  let i = b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i] === 0x3c;
}

/**
 * A `charset` parameter of the Content-Type other than UTF-8 is refused (415 ISO20022.UNSUPPORTED_ENCODING): it
 * would override the message's own declaration (RFC 7303), and ISO 20022 messages are UTF-8.
 */
export function assertUtf8Charset(contentType: string | undefined): void {
  const m = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  if (m !== null && !/^utf-?8$/i.test(m[1]!)) {
    throw new ProblemException(
      415,
      'ISO20022.UNSUPPORTED_ENCODING',
      `the Content-Type names the charset ${JSON.stringify(m[1])}; ISO 20022 messages are UTF-8 (send UTF-8 and charset=utf-8, or no charset)`,
    );
  }
}
