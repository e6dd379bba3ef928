// SPDX-License-Identifier: Apache-2.0
import { ProblemException } from './problem.js';
import { assertUtf8Charset, looksLikeXml } from './xml-body.js';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'utf8')] : p)));

describe('looksLikeXml (a body sent as application/json)', () => {
  it.each([
    ['XML', bytes('<Document/>')],
    ['XML after whitespace', bytes(' \r\n\t<?xml version="1.0"?><a/>')],
    ['XML after a UTF-8 byte order mark', bytes([0xef, 0xbb, 0xbf], '<a/>')],
    ['UTF-16LE with a byte order mark', bytes([0xff, 0xfe, 0x3c, 0x00])],
    ['UTF-16BE with a byte order mark', bytes([0xfe, 0xff, 0x00, 0x3c])],
    ['UTF-16LE without one', bytes([0x3c, 0x00, 0x61, 0x00])],
    ['UTF-16BE without one', bytes([0x00, 0x3c, 0x00, 0x61])],
  ])('takes %s as XML (the codec then decides)', (_name, body) => {
    expect(looksLikeXml(body)).toBe(true);
  });

  it.each([
    ['JSON', bytes('{"a":"<b/>"}')],
    ['a JSON string', bytes('"<a/>"')],
    ['nothing', bytes()],
    ['whitespace', bytes('  \n')],
  ])('does not take %s', (_name, body) => {
    expect(looksLikeXml(body)).toBe(false);
  });
});

describe('assertUtf8Charset', () => {
  it.each([undefined, 'application/xml', 'application/xml; charset=utf-8', 'text/xml;charset="UTF-8"', 'application/json; charset=UTF8'])(
    'lets %s through',
    (contentType) => {
      expect(() => assertUtf8Charset(contentType)).not.toThrow();
    },
  );

  it.each(['application/xml; charset=iso-8859-1', 'text/xml; charset="windows-1252"', 'application/xml;charset=utf-16'])(
    'refuses %s with 415 ISO20022.UNSUPPORTED_ENCODING',
    (contentType) => {
      let caught: unknown = null;
      try {
        assertUtf8Charset(contentType);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ProblemException);
      expect((caught as ProblemException).problem).toMatchObject({ status: 415, code: 'ISO20022.UNSUPPORTED_ENCODING' });
    },
  );
});
