// SPDX-License-Identifier: Apache-2.0
import { DecimalAmount, Money, type PaymentSnapshot } from '#domain';
import { creditorCountryOf } from '../business-rules/creditor-country.rule.js';

/**
 * One hold rule. Every condition it names must match (AND); a payment is held when any rule matches (OR).
 * A rule with no condition matches nothing (it would hold every payment by accident).
 */
export interface HoldRule {
  /** Shown on the payment and in its history: why it was held. */
  id: string;
  /** API client ids whose payments this rule holds. */
  clients?: string[];
  /**
   * Holds payments whose interbank settlement amount is strictly above this decimal, read in the payment's own
   * currency (no conversion: "1000" holds 1000.01 EUR and 1001 JPY). A payment whose amount cannot be read as
   * money of its currency is held (fail closed).
   */
  amountAbove?: string;
  /** Only with `amountAbove` or alone: ISO 4217 codes this rule applies to (a payment in another currency is not). */
  currencies?: string[];
  /** ISO 3166 alpha-2 codes of the creditor's country. */
  creditorCountries?: string[];
}

/** Reads a configured threshold; throws an Error naming the setting when it is not an amount. */
function threshold(setting: string, value: string): DecimalAmount {
  try {
    return DecimalAmount.parse(value);
  } catch (e) {
    throw new Error(`${setting} must be a non-negative decimal such as 10000.00: ${(e as Error).message}`, { cause: e });
  }
}

/** The payment's amount as Money, or null when it has none or it is not money of its currency. */
function moneyOf(p: PaymentSnapshot): Money | null {
  if (!p.amount) return null;
  try {
    return Money.parse(p.amount.value, p.amount.currency);
  } catch {
    return null;
  }
}

/** Decides whether a payment that passed the business rules waits in PDNG for a consumer's accept or reject. */
export class HoldPolicy {
  /** Each rule's `amountAbove`, read once. */
  private readonly thresholds: ReadonlyMap<HoldRule, DecimalAmount>;

  private constructor(readonly rules: readonly HoldRule[]) {
    this.thresholds = new Map(
      rules.filter((r) => r.amountAbove !== undefined).map((r) => [r, threshold(`hold rule ${r.id} amountAbove`, r.amountAbove!)] as const),
    );
  }

  static none(): HoldPolicy {
    return new HoldPolicy([]);
  }

  /**
   * From configuration: `HOLD_AMOUNT_ABOVE` (a decimal: every payment above it is held, in any currency) and
   * `HOLD_RULES` (a JSON array of HoldRule). Throws with a message naming the setting when one is invalid.
   */
  static fromConfig(input: { amountAbove?: string | null; rulesJson?: string | null }): HoldPolicy {
    const rules: HoldRule[] = [];
    if (input.amountAbove != null && input.amountAbove !== '') {
      threshold('HOLD_AMOUNT_ABOVE', input.amountAbove);
      rules.push({ id: `amount-above-${input.amountAbove}`, amountAbove: input.amountAbove });
    }
    if (input.rulesJson != null && input.rulesJson.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(input.rulesJson);
      } catch {
        throw new Error('HOLD_RULES must be a JSON array of rules');
      }
      if (!Array.isArray(parsed)) throw new Error('HOLD_RULES must be a JSON array of rules');
      parsed.forEach((r, i) => rules.push(HoldPolicy.validate(r, i)));
    }
    return new HoldPolicy(rules);
  }

  private static validate(raw: unknown, index: number): HoldRule {
    const where = `HOLD_RULES[${index}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where} must be an object`);
    const r = raw as Record<string, unknown>;
    const known = new Set(['id', 'clients', 'amountAbove', 'currencies', 'creditorCountries']);
    for (const k of Object.keys(r)) if (!known.has(k)) throw new Error(`${where} has an unknown field "${k}"`);
    if (typeof r.id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(r.id)) {
      throw new Error(`${where}.id must be 1-64 letters, digits, '.', '_' or '-'`);
    }
    const list = (name: string, pattern: RegExp): string[] | undefined => {
      const v = r[name];
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && pattern.test(x))) {
        throw new Error(`${where}.${name} must be a non-empty array of strings matching ${pattern}`);
      }
      return v as string[];
    };
    const rule: HoldRule = { id: r.id };
    const clients = list('clients', /^.{1,128}$/);
    const currencies = list('currencies', /^[A-Z]{3}$/);
    const countries = list('creditorCountries', /^[A-Z]{2}$/);
    if (clients) rule.clients = clients;
    if (currencies) rule.currencies = currencies;
    if (countries) rule.creditorCountries = countries;
    if (r.amountAbove !== undefined) {
      if (typeof r.amountAbove !== 'string') throw new Error(`${where}.amountAbove must be a decimal string such as "10000.00"`);
      threshold(`${where}.amountAbove`, r.amountAbove);
      rule.amountAbove = r.amountAbove;
    }
    if (!rule.clients && !rule.currencies && !rule.creditorCountries && rule.amountAbove === undefined) {
      throw new Error(`${where} has no condition; it would match nothing`);
    }
    return rule;
  }

  /**
   * The first rule that holds this payment, or null. A rule whose other conditions match holds a payment whose
   * amount it cannot compare (none, or not money of its currency): a hold rule fails closed.
   */
  match(p: PaymentSnapshot): HoldRule | null {
    for (const rule of this.rules) if (this.matches(rule, p)) return rule;
    return null;
  }

  private matches(rule: HoldRule, p: PaymentSnapshot): boolean {
    if (rule.clients && !rule.clients.includes(p.clientId)) return false;
    // The currency filter reads the code only; without an amount there is no code to rule the payment out.
    if (rule.currencies && p.amount && !rule.currencies.includes(p.amount.currency)) return false;
    if (rule.creditorCountries) {
      const country = creditorCountryOf(p);
      if (!country || !rule.creditorCountries.includes(country)) return false;
    }
    const above = this.thresholds.get(rule);
    if (above) {
      const money = moneyOf(p);
      if (money === null) return true; // cannot compare: hold
      if (money.compareDecimal(above) <= 0) return false;
    }
    return true;
  }
}
