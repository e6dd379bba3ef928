// SPDX-License-Identifier: Apache-2.0
import { bicRule, ibanRule } from './account.rules.js';
import { amountLimitRule, amountPositiveRule, currencyRule, type AmountLimits } from './amount.rules.js';
import type { BusinessRule } from './business-rule.js';
import { BusinessRuleSet } from './business-rule-set.js';
import { creditorCountryRule, type CountryLists } from './creditor-country.rule.js';
import { screeningRule, type ScreeningFailurePolicy } from './screening.rule.js';
import type { ScreeningService } from '../ports/screening.port.js';

/** Ids of the built-in rules, in their default order (a rule that is not configured is left out). */
export const BUILT_IN_RULE_IDS = ['currency', 'amount-positive', 'amount-limit', 'iban', 'bic', 'creditor-country', 'screening'] as const;

export interface StandardRuleOptions {
  /** MAX_AMOUNT; null = no limit rule. */
  amountLimits?: AmountLimits | null;
  /** CREDITOR_COUNTRY_ALLOW / _DENY; null or both empty = no country rule. */
  creditorCountries?: CountryLists | null;
  /** SCREENING_URL set: the screening service and its failure policy; null = no screening rule. */
  screening?: { service: ScreeningService; failure: ScreeningFailurePolicy; logger?: { warn(message: string): void } } | null;
  /** A deployment's own rules: they run after the built-in checks and before screening (an external call). */
  extraRules?: readonly BusinessRule[];
  /** BUSINESS_RULES_ORDER: these ids first, in this order; the rest keep the default order. */
  order?: readonly string[];
}

/** The gateway's rule set: the built-in rules that are configured, plus any extra ones, in order. */
export function standardBusinessRules(opts: StandardRuleOptions = {}): BusinessRuleSet {
  const rules: BusinessRule[] = [currencyRule, amountPositiveRule];
  if (opts.amountLimits) rules.push(amountLimitRule(opts.amountLimits));
  rules.push(ibanRule, bicRule);
  const countries = opts.creditorCountries;
  if (countries && (countries.allow !== null || countries.deny.length > 0)) rules.push(creditorCountryRule(countries));
  rules.push(...(opts.extraRules ?? []));
  if (opts.screening) rules.push(screeningRule(opts.screening.service, opts.screening));
  return BusinessRuleSet.ordered(rules, opts.order ?? [], BUILT_IN_RULE_IDS);
}
