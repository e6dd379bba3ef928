// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot } from '#domain';
import { HoldPolicy } from './hold-policy.js';

function payment(over: Partial<PaymentSnapshot> = {}): PaymentSnapshot {
  return {
    id: 't1',
    clientId: 'bank-a',
    messageType: 'pacs.008.001.08',
    msgId: 'M1',
    creationDateTime: null,
    instrId: null,
    endToEndId: 'E1',
    txId: null,
    uetr: null,
    amount: { value: '1000.00', currency: 'EUR' },
    settlementDate: null,
    settlementMethod: 'CLRG',
    chargeBearer: null,
    debtorName: null,
    debtorAccount: 'DE12500105170648489890',
    debtorAgent: 'CLWYDEFF',
    creditorName: null,
    creditorAccount: 'NL29CLWY0417164300',
    creditorAgent: 'CLWYNL2A',
    instructingAgent: null,
    instructedAgent: null,
    appHeader: null,
    status: 'RCVD',
    reason: null,
    history: [],
    version: 1,
    createdAt: '2026-11-22T10:00:00.000Z',
    updatedAt: '2026-11-22T10:00:00.000Z',
    ...over,
  };
}

describe('HoldPolicy', () => {
  it('compares amounts exactly, whatever their scale or spelling', () => {
    const at = (value: string, currency = 'EUR') =>
      HoldPolicy.fromConfig({ amountAbove: '1000' }).match(payment({ amount: { value, currency } }))?.id ?? null;
    expect(at('1000.00')).toBeNull();
    expect(at('999.999', 'BHD')).toBeNull();
    expect(at('1000.01')).toBe('amount-above-1000');
    expect(at('0000000000000000001000.00')).toBeNull();
    const big = HoldPolicy.fromConfig({ amountAbove: '9999999999999999.98' });
    expect(big.match(payment({ amount: { value: '9999999999999999.99', currency: 'USD' } }))).not.toBeNull();
    expect(big.match(payment({ amount: { value: '9999999999999999.98', currency: 'USD' } }))).toBeNull();
  });

  it.each(['00000000000000000001250.00', '1250.000000000000000000000', '+0001250.0', '1250.', '001250'])(
    'holds %s EUR (stored before amounts were canonical, or not canonicalised) like 1250.00 EUR',
    (value) => {
      const policy = HoldPolicy.fromConfig({
        amountAbove: '1000',
        rulesJson: JSON.stringify([{ id: 'eur-big', amountAbove: '1000.00', currencies: ['EUR'] }]),
      });
      expect(policy.match(payment({ amount: { value, currency: 'EUR' } }))?.id).toBe('amount-above-1000');
      const rulesOnly = HoldPolicy.fromConfig({
        rulesJson: JSON.stringify([{ id: 'eur-big', amountAbove: '1000.00', currencies: ['EUR'] }]),
      });
      expect(rulesOnly.match(payment({ amount: { value, currency: 'EUR' } }))?.id).toBe('eur-big');
    },
  );

  it('fails closed: a rule that cannot compare the amount holds the payment', () => {
    const policy = HoldPolicy.fromConfig({ amountAbove: '1000' });
    expect(policy.match(payment({ amount: null }))?.id).toBe('amount-above-1000');
    expect(policy.match(payment({ amount: { value: '12', currency: 'XAU' } }))?.id).toBe('amount-above-1000');
    expect(policy.match(payment({ amount: { value: '10.505', currency: 'EUR' } }))?.id).toBe('amount-above-1000');
    expect(policy.match(payment({ amount: { value: '1e3', currency: 'EUR' } }))?.id).toBe('amount-above-1000');
    expect(policy.match(payment({ amount: { value: '1234567890123456789', currency: 'EUR' } }))?.id).toBe('amount-above-1000');
    // ... but only a rule that applies: another client's rule, or another currency's, does not hold it.
    const scoped = HoldPolicy.fromConfig({
      rulesJson: JSON.stringify([
        { id: 'b-big', clients: ['bank-b'], amountAbove: '1000' },
        { id: 'usd-big', currencies: ['USD'], amountAbove: '1000' },
      ]),
    });
    expect(scoped.match(payment({ amount: { value: '1e3', currency: 'EUR' } }))).toBeNull();
    expect(scoped.match(payment({ amount: { value: '1e3', currency: 'USD' } }))?.id).toBe('usd-big');
    expect(scoped.match(payment({ amount: null }))?.id).toBe('usd-big');
  });

  it("HOLD_AMOUNT_ABOVE holds strictly above the amount, in the payment's own currency (no conversion)", () => {
    const policy = HoldPolicy.fromConfig({ amountAbove: '1000' });
    expect(policy.match(payment())).toBeNull();
    expect(policy.match(payment({ amount: { value: '1000.01', currency: 'EUR' } }))?.id).toBe('amount-above-1000');
    expect(policy.match(payment({ amount: { value: '5000', currency: 'JPY' } }))?.id).toBe('amount-above-1000');
    const fraction = HoldPolicy.fromConfig({ amountAbove: '1000.5' });
    expect(fraction.match(payment({ amount: { value: '1000', currency: 'JPY' } }))).toBeNull();
    expect(fraction.match(payment({ amount: { value: '1001', currency: 'JPY' } }))?.id).toBe('amount-above-1000.5');
  });

  it('HOLD_RULES: every condition of a rule must match, any rule holds', () => {
    const policy = HoldPolicy.fromConfig({
      rulesJson: JSON.stringify([
        { id: 'big-usd', amountAbove: '50000', currencies: ['USD'] },
        { id: 'watch', clients: ['bank-b'] },
        { id: 'nl', creditorCountries: ['NL'] },
      ]),
    });
    expect(
      policy.match(
        payment({ amount: { value: '60000', currency: 'EUR' }, creditorAccount: 'GB29NWBK60161331926819', creditorAgent: 'NWBKGB2L' }),
      ),
    ).toBeNull();
    expect(policy.match(payment({ amount: { value: '60000', currency: 'USD' }, creditorAccount: null, creditorAgent: null }))?.id).toBe(
      'big-usd',
    );
    expect(policy.match(payment({ clientId: 'bank-b', creditorAccount: null, creditorAgent: null }))?.id).toBe('watch');
    // The creditor's country falls back to the IBAN's.
    expect(policy.match(payment())?.id).toBe('nl');
    expect(policy.match(payment({ creditorCountry: 'DE' }))).toBeNull();
  });

  it('refuses invalid configuration with a message naming the setting', () => {
    expect(() => HoldPolicy.fromConfig({ amountAbove: '1,000' })).toThrow(/HOLD_AMOUNT_ABOVE/);
    expect(() => HoldPolicy.fromConfig({ amountAbove: '-5' })).toThrow(/HOLD_AMOUNT_ABOVE .*negative/);
    expect(() => HoldPolicy.fromConfig({ amountAbove: '1234567890123456789' })).toThrow(/HOLD_AMOUNT_ABOVE .*19 significant digits/);
    expect(() => HoldPolicy.fromConfig({ rulesJson: '[{"id":"x","amountAbove":"1e3"}]' })).toThrow(/HOLD_RULES\[0\]\.amountAbove/);
    expect(() => HoldPolicy.fromConfig({ rulesJson: '[{"id":"x","amountAbove":1000}]' })).toThrow(/HOLD_RULES\[0\]\.amountAbove/);
    expect(() => HoldPolicy.fromConfig({ rulesJson: '{"id":"x"}' })).toThrow(/HOLD_RULES must be a JSON array/);
    expect(() => HoldPolicy.fromConfig({ rulesJson: '[{"id":"x"}]' })).toThrow(/HOLD_RULES\[0\] has no condition/);
    expect(() => HoldPolicy.fromConfig({ rulesJson: '[{"id":"x","clients":["a"],"colour":"red"}]' })).toThrow(/unknown field "colour"/);
    expect(() => HoldPolicy.fromConfig({ rulesJson: '[{"id":"x","currencies":["eur"]}]' })).toThrow(/HOLD_RULES\[0\]\.currencies/);
    expect(HoldPolicy.fromConfig({}).rules).toEqual([]);
  });
});
