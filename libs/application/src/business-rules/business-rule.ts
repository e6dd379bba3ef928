// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot, StatusReason } from '#domain';

/**
 * What a rule says about a payment: it passes (optionally with a note that is recorded on the payment's
 * ACTC history entry, e.g. "screening skipped"), or it rejects it with an ISO 20022
 * ExternalStatusReason1Code and a text for the pacs.002.
 */
export type RuleVerdict =
  { readonly outcome: 'pass'; readonly note?: string } | { readonly outcome: 'reject'; readonly code: string; readonly text: string };

/**
 * One business rule of the process step. Rules run in a configured order and the first rejection
 * decides (RJCT with its code, and a pacs.002). To add one, see docs/business-rules.md.
 *
 * `check` must not change the payment and must be safe to run again: a job can be redelivered. It may
 * throw to make the process step fail retryably (the job is retried with backoff and the payment stays
 * RCVD), e.g. when a service it depends on is down and the rule must not decide without it.
 */
export interface BusinessRule {
  /** Stable id (lower-case, dashes): used in BUSINESS_RULES_ORDER, logs and the rejection text. */
  readonly id: string;
  /** The ISO ExternalStatusReason1Code values this rule rejects with. A rejection with another code is a bug. */
  readonly reasonCodes: readonly string[];
  check(payment: Readonly<PaymentSnapshot>): Promise<RuleVerdict>;
}

export const pass = (note?: string): RuleVerdict => (note ? { outcome: 'pass', note } : { outcome: 'pass' });
export const reject = (code: string, text: string): RuleVerdict => ({ outcome: 'reject', code, text });

/** What the whole rule set decided. */
export type RuleSetOutcome =
  | { readonly outcome: 'pass'; readonly notes: ReadonlyArray<{ rule: string; note: string }> }
  | { readonly outcome: 'reject'; readonly rule: string; readonly reason: StatusReason };

/** A rule broke its contract (bad id, undeclared or malformed reason code); a programming error. */
export class BusinessRuleContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BusinessRuleContractError';
  }
}
