// SPDX-License-Identifier: Apache-2.0
import { CurrencyCode } from './currency.js';
import { DecimalAmount } from './decimal-amount.js';
import { InvalidAmountError, InvalidValueError } from './domain.errors.js';
import { canonicalAmount, Money } from './money.js';

describe('Money', () => {
  it('keeps amounts as integer minor units, never floats', () => {
    const m = Money.parse('0.10', 'EUR').add(Money.parse('0.20', 'EUR'));
    expect(m.minor).toBe(30n);
    expect(m.toDecimalString()).toBe('0.30');
  });

  it('respects ISO 4217 minor units per currency', () => {
    expect(Money.parse('1500', 'JPY').toDecimalString()).toBe('1500');
    expect(Money.parse('1.234', 'BHD').minor).toBe(1234n);
    expect(Money.parse('12000000', 'RON').toDecimalString()).toBe('12000000.00');
    expect(() => Money.parse('1.5', 'JPY')).toThrow(InvalidValueError);
    expect(() => Money.parse('1.001', 'EUR')).toThrow(/2 decimal/);
  });

  it('accepts trailing zeros beyond the minor units', () => {
    expect(Money.parse('10.500', 'EUR').toDecimalString()).toBe('10.50');
  });

  it('refuses what is not a non-negative decimal, and unknown or precious-metal currencies', () => {
    for (const bad of ['', '-1', '-0.01', '1e3', '1,00', 'abc', '.', '+', '1.2.3', '0x10', ' 1 2', '١٢']) {
      expect(() => Money.parse(bad, 'EUR')).toThrow(InvalidAmountError);
    }
    expect(() => CurrencyCode.parse('XAU')).toThrow(/not an active/);
    expect(() => CurrencyCode.parse('eur')).toThrow(InvalidValueError);
    expect(() => Money.parse('1', 'XAU')).toThrow(InvalidValueError);
  });

  it('reads every xs:decimal spelling of one amount as that amount (leading zeros, trailing zeros, sign)', () => {
    const spellings = ['00000000000000000001250.00', '1250.000000000000000000000', '+0001250.0', '1250.', ' 1250 ', '1250'];
    for (const s of spellings) {
      const m = Money.parse(s, 'EUR');
      expect(m.minor).toBe(125000n);
      expect(m.toDecimalString()).toBe('1250.00');
      expect(m.equals(Money.parse('1250.00', 'EUR'))).toBe(true);
    }
    expect(Money.parse('.5', 'EUR').toDecimalString()).toBe('0.50');
    expect(Money.parse('-0.00', 'EUR').isZero()).toBe(true);
    expect(Money.parse('0'.repeat(10_000) + '1', 'JPY').minor).toBe(1n);
  });

  it('refuses more than 18 significant digits (ISO 20022 totalDigits), however they are padded', () => {
    expect(Money.parse('999999999999999999', 'EUR').toDecimalString()).toBe('999999999999999999.00');
    expect(Money.parse('0000009999999999999999.99000', 'EUR').minor).toBe(999999999999999999n);
    for (const bad of ['1234567890123456789', '1234567890123456789.00', '000123456789012345678.9', '99999999999999999.99']) {
      let error: unknown;
      try {
        Money.parse(bad, 'EUR');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidAmountError);
      expect(error).toMatchObject({ code: 'PAYMENT.AMOUNT_INVALID', problem: 'too-many-digits', field: 'amount' });
      expect((error as Error).message).toMatch(/19 significant digits; ISO 20022 allows at most 18$/);
    }
  });

  it('handles amounts beyond Number precision exactly', () => {
    expect(Money.parse('9999999999999999.99', 'USD').toDecimalString()).toBe('9999999999999999.99');
    expect(Money.parse('9007199254740993', 'JPY').minor).toBe(9007199254740993n);
  });

  it('compares only within one currency', () => {
    expect(Money.parse('2', 'EUR').compare(Money.parse('10', 'EUR'))).toBe(-1);
    expect(() => Money.parse('2', 'EUR').compare(Money.parse('2', 'USD'))).toThrow(/cannot combine/);
  });

  it('compares with a currency-less threshold exactly, whatever the decimals of either', () => {
    const threshold = DecimalAmount.parse('1000');
    expect(Money.parse('1000.00', 'EUR').compareDecimal(threshold)).toBe(0);
    expect(Money.parse('1000.01', 'EUR').compareDecimal(threshold)).toBe(1);
    expect(Money.parse('999.999', 'BHD').compareDecimal(threshold)).toBe(-1);
    expect(Money.parse('1001', 'JPY').compareDecimal(DecimalAmount.parse('1000.5'))).toBe(1);
    expect(Money.parse('1000', 'JPY').compareDecimal(DecimalAmount.parse('1000.5'))).toBe(-1);
    expect(Money.parse('12.30', 'EUR').toDecimal().toString()).toBe('12.3');
  });
});

