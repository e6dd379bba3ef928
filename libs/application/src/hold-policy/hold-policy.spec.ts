import type { PaymentSnapshot } from '#domain';
import { compareDecimal, HoldPolicy } from './hold-policy.js';

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
  it('compares decimals exactly, whatever their scale', () => {
    expect(compareDecimal('1000.00', '1000')).toBe(0);
    expect(compareDecimal('1000.01', '1000')).toBe(1);
    expect(compareDecimal('999.999', '1000')).toBe(-1);
    expect(compareDecimal('0010', '9.5')).toBe(1);
    expect(compareDecimal('123456789012345678.1', '123456789012345678.09')).toBe(1);
  });

  it('HOLD_AMOUNT_ABOVE holds strictly above the amount, in any currency', () => {
    const policy = HoldPolicy.fromConfig({ amountAbove: '1000' });
    expect(policy.match(payment())).toBeNull();
    expect(policy.match(payment({ amount: { value: '1000.01', currency: 'EUR' } }))?.id).toBe('amount-above-1000');
    expect(policy.match(payment({ amount: { value: '5000', currency: 'JPY' } }))?.id).toBe('amount-above-1000');
    expect(policy.match(payment({ amount: null }))).toBeNull();
  });

  it('HOLD_RULES: every condition of a rule must match, any rule holds', () => {
    const policy = HoldPolicy.fromConfig({
      rulesJson: JSON.stringify([
        { id: 'big-usd', amountAbove: '50000', currencies: ['USD'] },
        { id: 'watch', clients: ['bank-b'] },
        { id: 'nl', creditorCountries: ['NL'] },
      ]),
    });
    expect(policy.match(payment({ amount: { value: '60000', currency: 'EUR' }, creditorAccount: 'GB29NWBK60161331926819', creditorAgent: 'NWBKGB2L' }))).toBeNull();
    expect(policy.match(payment({ amount: { value: '60000', currency: 'USD' }, creditorAccount: null, creditorAgent: null }))?.id).toBe('big-usd');
    expect(policy.match(payment({ clientId: 'bank-b', creditorAccount: null, creditorAgent: null }))?.id).toBe('watch');
    // The creditor's country falls back to the IBAN's.
    expect(policy.match(payment())?.id).toBe('nl');
    expect(policy.match(payment({ creditorCountry: 'DE' }))).toBeNull();
  });

  it('refuses invalid configuration with a message naming the setting', () => {
    expect(() => HoldPolicy.fromConfig({ amountAbove: '1,000' })).toThrow(/HOLD_AMOUNT_ABOVE/);
    expect(() => HoldPolicy.fromConfig({ rulesJson: '{"id":"x"}' })).toThrow(/HOLD_RULES must be a JSON array/);
    expect(() => HoldPolicy.fromConfig({ rulesJson: '[{"id":"x"}]' })).toThrow(/HOLD_RULES\[0\] has no condition/);
    expect(() => HoldPolicy.fromConfig({ rulesJson: '[{"id":"x","clients":["a"],"colour":"red"}]' })).toThrow(/unknown field "colour"/);
    expect(() => HoldPolicy.fromConfig({ rulesJson: '[{"id":"x","currencies":["eur"]}]' })).toThrow(/HOLD_RULES\[0\]\.currencies/);
    expect(HoldPolicy.fromConfig({}).rules).toEqual([]);
  });
});
