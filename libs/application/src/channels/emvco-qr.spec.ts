// SPDX-License-Identifier: Apache-2.0
import { crc16CcittFalse, dataObject, parseMerchantQr, qrCrc, QrPayloadError, withCrc } from './emvco-qr.js';
import { currencyOfNumeric, ISO4217_NUMERIC } from './iso4217-numeric.js';
import { CurrencyCode } from '#domain';

/** The example payload of the EMVCo MPM specification (with a language template in Chinese): its CRC is A13A. */
const EMVCO_EXAMPLE =
  '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING' +
  '64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A';

/** A dynamic code of a café: template 26 (com.example.pay, merchant M-1001), 12.50 EUR, bill and reference (CRC computed independently). */
const DYNAMIC =
  '00020101021226290015com.example.pay0106M-1001520458125303978540512.505802DE5910Cafe Kranz6006Berlin62210106INV-770507REF-1236304D6B3';
/** The same café's static code: no amount. */
const STATIC = '00020101021126290015com.example.pay0106M-10015204581253039785802DE5910Cafe Kranz6006Berlin630424F0';

/** The objects of DYNAMIC without tag 63, to alter one and recompute the CRC. */
const objects = (overrides: Record<string, string | null> = {}): string => {
  const base: [string, string][] = [
    ['00', '01'],
    ['01', '12'],
    ['26', dataObject('00', 'com.example.pay') + dataObject('01', 'M-1001')],
    ['52', '5812'],
    ['53', '978'],
    ['54', '12.50'],
    ['58', 'DE'],
    ['59', 'Cafe Kranz'],
    ['60', 'Berlin'],
  ];
  const entries = new Map(base);
  for (const [tag, value] of Object.entries(overrides)) {
    if (value === null) entries.delete(tag);
    else entries.set(tag, value);
  }
  return [...entries].map(([t, v]) => dataObject(t, v)).join('');
};

function refusal(payload: string): QrPayloadError {
  try {
    parseMerchantQr(payload);
  } catch (e) {
    if (e instanceof QrPayloadError) return e;
    throw e;
  }
  throw new Error('the payload was taken');
}

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the standard check value 0x29B1 for "123456789"', () => {
    expect(crc16CcittFalse('123456789')).toBe(0x29b1);
  });

  it("gives the EMVCo specification example's CRC (A13A), over UTF-8 bytes", () => {
    expect(qrCrc(EMVCO_EXAMPLE.slice(0, -4))).toBe('A13A');
  });

  it('gives the CRCs of the test payloads (computed by a separate implementation)', () => {
    expect(withCrc(objects({ 62: dataObject('01', 'INV-77') + dataObject('05', 'REF-123') }))).toBe(DYNAMIC);
  });
});

