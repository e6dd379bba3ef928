// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';
import type { PaymentSnapshot, StatusReason } from '#domain';

export type DecisionAction = 'accept' | 'reject' | 'cancel' | 'return' | 'redrive';

export type DecisionResult =
  /** Done now (`completed`), or under way downstream (`accepted`: a camt.056 / pacs.004 / redriven job). */
  | { kind: 'completed' | 'accepted'; transaction: PaymentSnapshot; replayed: boolean }
  | { kind: 'not-found' }
  /** The status (or kind) of the transaction does not allow this decision. */
  | { kind: 'not-allowed'; transaction: PaymentSnapshot; detail: string };

/** An API consumer's decision on one of its payments (scope `payments:operate`). */
export class DecidePaymentCommand extends Command<DecisionResult> {
  constructor(
    readonly clientId: string,
    readonly transactionId: string,
    readonly action: DecisionAction,
    /** ISO reason for reject (ExternalStatusReason1Code), cancel (ExternalCancellationReason1Code) or return (ExternalReturnReason1Code). */
    readonly reason: StatusReason | null = null,
    /** Set when the decision comes from a message (a camt.056 through the inbox): that transaction's id. */
    readonly requestTransactionId: string | null = null,
  ) {
    super();
  }
}
