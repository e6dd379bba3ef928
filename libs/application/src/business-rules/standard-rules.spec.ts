// SPDX-License-Identifier: Apache-2.0
import type { ScreeningService } from '../ports/screening.port.js';
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { parseAmountLimits } from './amount.rules.js';
import { pass, reject } from './business-rule.js';
import { standardBusinessRules } from './standard-rules.js';

const screening: ScreeningService = { name: 'test', screen: async () => ({ kind: 'hit', reference: 'R1', text: null }) };

describe('standardBusinessRules', () => {
  it('has only the always-on rules without configuration', () => {
    expect(standardBusinessRules().ids).toEqual(['currency', 'amount-positive', 'iban', 'bic']);
  });

  it('adds the configured rules in the default order, custom rules before screening', () => {
    const custom = { id: 'house-rule', reasonCodes: ['AG03'], check: async () => pass() };
    const set = standardBusinessRules({
      amountLimits: parseAmountLimits('1000'),
      creditorCountries: { allow: null, deny: ['KP'] },
      screening: { service: screening, failure: 'closed' },
      extraRules: [custom],
    });
    expect(set.ids).toEqual(['currency', 'amount-positive', 'amount-limit', 'iban', 'bic', 'creditor-country', 'house-rule', 'screening']);
  });

  it('leaves the country rule out when both lists are empty', () => {
    expect(standardBusinessRules({ creditorCountries: { allow: null, deny: [] } }).ids).not.toContain('creditor-country');
  });

  it('applies BUSINESS_RULES_ORDER and tolerates built-in ids that are not configured', () => {
    const set = standardBusinessRules({ creditorCountries: { allow: ['DE'], deny: [] }, order: ['screening', 'creditor-country', 'bic'] });
    expect(set.ids).toEqual(['creditor-country', 'bic', 'currency', 'amount-positive', 'iban']);
  });

  it('rejects the XAU sample payment on its currency (AM03) before anything else', async () => {
    const xau = paymentSnapshot({ amount: { value: '12000000', currency: 'XAU' }, creditorAccount: '65479512', creditorCountry: 'CH' });
    const set = standardBusinessRules({
      amountLimits: parseAmountLimits('1'),
      creditorCountries: { allow: null, deny: ['CH'] },
      screening: { service: screening, failure: 'open' },
    });
    await expect(set.evaluate(xau)).resolves.toMatchObject({ outcome: 'reject', rule: 'currency', reason: { code: 'AM03' } });
  });

  it('runs a custom rule, and its rejection decides', async () => {
    const custom = { id: 'house-rule', reasonCodes: ['AG03'], check: async () => reject('AG03', 'not with us') };
    await expect(standardBusinessRules({ extraRules: [custom] }).evaluate(paymentSnapshot())).resolves.toEqual({
      outcome: 'reject',
      rule: 'house-rule',
      reason: { code: 'AG03', text: 'not with us' },
    });
  });
});
