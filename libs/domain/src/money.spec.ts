import { CurrencyCode } from './currency.js';
import { InvalidValueError } from './domain.errors.js';
import { Money } from './money.js';

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
    for (const bad of ['', '-1', '1e3', '1,00', 'abc', '.5']) expect(() => Money.parse(bad, 'EUR')).toThrow(InvalidValueError);
    expect(() => CurrencyCode.parse('XAU')).toThrow(/not an active/);
    expect(() => CurrencyCode.parse('eur')).toThrow(InvalidValueError);
  });

  it('handles amounts beyond Number precision exactly', () => {
    expect(Money.parse('999999999999999999.99', 'USD').toDecimalString()).toBe('999999999999999999.99');
  });

  it('compares only within one currency', () => {
    expect(Money.parse('2', 'EUR').compare(Money.parse('10', 'EUR'))).toBe(-1);
    expect(() => Money.parse('2', 'EUR').compare(Money.parse('2', 'USD'))).toThrow(/cannot combine/);
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
