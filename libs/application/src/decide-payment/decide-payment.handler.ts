// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, EventBus } from '@nestjs/cqrs';
import { Payment } from '#domain';
import { CLOCK, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY, WORK_QUEUE, WORK_QUEUE_SIGNAL } from '../application.tokens.js';
import { AnswerWriter } from '../answers/answer.writer.js';
import { CoreSettlement } from '../core-settlement/core-settlement.js';
import { cancelJob, nextStepJob, releaseJob, returnJob } from '../payment-jobs.js';
import { onFreshState, savePayment } from '../payment-steps.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { WorkQueue } from '../ports/work-queue.port.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import type { WorkSignal } from '../work-signal.js';
import { DecidePaymentCommand, type DecisionResult } from './decide-payment.command.js';
import { liveJobsUnlessBusy } from '../live-jobs.js';

/**
 * Accept, reject, cancel, return and redrive. Each is idempotent (asking again for what was already decided
 * answers with the transaction as it stands) and refused with `not-allowed` when the status does not allow it.
 * A decision that lost a race with the pipeline is decided again on the fresh state.
 */
@CommandHandler(DecidePaymentCommand)
export class DecidePaymentHandler implements ICommandHandler<DecidePaymentCommand, DecisionResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(WORK_QUEUE) private readonly queue: WorkQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
    @Inject(WORK_QUEUE_SIGNAL) private readonly signal: WorkSignal,
    private readonly reports: StatusReportWriter,
    private readonly answers: AnswerWriter,
    private readonly core: CoreSettlement,
    @Optional() @Inject(EventBus) private readonly events: EventBus | null = null,
  ) {}

  async execute(cmd: DecidePaymentCommand): Promise<DecisionResult> {
    return onFreshState(async () => {
      const snapshot = await this.repository.get(cmd.transactionId);
      if (!snapshot || snapshot.clientId !== cmd.clientId) return { kind: 'not-found' };
      const payment = Payment.fromSnapshot(snapshot);
      if (payment.kind !== 'payment') {
        return { kind: 'not-allowed', transaction: snapshot, detail: `transaction ${snapshot.id} is a ${payment.kind}, not a payment` };
      }
      const result = await this.decide(payment, cmd);
      if (result.kind === 'accepted' && !result.replayed) this.signal.notify();
      return result;
    });
  }

  private get deps() {
    return { repository: this.repository, reports: this.reports, clock: this.clock, events: this.events };
  }

  private decide(p: Payment, cmd: DecidePaymentCommand): Promise<DecisionResult> {
    switch (cmd.action) {
      case 'accept':
        return this.accept(p, cmd);
      case 'reject':
        return this.reject(p, cmd);
      case 'cancel':
        return this.cancel(p, cmd);
      case 'return':
        return this.return(p, cmd);
      case 'redrive':
        return this.redrive(p, cmd);
    }
  }

  private static done(kind: 'completed' | 'accepted', p: Payment, replayed = false): DecisionResult {
    return { kind, transaction: p.toSnapshot(), replayed };
  }

  private static refuse(p: Payment, detail: string): DecisionResult {
    return { kind: 'not-allowed', transaction: p.toSnapshot(), detail };
  }

  private async accept(p: Payment, cmd: DecidePaymentCommand): Promise<DecisionResult> {
    if (!p.isHeld) {
      if (p.hasDecision('accept')) return DecidePaymentHandler.done(p.isTerminal ? 'completed' : 'accepted', p, true);
      return DecidePaymentHandler.refuse(p, `status ${p.status}: only a payment held for a decision (PDNG) can be accepted`);
    }
    p.accept(cmd.clientId, this.clock.now());
    const stored = await savePayment(this.deps, p, { jobs: [releaseJob(p.id, `accept-v${p.version}`)] });
    return DecidePaymentHandler.done('accepted', stored);
  }

  private async reject(p: Payment, cmd: DecidePaymentCommand): Promise<DecisionResult> {
    if (p.status === 'RJCT' && p.hasDecision('reject')) return DecidePaymentHandler.done('completed', p, true);
    if (!p.isBeforeRelease) {
      return DecidePaymentHandler.refuse(
        p,
        p.isTerminal
          ? `status ${p.status} is final`
          : `status ${p.status}: the payment was already released to the legacy host; cancel it instead`,
      );
    }
    p.reject(cmd.clientId, cmd.reason ?? { code: 'NARR', text: `rejected by ${cmd.clientId}` }, this.clock.now());
    return DecidePaymentHandler.done('completed', await savePayment(this.deps, p));
  }

  private async cancel(p: Payment, cmd: DecidePaymentCommand): Promise<DecisionResult> {
    const c = p.details.cancellation;
    if (c && p.hasDecision('cancel')) {
      if (c.state === 'cancelled') return DecidePaymentHandler.done('completed', p, true);
      if (c.state === 'requested' || c.state === 'pending') return DecidePaymentHandler.done('accepted', p, true);
    }
    if (c?.state === 'refused') {
      return DecidePaymentHandler.refuse(
        p,
        `the legacy host refused to cancel it (${c.refusal?.code ?? 'no reason'}); it stays ${p.status}`,
      );
    }
    if (c && (c.state === 'requested' || c.state === 'pending')) {
      return DecidePaymentHandler.done('accepted', p, true);
    }
    if (p.status === 'RJCT' || p.status === 'CANC') return DecidePaymentHandler.refuse(p, `status ${p.status} is final`);
    if (p.details.returnInfo) return DecidePaymentHandler.refuse(p, 'the payment was returned; it cannot be cancelled');
    const reason = cmd.reason ?? { code: 'CUST', text: null };
    const now = this.clock.now();

    if (p.isBeforeRelease) {
      // Nothing went downstream: cancelled here and now. The camt.029 is stored with the cancellation; the
      // camt.056 transaction that asked stores its copy when it ends.
      p.cancelBeforeRelease(cmd.clientId, reason, cmd.requestTransactionId, now);
      const stored = await savePayment(this.deps, p, { outgoing: async (moved) => [await this.answers.resolution(moved)] });
      return DecidePaymentHandler.done('completed', stored);
    }
    if (this.settings.mode === 'core') {
      // The gateway settled it itself: it reverses its own postings (refused when the creditor's balance no longer covers them).
      return this.core.cancelSettled(p, cmd.clientId, reason, cmd.requestTransactionId);
    }
    // Released: the legacy host decides through a camt.056 / camt.029 exchange (the cancel job).
    p.requestCancellation(cmd.clientId, reason, cmd.requestTransactionId, now);
    const stored = await savePayment(this.deps, p, { jobs: [cancelJob(p.id, `v${p.version}`)] });
    return DecidePaymentHandler.done('accepted', stored);
  }

  private async return(p: Payment, cmd: DecidePaymentCommand): Promise<DecisionResult> {
    const r = p.details.returnInfo;
    if (r && r.direction === 'outbound' && p.hasDecision('return')) {
      return DecidePaymentHandler.done(r.state === 'requested' || r.state === 'pending' ? 'accepted' : 'completed', p, true);
    }
    if (r) return DecidePaymentHandler.refuse(p, `the payment was already returned (${r.direction})`);
    if (p.status !== 'ACSC') {
      return DecidePaymentHandler.refuse(p, `status ${p.status}: only a settled payment (ACSC) can be returned`);
    }
    const reason = cmd.reason ?? { code: 'CUST', text: null };
    p.requestReturn(cmd.clientId, reason, this.clock.now());
    if (this.settings.mode === 'core') return this.core.returnSettled(p);
    const stored = await savePayment(this.deps, p, { jobs: [returnJob(p.id, `v${p.version}`)] });
    return DecidePaymentHandler.done('accepted', stored);
  }

  /**
   * Dead-lettered jobs go back to the queue; otherwise the payment gets the job of its next step, unless a job
   * still carries it on (the operator re-drive's rule, ADR 0019: a payment never gets a second live job). A live
   * job answers as a replay (`accepted`, nothing enqueued or recorded): the payment is on its way already. On a
   * queue that cannot look jobs up (SQS), the job is enqueued only while no job waits or runs (the sweeper's
   * rule); otherwise the redrive is refused, to be asked again when the queue is idle.
   */
  private async redrive(p: Payment, cmd: DecidePaymentCommand): Promise<DecisionResult> {
    if (p.isHeld) return DecidePaymentHandler.refuse(p, 'the payment is held for a decision: accept or reject it');
    const moved = await this.queue.redrive(p.id);
    const job = moved > 0 ? null : nextStepJob(p.toSnapshot(), `redrive-v${p.version}`);
    if (moved === 0 && !job) {
      return DecidePaymentHandler.refuse(p, `status ${p.status}: nothing is pending or failed, there is nothing to re-drive`);
    }
    if (job) {
      const live = await liveJobsUnlessBusy(this.queue, [p.id], this.clock.now());
      if (live === 'busy') {
        return DecidePaymentHandler.refuse(
          p,
          'the queue cannot tell whether a job carries the payment on while other jobs wait or run: ask again when it is idle',
        );
      }
      if (live.has(p.id)) return DecidePaymentHandler.done('accepted', p, true);
    }
    // Recording the decision bumps the version, so a later redrive gets a fresh deduplication id.
    p.recordRedrive(cmd.clientId, this.clock.now());
    return DecidePaymentHandler.done('accepted', await savePayment(this.deps, p, { jobs: job ? [job] : [] }));
  }
}
