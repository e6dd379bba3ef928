// SPDX-License-Identifier: Apache-2.0
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { bicRule, ibanRule } from './account.rules.js';

describe('iban rule', () => {
  it('passes valid IBANs and accounts that are not IBANs', async () => {
    await expect(ibanRule.check(paymentSnapshot())).resolves.toEqual({ outcome: 'pass' });
    await expect(ibanRule.check(paymentSnapshot({ creditorAccount: '65479512', debtorAccount: null }))).resolves.toEqual({
      outcome: 'pass',
    });
  });

  it('refuses a creditor IBAN failing mod-97 with AC03, a debtor one with AC02', async () => {
    await expect(ibanRule.check(paymentSnapshot({ creditorAccount: 'NL29CLWY0417164301' }))).resolves.toMatchObject({
      outcome: 'reject',
      code: 'AC03',
    });
    await expect(ibanRule.check(paymentSnapshot({ debtorAccount: 'DE12500105170648489891' }))).resolves.toMatchObject({
      outcome: 'reject',
      code: 'AC02',
    });
  });

  it('refuses an IBAN of the wrong length for its country', async () => {
    await expect(ibanRule.check(paymentSnapshot({ creditorAccount: 'DE8937040044053201300' }))).resolves.toMatchObject({ code: 'AC03' });
  });
});

describe('bic rule', () => {
  it('passes 8- and 11-character BICs and clearing-system member ids', async () => {
    await expect(bicRule.check(paymentSnapshot({ creditorAgent: 'CLWYNL2AXXX' }))).resolves.toEqual({ outcome: 'pass' });
    await expect(bicRule.check(paymentSnapshot({ debtorAgent: 'USABA:021000021' }))).resolves.toEqual({ outcome: 'pass' });
    await expect(bicRule.check(paymentSnapshot({ debtorAgent: null, creditorAgent: null }))).resolves.toEqual({ outcome: 'pass' });
  });

  it('refuses a malformed agent BIC with RC01, naming the agent', async () => {
    await expect(bicRule.check(paymentSnapshot({ creditorAgent: 'CLWY12AB' }))).resolves.toEqual({
      outcome: 'reject',
      code: 'RC01',
      text: 'creditor agent CLWY12AB is not a valid BIC',
    });
    await expect(bicRule.check(paymentSnapshot({ debtorAgent: 'CLWYDEF' }))).resolves.toMatchObject({ code: 'RC01' });
  });
});
