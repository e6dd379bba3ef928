// SPDX-License-Identifier: Apache-2.0
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { amountLimitRule, amountPositiveRule, currencyRule, parseAmountLimits } from './amount.rules.js';

const withAmount = (value: string, currency: string) => paymentSnapshot({ amount: { value, currency } });

describe('currency rule', () => {
  it('passes active currencies with at most their number of decimals', async () => {
    for (const [value, ccy] of [
      ['100.00', 'EUR'],
      ['1500', 'JPY'],
      ['1.234', 'KWD'],
      ['10.5', 'USD'],
      ['0.01', 'GBP'],
    ]) {
      await expect(currencyRule.check(withAmount(value!, ccy!))).resolves.toEqual({ outcome: 'pass' });
    }
  });

  it('refuses precious metals, units of account, fund and test codes with AM03, naming the code', async () => {
    for (const ccy of ['XAU', 'XAG', 'XPT', 'XPD', 'XDR', 'XTS', 'XXX', 'CLF', 'BOV']) {
      const verdict = await currencyRule.check(withAmount('100', ccy));
      expect(verdict).toMatchObject({ outcome: 'reject', code: 'AM03' });
      expect(verdict.outcome === 'reject' && verdict.text).toContain(ccy);
    }
    await expect(currencyRule.check(withAmount('12000000', 'XAU'))).resolves.toEqual({
      outcome: 'reject',
      code: 'AM03',
      text: 'XAU is an ISO 4217 precious-metal code, not a currency',
    });
  });

  it('refuses unknown and withdrawn codes with AM03', async () => {
    await expect(currencyRule.check(withAmount('1', 'QQQ'))).resolves.toMatchObject({
      code: 'AM03',
      text: 'QQQ is not an ISO 4217 currency code',
    });
    await expect(currencyRule.check(withAmount('1', 'HRK'))).resolves.toMatchObject({
      code: 'AM03',
      text: 'HRK is a withdrawn ISO 4217 currency',
    });
  });

  it('refuses more significant decimals than the currency has with AM12; trailing zeros do not count', async () => {
    await expect(currencyRule.check(withAmount('1.5', 'JPY'))).resolves.toEqual({
      outcome: 'reject',
      code: 'AM12',
      text: '1.5 JPY has 1 decimals; JPY has 0',
    });
    await expect(currencyRule.check(withAmount('10.505', 'EUR'))).resolves.toMatchObject({ code: 'AM12' });
    await expect(currencyRule.check(withAmount('1.2345', 'KWD'))).resolves.toMatchObject({ code: 'AM12' });
    await expect(currencyRule.check(withAmount('10.500', 'EUR'))).resolves.toEqual({ outcome: 'pass' });
    await expect(currencyRule.check(withAmount('1500.000', 'JPY'))).resolves.toEqual({ outcome: 'pass' });
  });

  it('reads every spelling of an amount as its value: padded, signed or with trailing zeros', async () => {
    for (const value of ['00000000000000000001250.00', '1250.000000000000000000000', '+1250.5', '.5', '1250.']) {
      await expect(currencyRule.check(withAmount(value, 'EUR'))).resolves.toEqual({ outcome: 'pass' });
    }
    await expect(currencyRule.check(withAmount('000010.5050000', 'EUR'))).resolves.toMatchObject({
      code: 'AM12',
      text: '000010.5050000 EUR has 3 decimals; EUR has 2',
    });
  });

  it('fails closed: what is not a decimal amount is rejected with AM12', async () => {
    for (const bad of ['1e3', '-1', '1234567890123456789', '']) {
      await expect(currencyRule.check(withAmount(bad, 'EUR'))).resolves.toMatchObject({ outcome: 'reject', code: 'AM12' });
    }
  });

  it('leaves a missing amount to the amount rule', async () => {
    await expect(currencyRule.check(paymentSnapshot({ amount: null }))).resolves.toEqual({ outcome: 'pass' });
  });
});

