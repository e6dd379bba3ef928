import type { PaymentSnapshot } from '#domain';
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
  /** Holds payments whose interbank settlement amount is strictly above this decimal (in the payment's currency). */
  amountAbove?: string;
  /** Only with `amountAbove` or alone: ISO 4217 codes this rule applies to. */
  currencies?: string[];
  /** ISO 3166 alpha-2 codes of the creditor's country. */
  creditorCountries?: string[];
}

const DECIMAL = /^\d{1,18}(\.\d{1,18})?$/;

/** Compares two non-negative decimal strings exactly (no floats): -1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  const intA = ai!.replace(/^0+(?=\d)/, '');
  const intB = bi!.replace(/^0+(?=\d)/, '');
  if (intA.length !== intB.length) return intA.length < intB.length ? -1 : 1;
  if (intA !== intB) return intA < intB ? -1 : 1;
  const len = Math.max(af.length, bf.length);
  const fa = af.padEnd(len, '0');
  const fb = bf.padEnd(len, '0');
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

/** Decides whether a payment that passed the business rules waits in PDNG for a consumer's accept or reject. */
export class HoldPolicy {
  private constructor(readonly rules: readonly HoldRule[]) {}

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
      if (!DECIMAL.test(input.amountAbove)) {
        throw new Error(`HOLD_AMOUNT_ABOVE must be a non-negative decimal such as 10000.00, got "${input.amountAbove}"`);
      }
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
      if (typeof r.amountAbove !== 'string' || !DECIMAL.test(r.amountAbove)) {
        throw new Error(`${where}.amountAbove must be a decimal string such as "10000.00"`);
      }
      rule.amountAbove = r.amountAbove;
    }
    if (!rule.clients && !rule.currencies && !rule.creditorCountries && rule.amountAbove === undefined) {
      throw new Error(`${where} has no condition; it would match nothing`);
    }
    return rule;
  }

  /** The first rule that holds this payment, or null. */
  match(p: PaymentSnapshot): HoldRule | null {
    for (const rule of this.rules) if (HoldPolicy.matches(rule, p)) return rule;
    return null;
  }

  private static matches(rule: HoldRule, p: PaymentSnapshot): boolean {
    if (rule.clients && !rule.clients.includes(p.clientId)) return false;
    if (rule.currencies && (!p.amount || !rule.currencies.includes(p.amount.currency))) return false;
    if (rule.amountAbove !== undefined) {
      if (!p.amount || !DECIMAL.test(p.amount.value) || compareDecimal(p.amount.value, rule.amountAbove) <= 0) return false;
    }
    if (rule.creditorCountries) {
      const country = creditorCountryOf(p);
      if (!country || !rule.creditorCountries.includes(country)) return false;
    }
    return true;
  }
}