describe('DecimalAmount', () => {
  it('is canonical: one spelling per value', () => {
    expect(DecimalAmount.parse('00000000000000000001250.00').toString()).toBe('1250');
    expect(DecimalAmount.parse('1250.000000000000000000000').toString()).toBe('1250');
    expect(DecimalAmount.parse('+.50').toString()).toBe('0.5');
    expect(DecimalAmount.parse('-0').toString()).toBe('0');
    expect(DecimalAmount.parse('0.0500').fractionDigits).toBe(2);
    expect(DecimalAmount.of(125000n, 2).toString()).toBe('1250');
  });

  it('counts significant digits as ISO 20022 totalDigits does', () => {
    expect(DecimalAmount.parse('0.00001234567890123').toString()).toBe('0.00001234567890123'); // 17 fraction digits
    expect(() => DecimalAmount.parse('0.0000000000000000001')).toThrow(/19 significant digits/);
    expect(DecimalAmount.parse('123456789012345678').units).toBe(123456789012345678n);
  });

  it('compares exactly', () => {
    expect(DecimalAmount.parse('0.30').compare(DecimalAmount.parse('0.3'))).toBe(0);
    expect(DecimalAmount.parse('10').compare(DecimalAmount.parse('9.999'))).toBe(1);
    expect(DecimalAmount.parse('9007199254740993').compare(DecimalAmount.parse('9007199254740992'))).toBe(1);
  });

  it('reads long spellings in linear time (no regex backtracking on "0.000...0001")', () => {
    const started = Date.now();
    expect(() => DecimalAmount.parse(`0.${'0'.repeat(200_000)}1`)).toThrow(/200001 significant digits/);
    expect(DecimalAmount.parse(`${'0'.repeat(200_000)}1.${'0'.repeat(200_000)}`).toString()).toBe('1');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('names the problem without echoing a huge value back', () => {
    expect(() => DecimalAmount.parse('-5')).toThrow(expect.objectContaining({ problem: 'negative' }));
    expect(() => DecimalAmount.parse('x'.repeat(1000))).toThrow(/^amount: "x{37}\.\.\." is not a decimal amount$/);
  });
});

describe('canonicalAmount (intake)', () => {
  it('makes Money.toDecimalString() of every spelling of an amount of an active currency', () => {
    for (const value of ['00000000000000000001250.00', '1250.000000000000000000000', '+1250', '1250.']) {
      expect(canonicalAmount({ value, currency: 'EUR' })).toEqual({ ok: true, amount: { value: '1250.00', currency: 'EUR' } });
    }
    expect(canonicalAmount({ value: '0001500.000', currency: 'JPY' })).toEqual({ ok: true, amount: { value: '1500', currency: 'JPY' } });
    expect(canonicalAmount({ value: '1.2340', currency: 'BHD' })).toEqual({ ok: true, amount: { value: '1.234', currency: 'BHD' } });
  });

  it('keeps what is a decimal but not money of its currency canonically spelled, for the currency rule to reject', () => {
    expect(canonicalAmount({ value: '0010.5050', currency: 'EUR' })).toEqual({ ok: true, amount: { value: '10.505', currency: 'EUR' } });
    expect(canonicalAmount({ value: '012000000.0', currency: 'XAU' })).toEqual({
      ok: true,
      amount: { value: '12000000', currency: 'XAU' },
    });
    expect(canonicalAmount({ value: '-0.00', currency: 'EUR' })).toEqual({ ok: true, amount: { value: '0.00', currency: 'EUR' } });
  });

  it('answers what is no ISO 20022 amount as an InvalidAmountError (PAYMENT.AMOUNT_INVALID), never throwing', () => {
    for (const value of ['1234567890123456789.00', '-1', '1e3', '']) {
      const r = canonicalAmount({ value, currency: 'EUR' });
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error).toBeInstanceOf(InvalidAmountError);
      expect(!r.ok && r.error.code).toBe('PAYMENT.AMOUNT_INVALID');
    }
    expect(canonicalAmount({ value: '1234567890123456789', currency: 'XAU' }).ok).toBe(false);
  });
});

describe('CurrencyCode.classify', () => {
  it('tells active currencies (with their decimals) from codes that are not currencies', () => {
    expect(CurrencyCode.classify('EUR')).toMatchObject({ kind: 'active', minorUnits: 2 });
    expect(CurrencyCode.classify('KWD')).toMatchObject({ kind: 'active', minorUnits: 3 });
    for (const metal of ['XAU', 'XAG', 'XPT', 'XPD']) expect(CurrencyCode.classify(metal).kind).toBe('precious-metal');
    expect(CurrencyCode.classify('XDR').kind).toBe('unit-of-account');
    expect(CurrencyCode.classify('XTS').kind).toBe('test');
    expect(CurrencyCode.classify('XXX').kind).toBe('test');
    expect(CurrencyCode.classify('CLF').kind).toBe('fund');
    expect(CurrencyCode.classify('HRK').kind).toBe('withdrawn');
    expect(CurrencyCode.classify('QQQ')).toMatchObject({ kind: 'unknown', minorUnits: null });
  });

  it('never treats an Object.prototype name as a currency', () => {
    expect(CurrencyCode.isActive('constructor')).toBe(false);
    expect(CurrencyCode.classify('toString').kind).toBe('unknown');
  });
});