describe('parseMerchantQr', () => {
  it('reads a dynamic code: merchant template, MCC, currency (numeric to alpha), amount, country, name, city, additional data', () => {
    const qr = parseMerchantQr(DYNAMIC);
    expect(qr).toMatchObject({
      initiation: 'dynamic',
      merchantCategoryCode: '5812',
      currency: 'EUR',
      amount: '12.50',
      country: 'DE',
      merchantName: 'Cafe Kranz',
      merchantCity: 'Berlin',
      postalCode: null,
      billNumber: 'INV-77',
      referenceLabel: 'REF-123',
    });
    expect(qr.merchantAccounts).toEqual([{ tag: '26', guid: 'com.example.pay', fields: new Map([['01', 'M-1001']]) }]);
  });

  it('reads a static code: no amount', () => {
    const qr = parseMerchantQr(STATIC);
    expect(qr.initiation).toBe('static');
    expect(qr.amount).toBeNull();
    expect(qr.billNumber).toBeNull();
  });

  it("reads the EMVCo specification's example: two templates, lengths in characters (the language template), CNY", () => {
    const qr = parseMerchantQr(EMVCO_EXAMPLE);
    expect(qr.merchantAccounts.map((t) => [t.tag, t.guid])).toEqual([
      ['29', 'D15600000000'],
      ['31', 'D15600000001'],
    ]);
    expect(qr).toMatchObject({ currency: 'CNY', amount: '23.72', country: 'CN', merchantName: 'BEST TRANSPORT', merchantCity: 'BEIJING' });
    expect(qr.additionalData.get('03')).toBe('1234');
  });

  it('accepts a lower-case CRC', () => {
    expect(parseMerchantQr(STATIC.slice(0, -4) + '24f0').amount).toBeNull();
  });

  it('refuses a wrong CRC with QR.CRC_MISMATCH naming tag 63', () => {
    const e = refusal(DYNAMIC.slice(0, -4) + '0000');
    expect(e.code).toBe('QR.CRC_MISMATCH');
    expect(e.issues).toEqual([{ path: 'tag 63', message: expect.stringContaining('D6B3') }]);
  });

  it('refuses an altered payload (the amount changed, the CRC kept) with QR.CRC_MISMATCH', () => {
    expect(refusal(DYNAMIC.replace('540512.50', '540592.50')).code).toBe('QR.CRC_MISMATCH');
  });

  it.each([
    ['no CRC at all', 'tag 63', objects()],
    ['the CRC not last', 'tag 63', objects() + '6304ABCD' + dataObject('99', 'x')],
    ['a CRC that is not hex', 'tag 63', objects() + '6304WXYZ'],
    ['the payload format indicator not first', 'tag 00', withCrc(objects().slice(6) + dataObject('00', '01'))],
    ['a payload format indicator other than 01', 'tag 00', withCrc(objects({ '00': '02' }))],
    ['a length running past the end', 'tag 54', '000201' + '5499123'],
    ['a length that is not 2 digits', 'tag 54', '000201' + '54A1'],
    ['a tag that is not 2 digits', 'payload', '000201' + 'X1'],
  ])('refuses %s with QR.PAYLOAD_INVALID naming %s', (_what, path, payload) => {
    const e = refusal(payload);
    expect(e.code).toBe('QR.PAYLOAD_INVALID');
    expect(e.issues[0]!.path).toBe(path);
  });

  it.each([
    ['an amount that is not a decimal', 'tag 54', { 54: '12,50' }],
    ['an amount with more decimals than the currency', 'tag 54', { 54: '12.505' }],
    ['a zero amount', 'tag 54', { 54: '0.00' }],
    ['an unknown numeric currency', 'tag 53', { 53: '999' }],
    ['an alphabetic currency', 'tag 53', { 53: 'EUR' }],
    ['no currency', 'tag 53', { 53: null }],
    ['a merchant category code of 3 digits', 'tag 52', { 52: '581' }],
    ['no merchant category code', 'tag 52', { 52: null }],
    ['a country that is not alpha-2', 'tag 58', { 58: 'DEU' }],
    ['no merchant name', 'tag 59', { 59: null }],
    ['a merchant name of 26 characters', 'tag 59', { 59: 'A'.repeat(26) }],
    ['a merchant city of 16 characters', 'tag 60', { 60: 'B'.repeat(16) }],
    ['a point of initiation other than 11 or 12', 'tag 01', { '01': '13' }],
    ['a template without its GUID', 'tag 26.00', { 26: dataObject('01', 'M-1001') }],
    ['a template whose contents are not data objects', 'tag 26.00', { 26: '0015com.example' }],
    ['no merchant account information at all', 'tag 26', { 26: null }],
    ['a convenience fee', 'tag 55', { 55: '02', 56: '1.00' }],
    ['an additional data field of 26 characters', 'tag 62.05', { 62: dataObject('05', 'R'.repeat(26)) }],
    ['an additional data template of broken data objects', 'tag 62.05', { 62: '05991' }],
  ])('refuses %s with QR.TAG_INVALID naming %s', (_what, path, overrides) => {
    const e = refusal(withCrc(objects(overrides)));
    expect(e.code).toBe('QR.TAG_INVALID');
    expect(e.issues.map((i) => i.path)).toContain(path);
  });

  it('names every wrong tag at once', () => {
    const e = refusal(withCrc(objects({ 52: '58', 53: '000', 58: 'de' })));
    expect(e.issues.map((i) => i.path)).toEqual(['tag 52', 'tag 53', 'tag 58']);
  });

  it('refuses a tag that appears twice, naming it', () => {
    const e = refusal(withCrc(objects() + dataObject('59', 'Again')));
    expect(e.code).toBe('QR.TAG_INVALID');
    expect(e.issues[0]!.path).toBe('tag 59');
  });

  it('refuses an empty payload', () => {
    expect(refusal('').code).toBe('QR.PAYLOAD_INVALID');
  });
});

describe('ISO 4217 numeric codes', () => {
  it('map every active currency, each number once', () => {
    const alphas = Object.values(ISO4217_NUMERIC);
    expect(new Set(alphas).size).toBe(alphas.length);
    for (const alpha of alphas) expect(CurrencyCode.isActive(alpha)).toBe(true);
    expect(Object.keys(ISO4217_NUMERIC).every((n) => /^\d{3}$/.test(n))).toBe(true);
  });

  it('know the common ones', () => {
    expect([currencyOfNumeric('978'), currencyOfNumeric('840'), currencyOfNumeric('826'), currencyOfNumeric('392')]).toEqual([
      'EUR',
      'USD',
      'GBP',
      'JPY',
    ]);
    expect(currencyOfNumeric('999')).toBeNull();
    expect(currencyOfNumeric('959')).toBeNull();
  });
});
