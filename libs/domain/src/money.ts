// SPDX-License-Identifier: Apache-2.0
import { CurrencyCode } from './currency.js';
import { DecimalAmount } from './decimal-amount.js';
import { InvalidAmountError, InvalidValueError } from './domain.errors.js';

/**
 * An amount of money in an ISO 4217 currency, held as an integer count of minor units (bigint).
 * Never a floating-point number: parse from and print to decimal strings only.
 */
export class Money {
  private constructor(
    readonly minor: bigint,
    readonly currency: CurrencyCode,
  ) {}

  /**
   * Parses an amount in a currency: any xs:decimal spelling ISO 20022 allows ("1234.5", "0001234.50",
   * "1234.500000", "+1234.5") in "EUR". Throws InvalidAmountError (PAYMENT.AMOUNT_INVALID) when it is not a
   * non-negative decimal of at most 18 significant digits, or has more significant decimals than the currency
   * (trailing zeros do not count: "10.500" EUR is 10.50); InvalidValueError when the currency is not active.
   */
  static parse(value: string, currency: string | CurrencyCode): Money {
    const ccy = typeof currency === 'string' ? CurrencyCode.parse(currency) : currency;
    return Money.of(DecimalAmount.parse(value), ccy);
  }

  /**
   * Parses a balance of an account (not an ISO 20022 amount, so not limited to 18 significant digits; up to 38,
   * the most any store keeps): whether the ledger can keep it is the ledger's own rule.
   */
  static parseBalance(value: string, currency: string | CurrencyCode): Money {
    const ccy = typeof currency === 'string' ? CurrencyCode.parse(currency) : currency;
    return Money.of(DecimalAmount.parse(value, 38), ccy);
  }

  /** The amount `decimal` in `currency`; throws InvalidAmountError when it has more decimals than the currency. */
  static of(decimal: DecimalAmount, currency: string | CurrencyCode): Money {
    const ccy = typeof currency === 'string' ? CurrencyCode.parse(currency) : currency;
    if (decimal.fractionDigits > ccy.minorUnits) {
      throw new InvalidAmountError(
        'too-many-decimals',
        `${ccy.code} has ${ccy.minorUnits} decimal(s); ${decimal.toString()} has ${decimal.fractionDigits}`,
      );
    }
    return new Money(decimal.units * 10n ** BigInt(ccy.minorUnits - decimal.fractionDigits), ccy);
  }

  static ofMinor(minor: bigint, currency: string | CurrencyCode): Money {
    const ccy = typeof currency === 'string' ? CurrencyCode.parse(currency) : currency;
    if (minor < 0n) throw new InvalidValueError('amount', 'must not be negative');
    return new Money(minor, ccy);
  }

  isZero(): boolean {
    return this.minor === 0n;
  }

  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other);
    return this.minor < other.minor ? -1 : this.minor > other.minor ? 1 : 0;
  }

  /**
   * Compares with an amount that has no currency of its own (a threshold that applies in any currency, e.g.
   * HOLD_AMOUNT_ABOVE): exactly, in this money's currency, whatever the decimals of either.
   */
  compareDecimal(other: DecimalAmount): -1 | 0 | 1 {
    return this.toDecimal().compare(other);
  }

  /** The amount without its currency. */
  toDecimal(): DecimalAmount {
    return DecimalAmount.of(this.minor, this.currency.minorUnits);
  }

  add(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.minor + other.minor, this.currency);
  }

  /** The amount as an ISO 20022 decimal string with exactly the currency's minor units ("12.50", "100"). */
  toDecimalString(): string {
    const units = this.currency.minorUnits;
    const digits = this.minor.toString().padStart(units + 1, '0');
    if (units === 0) return digits;
    return `${digits.slice(0, -units)}.${digits.slice(-units)}`;
  }

  equals(other: Money): boolean {
    return this.currency.code === other.currency.code && this.minor === other.minor;
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency.code !== this.currency.code) {
      throw new InvalidValueError('currency', `cannot combine ${this.currency.code} with ${other.currency.code}`);
    }
  }
}

/** An amount as a message carries it and as a payment stores it: a decimal string and an ISO 4217 code. */
export interface AmountValue {
  value: string;
  currency: string;
}

/** canonicalAmount's answer: the canonical amount, or why the value is no ISO 20022 amount at all. */
export type CanonicalAmount = { ok: true; amount: AmountValue } | { ok: false; error: InvalidAmountError };

/**
 * The one place an inbound amount is canonicalised (at intake, before anything is stored): every later
 * reader (hold rules, business rules, the ledger, reports) sees one spelling per value.
 *
 * - An amount of an active currency with no more significant decimals than the currency has becomes
 *   `Money.toDecimalString()`: "00000000000000000001250.00", "1250.000000000000000000000" and "+1250" EUR all
 *   become "1250.00".
 * - A decimal that is not money of its currency (an inactive code such as XAU, or "10.505" EUR) keeps its
 *   value in the canonical decimal spelling ("10.505"): the `currency` business rule rejects it with AM03 /
 *   AM12 and a pacs.002, as before.
 * - Not a non-negative decimal, or more than 18 significant digits (ISO 20022 totalDigits): `ok: false` with an
 *   InvalidAmountError (code PAYMENT.AMOUNT_INVALID); the intake refuses the message (422) and stores nothing.
 */
export function canonicalAmount(amount: AmountValue): CanonicalAmount {
  let decimal: DecimalAmount;
  try {
    decimal = DecimalAmount.parse(amount.value);
  } catch (e) {
    if (e instanceof InvalidAmountError) return { ok: false, error: e };
    throw e;
  }
  const ccy = CurrencyCode.isActive(amount.currency) ? CurrencyCode.parse(amount.currency) : null;
  const value = ccy && decimal.fractionDigits <= ccy.minorUnits ? Money.of(decimal, ccy).toDecimalString() : decimal.toString();
  return { ok: true, amount: { value, currency: amount.currency } };
}
