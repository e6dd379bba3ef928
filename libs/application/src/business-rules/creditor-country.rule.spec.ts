// SPDX-License-Identifier: Apache-2.0
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { creditorCountryOf, creditorCountryRule, debtorCountryOf, parseCountryList } from './creditor-country.rule.js';

describe('creditor-country rule', () => {
  it('refuses a creditor country on the deny list with RR04', async () => {
    const rule = creditorCountryRule({ allow: null, deny: ['KP', 'NL'] });
    await expect(rule.check(paymentSnapshot({ creditorCountry: 'NL' }))).resolves.toEqual({
      outcome: 'reject',
      code: 'RR04',
      text: 'creditor country NL is not allowed (deny list)',
    });
    await expect(rule.check(paymentSnapshot({ creditorCountry: 'DE' }))).resolves.toEqual({ outcome: 'pass' });
  });

  it('with an allow list refuses every other country with RR04', async () => {
    const rule = creditorCountryRule({ allow: ['DE', 'FR'], deny: [] });
    await expect(rule.check(paymentSnapshot({ creditorCountry: 'FR' }))).resolves.toEqual({ outcome: 'pass' });
    await expect(rule.check(paymentSnapshot({ creditorCountry: 'NL' }))).resolves.toMatchObject({
      code: 'RR04',
      text: expect.stringContaining('allow list'),
    });
  });

  it('lets the deny list win over the allow list', async () => {
    const rule = creditorCountryRule({ allow: ['DE'], deny: ['DE'] });
    await expect(rule.check(paymentSnapshot({ creditorCountry: 'DE' }))).resolves.toMatchObject({ code: 'RR04' });
  });

  it('refuses an unknown creditor country with RR03 only when an allow list applies', async () => {
    const unknown = paymentSnapshot({ creditorCountry: null, creditorAccount: '123', creditorAgent: 'USABA:021000021' });
    await expect(creditorCountryRule({ allow: ['DE'], deny: [] }).check(unknown)).resolves.toMatchObject({ code: 'RR03' });
    await expect(creditorCountryRule({ allow: null, deny: ['KP'] }).check(unknown)).resolves.toEqual({ outcome: 'pass' });
  });

  it('derives the country of a payment stored before the field existed: IBAN, else agent BIC', async () => {
    const old = paymentSnapshot({ creditorAccount: 'NL29CLWY0417164300', creditorAgent: 'CLWYBE22' });
    delete old.creditorCountry;
    delete old.debtorCountry;
    expect(creditorCountryOf(old)).toBe('NL');
    expect(debtorCountryOf(old)).toBe('DE');
    const oldNoIban = { ...old, creditorAccount: '65479512' };
    expect(creditorCountryOf(oldNoIban)).toBe('BE');
    await expect(creditorCountryRule({ allow: null, deny: ['BE'] }).check(oldNoIban)).resolves.toMatchObject({ code: 'RR04' });
  });

  it('takes the stored country as it is (the postal address wins at ingress)', () => {
    expect(creditorCountryOf(paymentSnapshot({ creditorCountry: 'CH' }))).toBe('CH');
  });
});

describe('parseCountryList', () => {
  it('reads comma-separated alpha-2 codes, upper-casing and dropping repeats', () => {
    expect(parseCountryList('de, FR ,de')).toEqual(['DE', 'FR']);
    expect(parseCountryList('')).toBeNull();
    expect(parseCountryList(undefined)).toBeNull();
  });

  it('refuses what is not an alpha-2 code', () => {
    expect(() => parseCountryList('DE,DEU')).toThrow(/"DEU" is not an ISO 3166 alpha-2/);
  });
});