describe('amount-positive rule', () => {
  it('passes an amount above zero, however small', async () => {
    await expect(amountPositiveRule.check(withAmount('0.01', 'EUR'))).resolves.toEqual({ outcome: 'pass' });
    await expect(amountPositiveRule.check(withAmount('9999999999999999.99', 'USD'))).resolves.toEqual({ outcome: 'pass' });
    await expect(amountPositiveRule.check(withAmount('+000.010', 'USD'))).resolves.toEqual({ outcome: 'pass' });
  });

  it('refuses a zero amount with AM01', async () => {
    for (const zero of ['0', '0.00', '00.0', '-0', '+0000.00000', '.0']) {
      await expect(amountPositiveRule.check(withAmount(zero, 'EUR'))).resolves.toEqual({
        outcome: 'reject',
        code: 'AM01',
        text: 'amount is zero',
      });
    }
  });

  it('refuses a missing or non-decimal amount with AM12', async () => {
    await expect(amountPositiveRule.check(paymentSnapshot({ amount: null }))).resolves.toMatchObject({ code: 'AM12' });
    for (const bad of ['-1', '1e3', '1,00', '', '1234567890123456789']) {
      await expect(amountPositiveRule.check(withAmount(bad, 'EUR'))).resolves.toMatchObject({ code: 'AM12' });
    }
  });
});

describe('amount-limit rule', () => {
  const limits = parseAmountLimits('1000000, 150000000 JPY, 250000.00 GBP')!;
  const rule = amountLimitRule(limits);

  it('passes amounts up to and including the limit', async () => {
    await expect(rule.check(withAmount('1000000.00', 'EUR'))).resolves.toEqual({ outcome: 'pass' });
    await expect(rule.check(withAmount('150000000', 'JPY'))).resolves.toEqual({ outcome: 'pass' });
  });

  it('refuses an amount above the global limit with AM02', async () => {
    await expect(rule.check(withAmount('1000000.01', 'EUR'))).resolves.toEqual({
      outcome: 'reject',
      code: 'AM02',
      text: 'amount 1000000.01 EUR is above the limit of 1000000.00 EUR',
    });
  });

  it('compares padded spellings as their value and names the canonical amount', async () => {
    await expect(rule.check(withAmount('00000000000000000001000000.01', 'EUR'))).resolves.toEqual({
      outcome: 'reject',
      code: 'AM02',
      text: 'amount 1000000.01 EUR is above the limit of 1000000.00 EUR',
    });
    await expect(rule.check(withAmount('1000000.0000000000000000', 'EUR'))).resolves.toEqual({ outcome: 'pass' });
    await expect(rule.check(withAmount('+0250000.010', 'GBP'))).resolves.toMatchObject({
      code: 'AM02',
      text: 'amount 250000.01 GBP is above the limit of 250000.00 GBP',
    });
    const padded = amountLimitRule(parseAmountLimits('0001000.000, 00500 JPY')!);
    await expect(padded.check(withAmount('1000.01', 'EUR'))).resolves.toMatchObject({ code: 'AM02' });
    await expect(padded.check(withAmount('501', 'JPY'))).resolves.toMatchObject({
      code: 'AM02',
      text: 'amount 501 JPY is above the limit of 500 JPY',
    });
  });

  it("a global limit applies in the payment's own currency, whatever its decimals (no conversion)", async () => {
    const fractional = amountLimitRule(parseAmountLimits('1000.5')!);
    await expect(fractional.check(withAmount('1000', 'JPY'))).resolves.toEqual({ outcome: 'pass' });
    await expect(fractional.check(withAmount('1001', 'JPY'))).resolves.toMatchObject({
      code: 'AM02',
      text: 'amount 1001 JPY is above the limit of 1000.5 JPY',
    });
    await expect(fractional.check(withAmount('1000.501', 'BHD'))).resolves.toMatchObject({
      code: 'AM02',
      text: 'amount 1000.501 BHD is above the limit of 1000.500 BHD',
    });
  });

  it('fails closed: an amount it cannot compare with a limit that applies is rejected with a reason', async () => {
    await expect(rule.check(paymentSnapshot({ amount: null }))).resolves.toMatchObject({ outcome: 'reject', code: 'AM12' });
    await expect(rule.check(withAmount('1e3', 'EUR'))).resolves.toMatchObject({
      outcome: 'reject',
      code: 'AM12',
      text: expect.stringContaining('cannot compare 1e3 EUR with the limit'),
    });
    await expect(rule.check(withAmount('10.505', 'EUR'))).resolves.toMatchObject({ outcome: 'reject', code: 'AM12' });
    await expect(rule.check(withAmount('1234567890123456789', 'EUR'))).resolves.toMatchObject({ outcome: 'reject', code: 'AM12' });
    await expect(rule.check(withAmount('5', 'XAU'))).resolves.toMatchObject({ outcome: 'reject', code: 'AM03' });
    // No limit applies to USD here: nothing to compare, nothing to say.
    const only = amountLimitRule(parseAmountLimits('100 EUR')!);
    await expect(only.check(withAmount('1e3', 'USD'))).resolves.toEqual({ outcome: 'pass' });
  });

  it('uses the limit of the currency over the global one', async () => {
    await expect(rule.check(withAmount('250000.01', 'GBP'))).resolves.toMatchObject({ code: 'AM02' });
    // 5 000 000 JPY is above the global 1 000 000 but within the JPY limit.
    await expect(rule.check(withAmount('5000000', 'JPY'))).resolves.toEqual({ outcome: 'pass' });
  });

  it('without a global limit only limits the listed currencies', async () => {
    const only = amountLimitRule(parseAmountLimits('100 USD')!);
    await expect(only.check(withAmount('101', 'USD'))).resolves.toMatchObject({ code: 'AM02' });
    await expect(only.check(withAmount('999999999', 'EUR'))).resolves.toEqual({ outcome: 'pass' });
  });

  it('compares beyond floating-point precision exactly', async () => {
    const big = amountLimitRule(parseAmountLimits('9999999999999999.98')!);
    await expect(big.check(withAmount('9999999999999999.99', 'USD'))).resolves.toMatchObject({ code: 'AM02' });
    await expect(big.check(withAmount('9999999999999999.98', 'USD'))).resolves.toEqual({ outcome: 'pass' });
    const jpy = amountLimitRule(parseAmountLimits('9007199254740992 JPY')!);
    await expect(jpy.check(withAmount('9007199254740993', 'JPY'))).resolves.toMatchObject({ code: 'AM02' });
  });
});

