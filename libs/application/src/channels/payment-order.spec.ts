// SPDX-License-Identifier: Apache-2.0
import { readPaymentOrder } from './payment-order.js';

/** A valid body of POST /v1/payments. */
const body = (overrides: Record<string, unknown> = {}) => ({
  debtor: { name: 'Alice Wallet', account: 'DE89 3704 0044 0532 0130 00', agent: 'COBADEFF', country: 'DE' },
  creditor: { name: 'Shop SARL', account: 'FR1420041010050500013M02606', agent: 'BNPAFRPP', country: 'FR', address: ['1 rue de la Paix'] },
  amount: { value: '12.5', currency: 'EUR' },
  remittance: 'invoice 42',
  serviceLevel: 'SEPA',
  localInstrument: 'INST',
  categoryPurpose: 'SUPP',
  endToEndId: 'E2E-42',
  requestedExecutionDate: '2026-11-23',
  ...overrides,
});

const issuesOf = (b: unknown) => {
  const r = readPaymentOrder(b);
  if (r.ok) throw new Error('the body was taken');
  return r.issues;
};

describe('readPaymentOrder', () => {
  it('reads a whole order: IBAN compacted, amount in canonical spelling, codes as given', () => {
    const r = readPaymentOrder(body());
    expect(r).toEqual({
      ok: true,
      order: {
        debtor: { name: 'Alice Wallet', account: { iban: 'DE89370400440532013000', other: null }, agentBic: 'COBADEFF', country: 'DE' },
        creditor: {
          name: 'Shop SARL',
          account: { iban: 'FR1420041010050500013M02606', other: null },
          agentBic: 'BNPAFRPP',
          country: 'FR',
          addressLines: ['1 rue de la Paix'],
        },
        amount: { value: '12.50', currency: 'EUR' },
        remittance: 'invoice 42',
        serviceLevel: 'SEPA',
        localInstrument: 'INST',
        categoryPurpose: 'SUPP',
        endToEndId: 'E2E-42',
        requestedExecutionDate: '2026-11-23',
      },
    });
  });

  it('takes the optional fields absent (or null), and an account that is not an IBAN as another id', () => {
    const r = readPaymentOrder({
      debtor: { name: 'Bob', account: 'WALLET-0042' },
      creditor: { name: 'Carol', account: 'NL91ABNA0417164300', agent: 'ABNANL2A', address: null },
      amount: { value: '100', currency: 'JPY' },
      serviceLevel: 'INST',
      remittance: null,
    });
    expect(r.ok && r.order).toMatchObject({
      debtor: { account: { iban: null, other: 'WALLET-0042' }, agentBic: null, country: null },
      creditor: { addressLines: [], country: null },
      amount: { value: '100', currency: 'JPY' },
      remittance: null,
      localInstrument: null,
      endToEndId: null,
      requestedExecutionDate: null,
    });
  });

  it('refuses an amount sent as a JSON number, naming amount.value (money is never a float)', () => {
    expect(issuesOf(body({ amount: { value: 12.5, currency: 'EUR' } }))).toEqual([
      { path: 'amount.value', message: expect.stringMatching(/not a JSON number/), kind: 'shape' },
    ]);
  });

  it('refuses an IBAN failing the mod-97 check, naming the account', () => {
    const issues = issuesOf(body({ creditor: { ...body().creditor, account: 'FR1420041010050500013M02607' } }));
    expect(issues).toEqual([{ path: 'creditor.account', message: expect.stringMatching(/mod-97/), kind: 'value' }]);
  });

  it('refuses a bad BIC, naming it', () => {
    expect(issuesOf(body({ creditor: { ...body().creditor, agent: 'BNPA' } })).map((i) => i.path)).toEqual(['creditor.agent']);
  });

  it('names every missing field', () => {
    expect(issuesOf({ debtor: {}, creditor: { name: 'X' } }).map((i) => [i.path, i.kind])).toEqual([
      ['debtor.name', 'shape'],
      ['debtor.account', 'shape'],
      ['creditor.account', 'shape'],
      ['creditor.agent', 'shape'],
      ['amount', 'shape'],
      ['serviceLevel', 'shape'],
    ]);
  });

  it('names a missing debtor and creditor once each, not their fields', () => {
    expect(issuesOf({ amount: { value: '1', currency: 'EUR' }, serviceLevel: 'SEPA' }).map((i) => i.path)).toEqual(['debtor', 'creditor']);
  });

  it.each([
    ['too many decimals for the currency', { value: '1.234', currency: 'EUR' }, 'amount.value'],
    ['decimals for a currency without minor units', { value: '1.5', currency: 'JPY' }, 'amount.value'],
    ['a negative amount', { value: '-1', currency: 'EUR' }, 'amount.value'],
    ['a zero amount', { value: '0.00', currency: 'EUR' }, 'amount.value'],
    ['not a decimal', { value: '1e3', currency: 'EUR' }, 'amount.value'],
    ['a fund code', { value: '1', currency: 'XAU' }, 'amount.currency'],
    ['a lower-case currency', { value: '1', currency: 'eur' }, 'amount.currency'],
  ])('refuses an amount with %s', (_what, amount, path) => {
    expect(issuesOf(body({ amount })).map((i) => i.path)).toEqual([path]);
  });

  it.each([
    ['serviceLevel', 'SEPA-INST'],
    ['categoryPurpose', 'supplier'],
    ['localInstrument', 'IN ST'],
    ['endToEndId', 'E'.repeat(36)],
    ['endToEndId', ' padded'],
    ['requestedExecutionDate', '2026-02-30'],
    ['remittance', 'R'.repeat(141)],
    ['remittance', 'two\nlines'],
  ])('refuses a bad %s (%j)', (field, value) => {
    expect(issuesOf(body({ [field]: value })).map((i) => i.path)).toEqual([field]);
  });

  it('refuses a body that is not an object, and fields of the wrong type', () => {
    expect(issuesOf([1, 2]).map((i) => i.path)).toEqual(['']);
    expect(issuesOf(undefined).map((i) => i.path)).toEqual(['']);
    expect(issuesOf(body({ debtor: 'Alice' })).map((i) => i.path)).toEqual(['debtor']);
    expect(issuesOf(body({ creditor: { ...body().creditor, address: 'one line' } })).map((i) => i.path)).toEqual(['creditor.address']);
    expect(issuesOf(body({ creditor: { ...body().creditor, address: ['ok', 7] } })).map((i) => i.path)).toEqual(['creditor.address[1]']);
  });

  it('reads only own fields: a __proto__ key is no debtor', () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"name": "x"}, "amount": {"value": "1", "currency": "EUR"}}');
    expect(issuesOf(parsed).map((i) => i.path)).toContain('debtor');
  });
});
