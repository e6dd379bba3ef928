// SPDX-License-Identifier: Apache-2.0
import { InvalidAmountError, InvalidValueError, Money } from '#domain';
import { currencyOfNumeric } from './iso4217-numeric.js';

/**
 * EMVCo merchant-presented QR codes (EMV QR Code Specification for Payment Systems, Merchant-Presented Mode):
 * a string of data objects, each a 2-digit tag, a 2-digit length (in characters) and the value; templates
 * (merchant account information 26-51, additional data 62, ...) hold data objects of their own. Pure: no I/O.
 */

/** Stable codes of a refused payload. */
export type QrErrorCode = 'QR.PAYLOAD_INVALID' | 'QR.CRC_MISMATCH' | 'QR.TAG_INVALID';

/** One problem of a payload, naming its tag (`tag 54`, `tag 62.05`), or `payload` when no tag can be named. */
export interface QrIssue {
  path: string;
  message: string;
}

/** A payload that is no valid merchant-presented QR code. */
export class QrPayloadError extends Error {
  constructor(
    readonly code: QrErrorCode,
    readonly issues: QrIssue[],
  ) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'QrPayloadError';
  }
}

/** A merchant account information template (tags 26-51): its globally unique identifier and its other fields. */
export interface MerchantAccountTemplate {
  tag: string;
  /** Sub-tag 00: a reverse domain name (`com.example.pay`), an AID or a UUID without dashes. */
  guid: string;
  /** The other sub-tags by number (`01`: usually the merchant id or account), in payload order. */
  fields: ReadonlyMap<string, string>;
}

/** A merchant-presented QR code, read and checked. */
export interface MerchantQr {
  /** Tag 01: `static` (11, the payer enters the amount) or `dynamic` (12, one payment); null when absent. */
  initiation: 'static' | 'dynamic' | null;
  /** Tags 02-25: merchant account information of card schemes (primitive), by tag. */
  schemeAccounts: ReadonlyMap<string, string>;
  /** Tags 26-51. */
  merchantAccounts: MerchantAccountTemplate[];
  /** Tag 52: ISO 18245 merchant category code. */
  merchantCategoryCode: string;
  /** Tag 53, as the ISO 4217 alphabetic code of its numeric code. */
  currency: string;
  /** Tag 54 in canonical spelling, or null (the payer enters the amount). */
  amount: string | null;
  /** Tag 58: ISO 3166 alpha-2. */
  country: string;
  /** Tag 59. */
  merchantName: string;
  /** Tag 60. */
  merchantCity: string;
  /** Tag 61. */
  postalCode: string | null;
  /** Tag 62, sub-tag 01. */
  billNumber: string | null;
  /** Tag 62, sub-tag 05. */
  referenceLabel: string | null;
  /** Tag 62, every sub-tag by number. */
  additionalData: ReadonlyMap<string, string>;
}

/** Longest payload the specification allows. */
export const MAX_QR_PAYLOAD = 512;

/** CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR) of the UTF-8 bytes of `text`. */
export function crc16CcittFalse(text: string): number {
  let crc = 0xffff;
  for (const byte of new TextEncoder().encode(text)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The 4 upper-case hex digits of the CRC of a payload that ends with `6304` (the value of tag 63 to append). */
export function qrCrc(payloadUpToCrcTag: string): string {
  return crc16CcittFalse(payloadUpToCrcTag).toString(16).toUpperCase().padStart(4, '0');
}

interface DataObject {
  tag: string;
  value: string;
  /** Index (in characters) of the tag in the text it was read from. */
  at: number;
}

/** Reads a run of data objects; a broken one is refused (QR.PAYLOAD_INVALID) naming its tag, or its position. */
function readObjects(text: string, prefix: string, describe: (tag: string) => string): DataObject[] {
  const chars = Array.from(text);
  const objects: DataObject[] = [];
  let i = 0;
  while (i < chars.length) {
    const tag = chars.slice(i, i + 2).join('');
    if (!/^\d{2}$/.test(tag)) {
      const where = objects.length > 0 ? `after ${describe(objects[objects.length - 1]!.tag)}` : 'at its start';
      throw new QrPayloadError('QR.PAYLOAD_INVALID', [
        {
          path: prefix === '' ? 'payload' : describe(prefix),
          message: `character ${i + 1} (${where}): expected a 2-digit tag, found ${JSON.stringify(tag)}`,
        },
      ]);
    }
    const length = chars.slice(i + 2, i + 4).join('');
    if (!/^\d{2}$/.test(length)) {
      throw new QrPayloadError('QR.PAYLOAD_INVALID', [
        { path: describe(tag), message: `expected a 2-digit length, found ${JSON.stringify(length)}` },
      ]);
    }
    const n = Number(length);
    if (n === 0)
      throw new QrPayloadError('QR.PAYLOAD_INVALID', [{ path: describe(tag), message: 'has length 00: a data object has a value' }]);
    if (i + 4 + n > chars.length) {
      throw new QrPayloadError('QR.PAYLOAD_INVALID', [
        { path: describe(tag), message: `declares ${n} characters but only ${chars.length - i - 4} remain` },
      ]);
    }
    objects.push({ tag, value: chars.slice(i + 4, i + 4 + n).join(''), at: i });
    i += 4 + n;
  }
  const seen = new Set<string>();
  for (const o of objects) {
    if (seen.has(o.tag)) throw new QrPayloadError('QR.TAG_INVALID', [{ path: describe(o.tag), message: 'appears more than once' }]);
    seen.add(o.tag);
  }
  return objects;
}

const top = (tag: string) => `tag ${tag}`;
const nested = (parent: string) => (tag: string) => (tag === parent ? `tag ${parent}` : `tag ${parent}.${tag}`);
/** Printable characters of the specification's "ans" format (ASCII 0x20-0x7E). */
const ANS = /^[\x20-\x7e]+$/;

/**
 * Reads a merchant-presented QR code: the payload format indicator (tag 00 = `01`) first, the CRC (tag 63,
 * CRC-16/CCITT-FALSE over everything up to and including `6304`) last, then each data object checked. Throws
 * QrPayloadError: QR.PAYLOAD_INVALID (not a sequence of data objects, 00 not first, 63 not last),
 * QR.CRC_MISMATCH (tag 63), QR.TAG_INVALID (a value that is wrong or missing; every such tag is named).
 */
export function parseMerchantQr(payload: string): MerchantQr {
  if (payload.length === 0) throw new QrPayloadError('QR.PAYLOAD_INVALID', [{ path: 'payload', message: 'is empty' }]);
  if (Array.from(payload).length > MAX_QR_PAYLOAD) {
    throw new QrPayloadError('QR.PAYLOAD_INVALID', [{ path: 'payload', message: `is longer than ${MAX_QR_PAYLOAD} characters` }]);
  }
  const objects = readObjects(payload, '', top);
  const first = objects[0]!;
  if (first.tag !== '00' || first.value !== '01') {
    throw new QrPayloadError('QR.PAYLOAD_INVALID', [
      {
        path: 'tag 00',
        message:
          first.tag === '00'
            ? `payload format indicator must be "01", not ${JSON.stringify(first.value)}`
            : 'the payload format indicator (tag 00 = "01") must come first',
      },
    ]);
  }
  const last = objects[objects.length - 1]!;
  if (last.tag !== '63') {
    const present = objects.some((o) => o.tag === '63');
    throw new QrPayloadError('QR.PAYLOAD_INVALID', [
      { path: 'tag 63', message: present ? 'the CRC must be the last data object' : 'is missing: the CRC must be the last data object' },
    ]);
  }
  if (!/^[0-9A-Fa-f]{4}$/.test(last.value)) {
    throw new QrPayloadError('QR.PAYLOAD_INVALID', [
      { path: 'tag 63', message: `the CRC must be 4 hexadecimal digits, not ${JSON.stringify(last.value)}` },
    ]);
  }
  const expected = qrCrc(
    Array.from(payload)
      .slice(0, last.at + 4)
      .join(''),
  );
  if (last.value.toUpperCase() !== expected) {
    throw new QrPayloadError('QR.CRC_MISMATCH', [
      {
        path: 'tag 63',
        message: `the CRC is ${last.value} but the payload's CRC-16/CCITT-FALSE is ${expected}: the code was altered or misread`,
      },
    ]);
  }

  const issues: QrIssue[] = [];
  const byTag = new Map(objects.map((o) => [o.tag, o.value]));
  const bad = (tag: string, message: string) => issues.push({ path: tag.includes('.') ? `tag ${tag}` : top(tag), message });
  const required = (tag: string, what: string): string | null => {
    const v = byTag.get(tag);
    if (v === undefined) bad(tag, `is missing: ${what} is mandatory`);
    return v ?? null;
  };
  const text = (tag: string, v: string | null, max: number, what: string): string | null => {
    if (v === null) return null;
    if (Array.from(v).length > max || !ANS.test(v) || v.trim() === '') {
      bad(tag, `${what} must be 1 to ${max} printable characters`);
      return null;
    }
    return v;
  };

  const initiationRaw = byTag.get('01');
  let initiation: MerchantQr['initiation'] = null;
  if (initiationRaw !== undefined) {
    if (initiationRaw === '11') initiation = 'static';
    else if (initiationRaw === '12') initiation = 'dynamic';
    else bad('01', `point of initiation method must be "11" (static) or "12" (dynamic), not ${JSON.stringify(initiationRaw)}`);
  }

  const schemeAccounts = new Map<string, string>();
  const merchantAccounts: MerchantAccountTemplate[] = [];
  for (const o of objects) {
    const n = Number(o.tag);
    if (n >= 2 && n <= 25) schemeAccounts.set(o.tag, o.value);
    if (n < 26 || n > 51) continue;
    let subs: DataObject[];
    try {
      subs = readObjects(o.value, o.tag, nested(o.tag));
    } catch (e) {
      if (!(e instanceof QrPayloadError)) throw e;
      issues.push(...e.issues);
      continue;
    }
    const guid = subs.find((s) => s.tag === '00')?.value;
    if (guid === undefined) {
      bad(`${o.tag}.00`, 'is missing: a merchant account information template starts with its globally unique identifier');
      continue;
    }
    if (Array.from(guid).length > 32 || !ANS.test(guid)) {
      bad(`${o.tag}.00`, 'the globally unique identifier must be 1 to 32 printable characters');
      continue;
    }
    merchantAccounts.push({ tag: o.tag, guid, fields: new Map(subs.filter((s) => s.tag !== '00').map((s) => [s.tag, s.value])) });
  }
  if (schemeAccounts.size === 0 && merchantAccounts.length === 0 && !issues.some((i) => /^tag (2[6-9]|[34]\d|5[01])/.test(i.path ?? ''))) {
    issues.push({ path: 'tag 26', message: 'no merchant account information (tags 02-51): at least one is mandatory' });
  }

  const mcc = required('52', 'the merchant category code');
  if (mcc !== null && !/^\d{4}$/.test(mcc)) bad('52', `the merchant category code must be 4 digits, not ${JSON.stringify(mcc)}`);

  const numeric = required('53', 'the transaction currency');
  let currency: string | null = null;
  if (numeric !== null) {
    currency = /^\d{3}$/.test(numeric) ? currencyOfNumeric(numeric) : null;
    if (currency === null) bad('53', `${JSON.stringify(numeric)} is not the ISO 4217 numeric code of an active currency`);
  }

  const amountRaw = byTag.get('54');
  let amount: string | null = null;
  if (amountRaw !== undefined) {
    if (!/^\d{1,13}(\.\d*)?$/.test(amountRaw) || amountRaw.length > 13) {
      bad('54', `the transaction amount must be digits with at most one ".", at most 13 characters, not ${JSON.stringify(amountRaw)}`);
    } else if (currency !== null) {
      try {
        const money = Money.parse(amountRaw, currency);
        if (money.isZero()) bad('54', 'the transaction amount must be more than zero');
        else amount = money.toDecimalString();
      } catch (e) {
        if (!(e instanceof InvalidAmountError) && !(e instanceof InvalidValueError)) throw e;
        bad('54', e.message);
      }
    }
  }

  const tip = byTag.get('55');
  if (tip !== undefined && tip !== '01') {
    bad(
      '55',
      tip === '02' || tip === '03'
        ? 'convenience fees (55 = "02" or "03") are not supported'
        : `tip or convenience indicator must be "01", "02" or "03", not ${JSON.stringify(tip)}`,
    );
  }

  const country = required('58', 'the country code');
  if (country !== null && !/^[A-Z]{2}$/.test(country))
    bad('58', `the country code must be ISO 3166 alpha-2, not ${JSON.stringify(country)}`);
  const merchantName = text('59', required('59', 'the merchant name'), 25, 'the merchant name');
  const merchantCity = text('60', required('60', 'the merchant city'), 15, 'the merchant city');
  const postalCode = text('61', byTag.get('61') ?? null, 10, 'the postal code');

  const additionalData = new Map<string, string>();
  const additional = byTag.get('62');
  if (additional !== undefined) {
    try {
      for (const s of readObjects(additional, '62', nested('62'))) {
        if (text(`62.${s.tag}`, s.value, 25, 'an additional data field') !== null) additionalData.set(s.tag, s.value);
      }
    } catch (e) {
      if (!(e instanceof QrPayloadError)) throw e;
      issues.push(...e.issues);
    }
  }

  if (issues.length > 0) throw new QrPayloadError('QR.TAG_INVALID', issues);
  return {
    initiation,
    schemeAccounts,
    merchantAccounts,
    merchantCategoryCode: mcc!,
    currency: currency!,
    amount,
    country: country!,
    merchantName: merchantName!,
    merchantCity: merchantCity!,
    postalCode,
    billNumber: additionalData.get('01') ?? null,
    referenceLabel: additionalData.get('05') ?? null,
    additionalData,
  };
}

/** Writes a data object: its tag, its length in 2 digits, its value (for building payloads, e.g. in tests). */
export function dataObject(tag: string, value: string): string {
  const n = Array.from(value).length;
  if (!/^\d{2}$/.test(tag) || n < 1 || n > 99) throw new RangeError(`data object ${tag}: a 2-digit tag and 1 to 99 characters`);
  return `${tag}${String(n).padStart(2, '0')}${value}`;
}

/** A whole payload from its data objects (without 63): `6304` and the CRC appended. */
export function withCrc(objects: string): string {
  return `${objects}6304${qrCrc(`${objects}6304`)}`;
}