describe('parseAmountLimits (MAX_AMOUNT)', () => {
  it('reads a global limit and per-currency limits', () => {
    expect(parseAmountLimits('5000')).toEqual({ global: '5000', perCurrency: {} });
    expect(parseAmountLimits(' 1000.50 EUR ,20000 JPY')).toEqual({ global: null, perCurrency: { EUR: '1000.50', JPY: '20000' } });
    expect(parseAmountLimits('')).toBeNull();
    expect(parseAmountLimits(undefined)).toBeNull();
  });

  it('refuses malformed entries, inactive currencies, too many decimals and repeats', () => {
    expect(() => parseAmountLimits('lots')).toThrow(/"lots" is not/);
    expect(() => parseAmountLimits('-5')).toThrow(/is not/);
    expect(() => parseAmountLimits('100 XAU')).toThrow(/XAU is not an active/);
    expect(() => parseAmountLimits('100.5 JPY')).toThrow(/decimal/);
    expect(() => parseAmountLimits('1,2')).toThrow(/two global/);
    expect(() => parseAmountLimits('1 EUR,2 EUR')).toThrow(/two limits for EUR/);
    expect(() => parseAmountLimits('1234567890123456789')).toThrow(/19 significant digits/);
    expect(() => parseAmountLimits('100 EUR JPY')).toThrow(/is not/);
  });

  it('takes the spellings an ISO 20022 amount may have', () => {
    expect(parseAmountLimits('0000000000000000001000.000, +5.0 EUR')).toEqual({
      global: '0000000000000000001000.000',
      perCurrency: { EUR: '+5.0' },
    });
  });
});
