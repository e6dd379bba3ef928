import { CurrencyCode, Money, ReasonCode } from '#domain';
import { pass, reject, type BusinessRule } from './business-rule.js';

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** Digits after the point that matter: "12.50" has 1, "12.000" has 0. */
function significantFractionDigits(value: string): number | null {
  const m = DECIMAL.exec(value);
  if (!m) return null;
  return (m[2] ?? '').replace(/0+$/, '').length;
}

/** Compares two non-negative decimal strings exactly (no floats): -1, 0 or 1. */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const ma = DECIMAL.exec(a);
  const mb = DECIMAL.exec(b);
  if (!ma || !mb) throw new Error(`not decimal amounts: "${a}", "${b}"`);
  const scale = Math.max((ma[2] ?? '').length, (mb[2] ?? '').length);
  const x = BigInt(ma[1]! + (ma[2] ?? '').padEnd(scale, '0'));
  const y = BigInt(mb[1]! + (mb[2] ?? '').padEnd(scale, '0'));
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The settlement currency is an active ISO 4217 currency (AM03 otherwise: unknown or withdrawn codes,
 * precious metals XAU XAG XPT XPD, units of account such as XDR, fund codes, XTS and XXX), and the amount
 * has no more significant decimals than that currency has (AM12 otherwise: the amount is invalid for
 * its currency; trailing zeros do not count, so "10.500 EUR" passes and "10.505 EUR" does not).
 */
export const currencyRule: BusinessRule = {
  id: 'currency',
  reasonCodes: [ReasonCode.INVALID_CURRENCY, ReasonCode.INVALID_AMOUNT],
  async check(p) {
    if (!p.amount) return pass(); // the amount rule rejects a missing amount
    const ccy = p.amount.currency;
    const info = CurrencyCode.classify(ccy);
    if (info.kind !== 'active') return reject(ReasonCode.INVALID_CURRENCY, `${ccy} ${info.description}`);
    const digits = significantFractionDigits(p.amount.value);
    if (digits !== null && digits > info.minorUnits!) {
      return reject(
        ReasonCode.INVALID_AMOUNT,
        `${p.amount.value} ${ccy} has ${digits} decimals; ${ccy} has ${info.minorUnits}`,
      );
    }
    return pass();
  },
};

/** There is an amount, it is a decimal number, and it is more than zero (AM12 / AM01). */
export const amountPositiveRule: BusinessRule = {
  id: 'amount-positive',
  reasonCodes: [ReasonCode.ZERO_AMOUNT, ReasonCode.INVALID_AMOUNT],
  async check(p) {
    if (!p.amount) return reject(ReasonCode.INVALID_AMOUNT, 'no interbank settlement amount');
    const value = p.amount.value.trim();
    if (!DECIMAL.test(value)) return reject(ReasonCode.INVALID_AMOUNT, `"${value.slice(0, 40)}" is not a decimal amount`);
    if (!/[1-9]/.test(value)) return reject(ReasonCode.ZERO_AMOUNT, 'amount is zero');
    return pass();
  },
};

/** Largest allowed amount of one payment: per currency, else a global one that applies to any currency. */
export interface AmountLimits {
  /** Decimal string in major units, for currencies without their own limit; null = none. */
  global: string | null;
  /** Currency code -> decimal string in that currency's major units. */
  perCurrency: Readonly<Record<string, string>>;
}

/**
 * Reads `MAX_AMOUNT`: comma-separated entries, each `<amount>` (the global limit, any currency) or
 * `<amount> <currency>` (a limit for that currency, which wins over the global one), e.g.
 * `1000000, 150000000 JPY, 250000.00 GBP`. Amounts are decimal strings; a per-currency limit may not have
 * more decimals than its currency. Throws an Error naming the bad entry.
 */
export function parseAmountLimits(raw: string | null | undefined): AmountLimits | null {
  if (!raw || raw.trim() === '') return null;
  let global: string | null = null;
  const perCurrency: Record<string, string> = {};
  for (const entry of raw.split(',').map((e) => e.trim())) {
    const m = /^(\d{1,18}(?:\.\d{1,18})?)(?:\s+([A-Z]{3}))?$/.exec(entry);
    if (!m) throw new Error(`"${entry}" is not "<amount>" or "<amount> <currency>" (e.g. 1000000.00 or 150000000 JPY)`);
    const [, amount, ccy] = m;
    if (!ccy) {
      if (global !== null) throw new Error('has two global limits');
      global = amount!;
      continue;
    }
    if (!CurrencyCode.isActive(ccy)) throw new Error(`${ccy} is not an active ISO 4217 currency`);
    if (Object.hasOwn(perCurrency, ccy)) throw new Error(`has two limits for ${ccy}`);
    try {
      Money.parse(amount!, ccy);
    } catch (e) {
      throw new Error(`"${entry}": ${(e as Error).message}`, { cause: e });
    }
    perCurrency[ccy] = amount!;
  }
  return { global, perCurrency: Object.freeze(perCurrency) };
}

/** The amount is not above the limit of its currency (AM02, NotAllowedAmount). */
export function amountLimitRule(limits: AmountLimits): BusinessRule {
  return {
    id: 'amount-limit',
    reasonCodes: [ReasonCode.NOT_ALLOWED_AMOUNT],
    async check(p) {
      if (!p.amount || !DECIMAL.test(p.amount.value.trim())) return pass(); // amount-positive decides those
      const ccy = p.amount.currency;
      const limit = Object.hasOwn(limits.perCurrency, ccy) ? limits.perCurrency[ccy]! : limits.global;
      if (limit === null) return pass();
      return compareDecimals(p.amount.value.trim(), limit) > 0
        ? reject(ReasonCode.NOT_ALLOWED_AMOUNT, `amount ${p.amount.value} ${ccy} is above the limit of ${limit} ${ccy}`)
        : pass();
    },
  };
}
