// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot } from '#domain';
import { BusinessRuleContractError, type BusinessRule, type RuleSetOutcome } from './business-rule.js';

const RULE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** ExternalStatusReason1Code is Max4Text; the published codes are four upper-case letters and digits. */
const REASON_CODE = /^[A-Z0-9]{4}$/;

/** Runs its rules one after the other, in order; the first rejection decides and later rules do not run. */
export class BusinessRuleSet {
  readonly rules: readonly BusinessRule[];

  constructor(rules: readonly BusinessRule[]) {
    const seen = new Set<string>();
    for (const rule of rules) {
      if (!RULE_ID.test(rule.id))
        throw new BusinessRuleContractError(`business rule id "${rule.id}" must be lower-case words joined by dashes`);
      if (seen.has(rule.id)) throw new BusinessRuleContractError(`two business rules have the id "${rule.id}"`);
      seen.add(rule.id);
      if (rule.reasonCodes.length === 0 || !rule.reasonCodes.every((c) => REASON_CODE.test(c))) {
        throw new BusinessRuleContractError(`business rule ${rule.id} must declare its ISO reason codes (four characters A-Z 0-9)`);
      }
    }
    this.rules = [...rules];
  }

  /**
   * The rules in a configured order: the ids in `order` first, in that order, then every other rule in
   * the order given (so leaving a rule out of `order` never disables it). An id that is neither one of
   * `rules` nor in `knownIds` (built-in rules that are merely not configured, e.g. `screening` without a
   * SCREENING_URL) is a configuration error.
   */
  static ordered(rules: readonly BusinessRule[], order: readonly string[] = [], knownIds: readonly string[] = []): BusinessRuleSet {
    const byId = new Map(rules.map((r) => [r.id, r] as const));
    const first: BusinessRule[] = [];
    for (const id of order) {
      const rule = byId.get(id);
      if (!rule) {
        if (knownIds.includes(id)) continue;
        throw new BusinessRuleContractError(
          `BUSINESS_RULES_ORDER names "${id}", which is not a business rule (rules: ${[...new Set([...byId.keys(), ...knownIds])].join(', ')})`,
        );
      }
      if (!first.includes(rule)) first.push(rule);
    }
    return new BusinessRuleSet([...first, ...rules.filter((r) => !first.includes(r))]);
  }

  get ids(): string[] {
    return this.rules.map((r) => r.id);
  }

  async evaluate(payment: Readonly<PaymentSnapshot>): Promise<RuleSetOutcome> {
    const notes: Array<{ rule: string; note: string }> = [];
    for (const rule of this.rules) {
      const verdict = await rule.check(payment);
      if (verdict.outcome === 'reject') {
        if (!rule.reasonCodes.includes(verdict.code)) {
          throw new BusinessRuleContractError(`business rule ${rule.id} rejected with ${verdict.code}, which it does not declare`);
        }
        return { outcome: 'reject', rule: rule.id, reason: { code: verdict.code, text: verdict.text } };
      }
      if (verdict.note) notes.push({ rule: rule.id, note: verdict.note });
    }
    return { outcome: 'pass', notes };
  }
}
