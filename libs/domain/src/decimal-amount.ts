// SPDX-License-Identifier: Apache-2.0
import { InvalidAmountError } from './domain.errors.js';

/**
 * ISO 20022 amounts are xs:decimal restricted to totalDigits 18 (and fractionDigits 5, minInclusive 0).
 * totalDigits counts the digits of the *value*: leading zeros of the integer part and trailing zeros of the
 * fraction do not count, so `00000000000000000001250.00` and `1250.000000000000000000000` are valid 1250.
 */
export const MAX_AMOUNT_DIGITS = 18;

/** The xs:decimal lexical space: an optional sign, digits with an optional point; `5.` and `.5` are decimals. */
const XS_DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** "12300" -> "123", in linear time (/0+$/ backtracks quadratically on "000...0001"). */
function withoutTrailingZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  return digits.slice(0, end);
}

/** A value for an error message: never echoes a megabyte of zeros back. */
function shown(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}

/**
 * A non-negative decimal number of at most 18 significant digits, exactly (bigint units and a scale, never a
 * float), in canonical form: `units` has no trailing zero when `scale` > 0. Amounts without a currency
 * (configured thresholds such as HOLD_AMOUNT_ABOVE or a global MAX_AMOUNT) are DecimalAmounts; amounts in
 * a currency are Money.
 */
export class DecimalAmount {
  private constructor(
    /** The digits as an integer: the value is units / 10^scale. */
    readonly units: bigint,
    /** Digits after the point that matter (trailing zeros removed). */
    readonly scale: number,
  ) {}

  /**
   * Parses any xs:decimal spelling of a non-negative amount: leading zeros, trailing zeros, a `+` sign,
   * `-0`, `5.` and `.5` are fine (surrounding whitespace too, as XML collapses it). Throws
   * InvalidAmountError (PAYMENT.AMOUNT_INVALID) when it is not a decimal, is negative, or has more than 18
   * significant digits (ISO 20022 totalDigits).
   */
  static parse(text: string, maxDigits: number = MAX_AMOUNT_DIGITS): DecimalAmount {
    const m = XS_DECIMAL.exec(text.trim());
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
      throw new InvalidAmountError('not-a-decimal', `${shown(text)} is not a decimal amount`);
    }
    const int = m[2]!.replace(/^0+/, '');
    const frac = withoutTrailingZeros(m[3] ?? '');
    if (m[1] === '-' && int + frac !== '') throw new InvalidAmountError('negative', `${shown(text)} is negative`);
    // Leading zeros of the fraction count (0.05 has 2 digits), as for totalDigits.
    if (int.length + frac.length > maxDigits) {
      throw new InvalidAmountError(
        'too-many-digits',
        maxDigits === MAX_AMOUNT_DIGITS
          ? `${shown(text)} has ${int.length + frac.length} significant digits; ISO 20022 allows at most ${MAX_AMOUNT_DIGITS}`
          : `${shown(text)} has ${int.length + frac.length} significant digits; at most ${maxDigits} are read`,
      );
    }
    return new DecimalAmount(BigInt(int + frac || '0'), frac.length);
  }

  /** units / 10^scale, normalised. Throws RangeError for a negative value or scale. */
  static of(units: bigint, scale: number): DecimalAmount {
    if (units < 0n || !Number.isInteger(scale) || scale < 0) throw new RangeError(`not a non-negative decimal: ${units}e-${scale}`);
    while (scale > 0 && units % 10n === 0n) {
      units /= 10n;
      scale--;
    }
    return new DecimalAmount(units, scale);
  }

  /** Digits after the point that are not trailing zeros ("10.50" has 1). */
  get fractionDigits(): number {
    return this.scale;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  /** Exact comparison, whatever the scales: -1, 0 or 1. */
  compare(other: DecimalAmount): -1 | 0 | 1 {
    const scale = Math.max(this.scale, other.scale);
    const a = this.units * 10n ** BigInt(scale - this.scale);
    const b = other.units * 10n ** BigInt(scale - other.scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** The canonical spelling: no sign, no leading or trailing zeros ("1250", "0.5", "1250.05"). */
  toString(): string {
    if (this.scale === 0) return this.units.toString();
    const digits = this.units.toString().padStart(this.scale + 1, '0');
    return `${digits.slice(0, -this.scale)}.${digits.slice(-this.scale)}`;
  }
}
