import { Inject, Injectable } from '@nestjs/common';
import { Payment, type PaymentSnapshot, type StatusReason } from '#domain';
import { negatePostings, settlementPostings } from '../ledger/settlement-postings.js';
import { CLOCK, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { ConcurrentUpdateError } from '../application.errors.js';
import { AnswerWriter } from '../answers/answer.writer.js';
import type { DecisionResult } from '../decide-payment/decide-payment.command.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import { LedgerError, type Posting } from '../ports/ledger.port.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
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

  private async store(p: Payment, loadedVersion: number, postings: Posting[]): Promise<PaymentSnapshot> {
    const snapshot = p.toSnapshot();
    if (!(await this.repository.update(snapshot, loadedVersion, [], postings))) throw new ConcurrentUpdateError(p.id);
    return { ...snapshot, version: loadedVersion + 1 };
  }

  async cancelSettled(p: Payment, reason: StatusReason, requestTransactionId: string | null): Promise<DecisionResult> {
    const loaded = p.version;
    const now = this.clock.now();
    const at = now.toISOString();
    const postings = this.legs(p);
    const before = p.toSnapshot();
    p.annotate({ cancellation: { state: 'cancelled', requestedAt: at, decidedAt: at, reason, refusal: null, requestTransactionId } }, now);
    p.transition('CANC', now, reason);
    let stored: PaymentSnapshot;
    try {
      await this.reports.write(p.toSnapshot());
      stored = await this.store(p, loaded, postings);
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
      stored = await this.store(refused, loaded, []);
    }
    await this.answers.writeResolution(stored, requestTransactionId ? await this.repository.get(requestTransactionId) : null);
    return { kind: 'completed', transaction: stored, replayed: false };
  }

  async returnSettled(p: Payment, reason: StatusReason): Promise<DecisionResult> {
    const loaded = p.version;
    const now = this.clock.now();
    const at = now.toISOString();
    const postings = this.legs(p);
    p.annotate(
      { returnInfo: { direction: 'outbound', state: 'accepted', at, decidedAt: at, reason, amount: p.details.amount, returnTransactionId: null } },
      now,
    );
    let stored: PaymentSnapshot;
    try {
      stored = await this.store(p, loaded, postings);
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      return { kind: 'not-allowed', transaction: p.toSnapshot(), detail: `the ledger cannot take it back: ${e.message}` };
    }
    // The pacs.004 documents the return; it becomes the latest message of the payment's outbox.
    await this.answers.returnMessage(stored, 'gateway');
    return { kind: 'completed', transaction: stored, replayed: false };
  }
}
