import { paymentSnapshot } from '../testing/payment.fixtures.js';
import {
  amountLimitRule,
  amountPositiveRule,
  compareDecimals,
  currencyRule,
  parseAmountLimits,
} from './amount.rules.js';

const withAmount = (value: string, currency: string) => paymentSnapshot({ amount: { value, currency } });

describe('currency rule', () => {
  it('passes active currencies with at most their number of decimals', async () => {
    for (const [value, ccy] of [['100.00', 'EUR'], ['1500', 'JPY'], ['1.234', 'KWD'], ['10.5', 'USD'], ['0.01', 'GBP']]) {
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
    await expect(currencyRule.check(withAmount('1', 'QQQ'))).resolves.toMatchObject({ code: 'AM03', text: 'QQQ is not an ISO 4217 currency code' });
    await expect(currencyRule.check(withAmount('1', 'HRK'))).resolves.toMatchObject({ code: 'AM03', text: 'HRK is a withdrawn ISO 4217 currency' });
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

  it('leaves a missing amount to the amount rule', async () => {
    await expect(currencyRule.check(paymentSnapshot({ amount: null }))).resolves.toEqual({ outcome: 'pass' });
  });
});

describe('amount-positive rule', () => {
  it('passes an amount above zero, however small', async () => {
    await expect(amountPositiveRule.check(withAmount('0.01', 'EUR'))).resolves.toEqual({ outcome: 'pass' });
    await expect(amountPositiveRule.check(withAmount('999999999999999999.99', 'USD'))).resolves.toEqual({ outcome: 'pass' });
  });

  it('refuses a zero amount with AM01', async () => {
    for (const zero of ['0', '0.00', '00.0']) {
      await expect(amountPositiveRule.check(withAmount(zero, 'EUR'))).resolves.toEqual({ outcome: 'reject', code: 'AM01', text: 'amount is zero' });
    }
  });

  it('refuses a missing or non-decimal amount with AM12', async () => {
    await expect(amountPositiveRule.check(paymentSnapshot({ amount: null }))).resolves.toMatchObject({ code: 'AM12' });
    for (const bad of ['-1', '1e3', '1,00', '']) {
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
      text: 'amount 1000000.01 EUR is above the limit of 1000000 EUR',
    });
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
    const big = amountLimitRule(parseAmountLimits('999999999999999999.98')!);
    await expect(big.check(withAmount('999999999999999999.99', 'USD'))).resolves.toMatchObject({ code: 'AM02' });
    expect(compareDecimals('0.30', '0.3')).toBe(0);
    expect(compareDecimals('10', '9.999')).toBe(1);
    expect(compareDecimals('9007199254740993', '9007199254740992')).toBe(1);
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
  });
});
