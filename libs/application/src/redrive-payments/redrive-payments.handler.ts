// SPDX-License-Identifier: Apache-2.0
import { Inject, Logger, Optional } from '@nestjs/common';
import { CommandHandler, EventBus, type ICommandHandler } from '@nestjs/cqrs';
import { NON_TERMINAL_STATUSES, Payment } from '#domain';
import { CLOCK, TRANSACTION_REPOSITORY, WORK_QUEUE, WORK_QUEUE_SIGNAL } from '../application.tokens.js';
import { nextStepJob } from '../payment-jobs.js';
import { onFreshState, savePayment } from '../payment-steps.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { JobType, WorkQueue } from '../ports/work-queue.port.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import type { WorkSignal } from '../work-signal.js';
import { MAX_REDRIVE, RedrivePaymentsCommand, type RedriveOutcome, type RedriveResult } from './redrive-payments.command.js';
import { liveJobsUnlessBusy } from '../live-jobs.js';

/**
 * The operator's bulk re-drive, payment by payment:
 * - a payment with dead-lettered jobs gets them back in the queue (`WorkQueue.redrive`);
 * - otherwise a payment without a live job (none queued, delayed, retrying or in flight) gets the job of its next
 *   step (`nextStepJob`, what the recovery sweeper enqueues), written with the payment in one conditional write;
 * - a payment with a live job is skipped: it never gets a second one. When the queue cannot look jobs up by
 *   transaction (SQS), a payment is re-driven only while no job waits or runs at all (the sweeper's rule).
 * Each re-drive is recorded on the payment as a decision by `operator:<client id>`, which also gives its next
 * re-drive a fresh deduplication id. A dry run goes through the same checks and writes nothing.
 */
@CommandHandler(RedrivePaymentsCommand)
export class RedrivePaymentsHandler implements ICommandHandler<RedrivePaymentsCommand, RedriveResult> {
  private readonly log = new Logger('OperatorRedrive');

  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(WORK_QUEUE) private readonly queue: WorkQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WORK_QUEUE_SIGNAL) private readonly signal: WorkSignal,
    private readonly reports: StatusReportWriter,
    @Optional() @Inject(EventBus) private readonly events: EventBus | null = null,
  ) {}

  private get deps() {
    return { repository: this.repository, reports: this.reports, clock: this.clock, events: this.events };
  }

  async execute(cmd: RedrivePaymentsCommand): Promise<RedriveResult> {
    const deadLetters = await this.queue.listDeadLetters(MAX_REDRIVE);
    const dead = new Map<string, JobType>();
    for (const d of [...deadLetters].sort((a, b) => (a.at < b.at ? -1 : 1))) {
      if (!dead.has(d.job.transactionId)) dead.set(d.job.transactionId, d.job.type);
    }
    const ids = await this.select(cmd, [...dead.keys()]);
    const items: RedriveOutcome[] = [];
    for (const id of ids) {
      try {
        items.push(await this.one(id, dead.get(id) ?? null, cmd));
      } catch (e) {
        items.push({ transactionId: id, outcome: 'skipped', reason: `failed: ${(e as Error).message}` });
      }
    }
    const redriven = items.filter((i) => i.outcome === 'redriven').length;
    if (redriven > 0 && !cmd.dryRun) this.signal.notify();
    return { dryRun: cmd.dryRun, redriven, skipped: items.length - redriven, items };
  }

  /** The selected transaction ids: the named ones, then the dead-lettered, then the stuck; each once, at most MAX_REDRIVE. */
  private async select(cmd: RedrivePaymentsCommand, deadLettered: string[]): Promise<string[]> {
    const s = cmd.selection;
    const ids = new Set<string>(s.transactionIds ?? []);
    if (s.deadLettered) for (const id of deadLettered) ids.add(id);
    if (s.stuckOlderThanSeconds !== undefined) {
      const before = new Date(this.clock.now().getTime() - Math.max(0, s.stuckOlderThanSeconds) * 1000);
      for (const p of await this.repository.findStale(NON_TERMINAL_STATUSES, before, MAX_REDRIVE)) ids.add(p.id);
    }
    return [...ids].slice(0, MAX_REDRIVE);
  }

  private async one(id: string, deadJob: JobType | null, cmd: RedrivePaymentsCommand): Promise<RedriveOutcome> {
    const skipped = (reason: string): RedriveOutcome => ({ transactionId: id, outcome: 'skipped', reason });
    const snapshot = await this.repository.get(id);
    if (!snapshot) return skipped('no such transaction');
    const payment = Payment.fromSnapshot(snapshot);
    if (payment.kind !== 'payment') return skipped(`a ${payment.kind}, not a payment`);
    if (payment.isHeld) return skipped('held for a decision: its client accepts or rejects it');
    if (deadJob) {
      if (cmd.dryRun) return { transactionId: id, outcome: 'redriven', via: 'dead-letter', jobType: deadJob };
      const moved = await this.queue.redrive(id);
      if (moved > 0) {
        await this.record(id, cmd.by);
        return { transactionId: id, outcome: 'redriven', via: 'dead-letter', jobType: deadJob };
      }
      // someone re-drove it meanwhile: it is judged as any other payment below
    }
    return onFreshState(async () => {
      const fresh = await this.repository.get(id);
      if (!fresh) return skipped('no such transaction');
      const p = Payment.fromSnapshot(fresh);
      const live = await liveJobsUnlessBusy(this.queue, [id], this.clock.now());
      if (live === 'busy') {
        return skipped('the queue cannot tell whether it has a live job (SQS) while jobs wait or run: try again when the queue is idle');
      }
      const liveJob = live.get(id);
      if (liveJob) return skipped(`it has a live job (${liveJob.type}, ${liveJob.attempts} attempt(s)): it is not stranded`);
      if (p.isHeld) return skipped('held for a decision: its client accepts or rejects it');
      const job = nextStepJob(fresh, `redrive-v${p.version}`);
      if (!job) return skipped(`status ${p.status}: nothing is pending or failed, there is nothing to re-drive`);
      if (cmd.dryRun) return { transactionId: id, outcome: 'redriven', via: 'next-step', jobType: job.type };
      p.recordRedrive(`operator:${cmd.by}`, this.clock.now());
      await savePayment(this.deps, p, { jobs: [job] });
      return { transactionId: id, outcome: 'redriven', via: 'next-step', jobType: job.type };
    });
  }

  /** Records a dead-letter re-drive on the payment (the jobs moved already: a failure here is only logged). */
  private async record(id: string, by: string): Promise<void> {
    try {
      await onFreshState(async () => {
        const snapshot = await this.repository.get(id);
        if (!snapshot) return;
        const p = Payment.fromSnapshot(snapshot);
        p.recordRedrive(`operator:${by}`, this.clock.now());
        await savePayment(this.deps, p);
      });
    } catch (e) {
      this.log.warn(`re-drive of ${id} done, its record on the payment failed: ${(e as Error).message}`);
    }
  }
}
