import { Inject, Injectable } from '@nestjs/common';
import { Payment, type PaymentSnapshot, type StatusReason } from '#domain';
import { negatePostings, settlementPostings } from '../ledger/settlement-postings.js';
import { CLOCK, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { AnswerWriter } from '../answers/answer.writer.js';
import type { DecisionResult } from '../decide-payment/decide-payment.command.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import { LedgerError, type Posting } from '../ports/ledger.port.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import { savePayment, type OutgoingMessage } from '../payment-steps.js';
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
  ) {}

  private legs(p: Payment): Posting[] {
    return this.settings.ledger ? negatePostings(settlementPostings(p.toSnapshot())) : [];
  }

  private async store(p: Payment, postings: Posting[], outgoing: OutgoingMessage[]): Promise<PaymentSnapshot> {
    const deps = { repository: this.repository, archive: this.answers.archive, clock: this.clock };
    return (await savePayment(deps, p, { postings, outgoing })).toSnapshot();
  }

  async cancelSettled(p: Payment, reason: StatusReason, requestTransactionId: string | null): Promise<DecisionResult> {
    const now = this.clock.now();
    const at = now.toISOString();
    const postings = this.legs(p);
    const before = p.toSnapshot();
    p.annotate({ cancellation: { state: 'cancelled', requestedAt: at, decidedAt: at, reason, refusal: null, requestTransactionId } }, now);
    p.transition('CANC', now, reason);
    let stored: PaymentSnapshot;
    try {
      // The pacs.002 (CANC), then the camt.029: stored with the reversal, so the camt.029 is the latest message.
      const moved = p.toSnapshot();
      stored = await this.store(p, postings, [await this.reports.report(moved), await this.answers.resolution(moved)]);
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      // The creditor already spent the funds: the cancellation is refused and the payment stays settled.
      const refused = Payment.fromSnapshot(before);
      refused.recordDecision({ action: 'cancel', at, by: 'gateway', reason });
      refused.annotate(
        {
          cancellation: {
            state: 'refused',
            requestedAt: at,
            decidedAt: at,
            reason,
            refusal: { code: 'AM04', text: `the ledger refused the reversal: ${e.message}` },
            requestTransactionId,
          },
        },
        now,
      );
      stored = await this.store(refused, [], [await this.answers.resolution(refused.toSnapshot())]);
    }
    return { kind: 'completed', transaction: stored, replayed: false };
  }

  async returnSettled(p: Payment, reason: StatusReason): Promise<DecisionResult> {
    const now = this.clock.now();
    const at = now.toISOString();
    const postings = this.legs(p);
    p.annotate(
      { returnInfo: { direction: 'outbound', state: 'accepted', at, decidedAt: at, reason, amount: p.details.amount, returnTransactionId: null } },
      now,
    );
    let stored: PaymentSnapshot;
    try {
      // The pacs.004 documents the return; stored with it, it becomes the latest message of the payment's outbox.
      stored = await this.store(p, postings, [await this.answers.returnMessage(p.toSnapshot(), 'gateway')]);
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      return { kind: 'not-allowed', transaction: p.toSnapshot(), detail: `the ledger cannot take it back: ${e.message}` };
    }
    return { kind: 'completed', transaction: stored, replayed: false };
  }
}
