// SPDX-License-Identifier: Apache-2.0
import { CurrencyCode, DecimalAmount, InvalidValueError, Money, ReasonCode } from '#domain';
import { pass, reject, type BusinessRule } from './business-rule.js';

/** The payment's amount as a decimal, or the reason it is not one. */
function decimalOf(value: string): DecimalAmount | InvalidValueError {
  try {
    return DecimalAmount.parse(value);
  } catch (e) {
    if (e instanceof InvalidValueError) return e;
    throw e;
  }
}

/** An amount for a rejection text: Max105Text must keep room for the rest. */
function shown(value: string): string {
  return value.length > 40 ? `${value.slice(0, 37)}...` : value;
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
    const decimal = decimalOf(p.amount.value);
    // Fail closed: what cannot be read as a decimal is not an amount of this currency.
    if (decimal instanceof InvalidValueError) return reject(ReasonCode.INVALID_AMOUNT, decimal.message);
    if (decimal.fractionDigits > info.minorUnits!) {
      return reject(
        ReasonCode.INVALID_AMOUNT,
        `${shown(p.amount.value)} ${ccy} has ${decimal.fractionDigits} decimals; ${ccy} has ${info.minorUnits}`,
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
    const decimal = decimalOf(p.amount.value);
    if (decimal instanceof InvalidValueError) return reject(ReasonCode.INVALID_AMOUNT, decimal.message);
    if (decimal.isZero()) return reject(ReasonCode.ZERO_AMOUNT, 'amount is zero');
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
 * `1000000, 150000000 JPY, 250000.00 GBP`. Amounts are decimals as ISO 20022 writes them (at most 18
 * significant digits; leading and trailing zeros are fine); a per-currency limit may not have more decimals
 * than its currency. Throws an Error naming the bad entry.
 */
export function parseAmountLimits(raw: string | null | undefined): AmountLimits | null {
  if (!raw || raw.trim() === '') return null;
  let global: string | null = null;
  const perCurrency: Record<string, string> = {};
  const shape = '"<amount>" or "<amount> <currency>" (e.g. 1000000.00 or 150000000 JPY)';
  for (const entry of raw.split(',').map((e) => e.trim())) {
    const m = /^(\S+)(?:\s+([A-Z]{3}))?$/.exec(entry);
    if (!m) throw new Error(`"${entry}" is not ${shape}`);
    const [, amount, ccy] = m;
    const decimal = decimalOf(amount!);
    if (decimal instanceof InvalidValueError) throw new Error(`"${entry}" is not ${shape}: ${decimal.message}`, { cause: decimal });
    if (!ccy) {
      if (global !== null) throw new Error('has two global limits');
      global = amount!;
      continue;
    }
    if (!CurrencyCode.isActive(ccy)) throw new Error(`${ccy} is not an active ISO 4217 currency`);
    if (Object.hasOwn(perCurrency, ccy)) throw new Error(`has two limits for ${ccy}`);
    try {
      Money.of(decimal, ccy);
    } catch (e) {
      throw new Error(`"${entry}": ${(e as Error).message}`, { cause: e });
    }
    perCurrency[ccy] = amount!;
  }
  return { global, perCurrency: Object.freeze(perCurrency) };
}

/**
 * The amount is not above the limit of its currency (AM02, NotAllowedAmount): the currency's own limit, else
 * the global one read in the payment's currency (no conversion); a currency with neither is not limited.
 * Compares Money exactly. Fails closed: an amount that cannot be compared with a limit that applies is
 * rejected, AM03 when its currency is not active, AM12 when it is not money of its currency.
 */
export function amountLimitRule(limits: AmountLimits): BusinessRule {
  const global = limits.global === null ? null : DecimalAmount.parse(limits.global);
  const perCurrency = new Map(Object.entries(limits.perCurrency).map(([ccy, v]) => [ccy, Money.parse(v, ccy)] as const));
  return {
    id: 'amount-limit',
    reasonCodes: [ReasonCode.NOT_ALLOWED_AMOUNT, ReasonCode.INVALID_AMOUNT, ReasonCode.INVALID_CURRENCY],
    async check(p) {
      if (!p.amount) return reject(ReasonCode.INVALID_AMOUNT, 'no interbank settlement amount to compare with the limit');
      const ccy = p.amount.currency;
      const own = perCurrency.get(ccy) ?? null;
      if (own === null && global === null) return pass();
      let money: Money;
      try {
        money = Money.parse(p.amount.value, ccy);
      } catch (e) {
        if (!(e instanceof InvalidValueError)) throw e;
        const code = e.field === 'currency' ? ReasonCode.INVALID_CURRENCY : ReasonCode.INVALID_AMOUNT;
        return reject(code, `cannot compare ${shown(p.amount.value)} ${shown(ccy)} with the limit: ${e.message}`.slice(0, 105));
      }
      const above = own !== null ? money.compare(own) > 0 : money.compareDecimal(global!) > 0;
      if (!above) return pass();
      const limit = own !== null ? own.toDecimalString() : limitIn(global!, money);
      return reject(ReasonCode.NOT_ALLOWED_AMOUNT, `amount ${money.toDecimalString()} ${ccy} is above the limit of ${limit} ${ccy}`);
    },
  };
}

/** A currency-less limit spelled in the currency of `money` when it fits its decimals ("1000" -> "1000.00" EUR). */
function limitIn(limit: DecimalAmount, money: Money): string {
  return limit.fractionDigits <= money.currency.minorUnits ? Money.of(limit, money.currency).toDecimalString() : limit.toString();
}
