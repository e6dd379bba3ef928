import { CurrencyCode } from './currency.js';
import { InvalidValueError } from './domain.errors.js';

const DECIMAL = /^(\d{1,18})(?:\.(\d{1,18}))?$/;

/**
 * An amount of money in an ISO 4217 currency, held as an integer count of minor units (bigint).
 * Never a floating-point number: parse from and print to decimal strings only.
 */
export class Money {
  private constructor(
    readonly minor: bigint,
    readonly currency: CurrencyCode,
  ) {}

  /** Parses "1234.5" in "EUR". Refuses more decimals than the currency has (as ISO 20022 amounts do). */
  static parse(value: string, currency: string | CurrencyCode): Money {
    const ccy = typeof currency === 'string' ? CurrencyCode.parse(currency) : currency;
    const m = DECIMAL.exec(value.trim());
    if (!m) throw new InvalidValueError('amount', `"${value}" is not a non-negative decimal amount`);
    const whole = m[1]!;
    const frac = (m[2] ?? '').replace(/0+$/, '');
    if (frac.length > ccy.minorUnits) {
      throw new InvalidValueError('amount', `${ccy.code} has ${ccy.minorUnits} decimal(s); "${value}" has more`);
    }
    const minor = BigInt(whole + frac.padEnd(ccy.minorUnits, '0'));
    return new Money(minor, ccy);
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
