// SPDX-License-Identifier: Apache-2.0
import { EventBus } from '@nestjs/cqrs';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Payment, type PaymentSnapshot, type StatusReason } from '#domain';
import { negatePostings, settlementPostings } from '../ledger/settlement-postings.js';
import { CLOCK, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { AnswerWriter } from '../answers/answer.writer.js';
import type { DecisionResult } from '../decide-payment/decide-payment.command.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import { LedgerError, type Posting } from '../ports/ledger.port.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { OutgoingMessage } from '../outgoing-message.js';
import { savePayment } from '../payment-steps.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';

/**
 * MODE=core: the gateway is the settler, so it also decides cancellations after settlement and returns:
 * it reverses its own postings in the same atomic write as the change (refused when the creditor's balance
 * no longer covers them).
 */
@Injectable()
export class CoreSettlement {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
    private readonly reports: StatusReportWriter,
    private readonly answers: AnswerWriter,
    @Optional() @Inject(EventBus) private readonly events: EventBus | null = null,
  ) {}

  private legs(p: Payment): Posting[] {
    return this.settings.ledger ? negatePostings(settlementPostings(p.toSnapshot())) : [];
  }

  private async store(
    p: Payment,
    postings: Posting[],
    outgoing: (moved: PaymentSnapshot) => Promise<OutgoingMessage[]>,
  ): Promise<PaymentSnapshot> {
    const deps = { repository: this.repository, reports: this.reports, clock: this.clock, events: this.events };
    return (await savePayment(deps, p, { postings, outgoing })).toSnapshot();
  }

  /** ACSC -> CANC with the reversal of its postings, its pacs.002 and its camt.029, or the cancellation refused (AM04). */
  async cancelSettled(p: Payment, by: string, reason: StatusReason, requestTransactionId: string | null): Promise<DecisionResult> {
    const now = this.clock.now();
    const postings = this.legs(p);
    const before = p.toSnapshot();
    p.cancelSettled(by, reason, requestTransactionId, now);
    let stored: PaymentSnapshot;
    try {
      // The pacs.002 (CANC), then the camt.029: stored with the reversal, so the camt.029 is the latest message.
      stored = await this.store(p, postings, async (moved) => [await this.answers.resolution(moved)]);
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      // The creditor already spent the funds: the cancellation is refused and the payment stays settled.
      const refused = Payment.fromSnapshot(before);
      refused.requestCancellation(by, reason, requestTransactionId, now);
      refused.applyCancellationOutcome(
        { kind: 'refused', refusal: { code: 'AM04', text: `the ledger refused the reversal: ${e.message}` } },
        now,
      );
      stored = await this.store(refused, [], async (moved) => [await this.answers.resolution(moved)]);
    }
    return { kind: 'completed', transaction: stored, replayed: false };
  }

  /** A return asked of a settled payment: accepted at once with the reversal of its postings and its pacs.004. */
  async returnSettled(p: Payment): Promise<DecisionResult> {
    const postings = this.legs(p);
    p.applyReturnOutcome({ kind: 'accepted' }, this.clock.now());
    try {
      // The pacs.004 documents the return; stored with it, it becomes the latest message of the payment's outbox.
      const stored = await this.store(p, postings, async (moved) => [await this.answers.returnMessage(moved, 'gateway')]);
      return { kind: 'completed', transaction: stored, replayed: false };
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      return { kind: 'not-allowed', transaction: p.toSnapshot(), detail: `the ledger cannot take it back: ${e.message}` };
    }
  }
}
