// SPDX-License-Identifier: Apache-2.0
import { InvalidValueError } from '#domain';
import { LedgerError } from '../ports/ledger.port.js';
import { isLedgerAccountId, ledgerRejectionReason, negatePostings, settlementPostings, unsettleableReason } from './settlement-postings.js';

const D = 'DE89370400440532013000';
const C = 'GB29NWBK60161331926819';
const payment = (value: string, currency: string) => ({ amount: { value, currency }, debtorAccount: D, creditorAccount: C });

describe('settlementPostings', () => {
  it.each([
    ['12.34', 'EUR', 1234n],
    ['1000', 'EUR', 100000n],
    ['0.5', 'EUR', 50n],
    ['500', 'JPY', 500n],
    ['1.005', 'BHD', 1005n],
    ['1234567890123456.12', 'EUR', 123456789012345612n], // beyond 2^53: exact
    ['123456789012345678', 'JPY', 123456789012345678n], // 18 significant digits, the most an ISO 20022 amount has
    ['00000000000000000001250.00', 'EUR', 125000n], // padded spellings of one amount give the same legs
    ['1250.000000000000000000000', 'EUR', 125000n],
    ['+0001250.0', 'EUR', 125000n],
    ['1.2340', 'BHD', 1234n],
  ])('debits the debtor and credits the creditor with %s %s as %p minor units', (value, currency, minor) => {
    expect(settlementPostings(payment(value, currency))).toEqual([
      { account: D, currency, delta: -minor },
      { account: C, currency, delta: minor },
    ]);
  });

  it('sums to zero, and negatePostings undoes it leg by leg (a reversal)', () => {
    const legs = settlementPostings(payment('99.99', 'EUR'));
    expect(legs.reduce((s, l) => s + l.delta, 0n)).toBe(0n);
    expect(negatePostings(legs)).toEqual([
      { account: D, currency: 'EUR', delta: 9999n },
      { account: C, currency: 'EUR', delta: -9999n },
    ]);
  });

  it('refuses what cannot be settled, naming why', () => {
    expect(unsettleableReason({ ...payment('1', 'EUR'), debtorAccount: null })).toMatchObject({ code: 'AC02' });
    expect(unsettleableReason({ ...payment('1', 'EUR'), creditorAccount: null })).toMatchObject({ code: 'AC03' });
    expect(unsettleableReason({ ...payment('1', 'EUR'), amount: null })).toMatchObject({ code: 'AM12' });
    expect(unsettleableReason(payment('1', 'EUR'))).toBeNull();
    expect(() => settlementPostings({ ...payment('1', 'EUR'), debtorAccount: null })).toThrow(InvalidValueError);
    expect(() => settlementPostings(payment('1.001', 'EUR'))).toThrow(InvalidValueError);
  });

  it('fails closed with a reason for an amount that is not money of its currency (never an endless retry)', () => {
    expect(unsettleableReason(payment('1.001', 'EUR'))).toMatchObject({ code: 'AM12', text: expect.stringContaining('EUR has 2 decimal') });
    expect(unsettleableReason(payment('1234567890123456789', 'EUR'))).toMatchObject({
      code: 'AM12',
      text: expect.stringContaining('19 significant digits; ISO 20022 allows at most 18'),
    });
    expect(unsettleableReason(payment('1e3', 'EUR'))).toMatchObject({ code: 'AM12' });
    expect(unsettleableReason(payment('100', 'XAU'))).toMatchObject({ code: 'AM03' });
    for (const bad of [payment('1.001', 'EUR'), payment('100', 'XAU')])
      expect(unsettleableReason(bad)!.text!.length).toBeLessThanOrEqual(105);
  });
});

describe('ledgerRejectionReason', () => {
  const p = payment('1', 'EUR');
  it.each([
    [new LedgerError('LEDGER.INSUFFICIENT_FUNDS', D, 'x'), 'AM04'],
    [new LedgerError('LEDGER.UNKNOWN_ACCOUNT', D, 'x'), 'AC02'],
    [new LedgerError('LEDGER.UNKNOWN_ACCOUNT', C, 'x'), 'AC03'],
    [new LedgerError('LEDGER.CURRENCY_MISMATCH', C, `ledger account ${C} is kept in GBP, not EUR`), 'AM03'],
    [new LedgerError('LEDGER.AMOUNT_TOO_LARGE', C, 'x'.repeat(200)), 'AM02'],
  ])('%s -> %s, with a text that fits Max105Text', (error, code) => {
    const reason = ledgerRejectionReason(error, p);
    expect(reason.code).toBe(code);
    expect(reason.text!.length).toBeGreaterThan(0);
    expect(reason.text!.length).toBeLessThanOrEqual(105);
  });
});

describe('isLedgerAccountId', () => {
  it('takes IBANs and Othr/Id style ids, refuses empty, long, spaced or path-like ids', () => {
    expect([D, 'ACC-001', 'usaba:021000021.x'].every(isLedgerAccountId)).toBe(true);
    expect(['', ' DE89', 'a/b', 'x'.repeat(35), 'a b', '-lead'].some(isLedgerAccountId)).toBe(false);
  });
});
