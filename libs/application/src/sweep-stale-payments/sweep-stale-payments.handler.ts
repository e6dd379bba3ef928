// SPDX-License-Identifier: Apache-2.0
import { Inject, Logger, Optional } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler, EventBus } from '@nestjs/cqrs';
import { NON_TERMINAL_STATUSES, ReasonCode, type PaymentStatus } from '#domain';
import { CLOCK, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY, WORK_QUEUE, WORK_QUEUE_SIGNAL } from '../application.tokens.js';
import { ConcurrentUpdateError } from '../application.errors.js';
import { loadPayment, savePayment } from '../payment-steps.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { Job, WorkQueue } from '../ports/work-queue.port.js';
import { ReleasePaymentCommand } from '../release-payment/release-payment.command.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { nextStepJob } from '../payment-jobs.js';
import type { WorkSignal } from '../work-signal.js';
import { SweepStalePaymentsCommand, type SweepResult } from './sweep-stale-payments.command.js';
import { liveJobsUnlessBusy } from '../live-jobs.js';

/** Completed jobs forgotten per write, and writes per pass (the rest waits for the next pass). */
const PURGE_BATCH = 500;
const PURGE_BATCHES_PER_PASS = 20;

/** Statuses in which the payment waits on the host: the SLA ends them only after one last idempotent ask. */
const DOWNSTREAM: readonly PaymentStatus[] = ['ACSP', 'PDNG'];

@CommandHandler(SweepStalePaymentsCommand)
export class SweepStalePaymentsHandler implements ICommandHandler<SweepStalePaymentsCommand, SweepResult> {
  private readonly log = new Logger('Sweeper');

  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(WORK_QUEUE) private readonly queue: WorkQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
    @Inject(WORK_QUEUE_SIGNAL) private readonly signal: WorkSignal,
    private readonly reports: StatusReportWriter,
    private readonly commands: CommandBus,
    @Optional() @Inject(EventBus) private readonly events: EventBus | null = null,
  ) {}

  async execute(cmd: SweepStalePaymentsCommand): Promise<SweepResult> {
    const now = this.clock.now().getTime();
    let timedOut = 0;
    let waiting = 0;
    const ours = (p: { homeRegion?: string }) => cmd.regions === null || p.homeRegion === undefined || cmd.regions.includes(p.homeRegion);
    const late = (await this.repository.findStale(NON_TERMINAL_STATUSES, new Date(now - this.settings.slaMs), cmd.batchSize)).filter(ours);
    const lateJobs = late.length ? await this.queue.liveJobs(late.map((p) => p.id)) : null;
    for (const stale of late) {
      // Waiting in the gateway's own queue (its job never handed out yet): the backlog is the gateway's doing,
      // not the payment's; admission control keeps it short. It is neither timed out nor asked about.
      const job = lateJobs?.get(stale.id);
      if (job && job.attempts === 0 && !job.carriedOn) {
        waiting++;
        continue;
      }
      try {
        const held = stale.status === 'PDNG' && stale.hold != null;
        if ((stale.kind ?? 'payment') !== 'payment') continue;
        // Outcome unknown: never timed out into a rejection; its status requests go on (recovery below).
        if (stale.investigation) continue;
        if (DOWNSTREAM.includes(stale.status) && this.settings.mode === 'proxy' && !held) {
          // The host may have settled it: ask once more (idempotent by UETR); its answer wins, and without one
          // the payment is put under investigation (outcome unknown), never rejected.
          await this.commands.execute(new ReleasePaymentCommand(stale.id, true));
        } else {
          const payment = await loadPayment(this.repository, stale.id);
          if (payment.isTerminal) continue;
          payment.timeOut(
            {
              code: ReasonCode.TIMEOUT_CREDITOR_AGENT,
              text: held
                ? `held and not decided within the SLA of ${this.settings.slaMs / 1000}s`
                : `not completed within the SLA of ${this.settings.slaMs / 1000}s`,
            },
            this.clock.now(),
            this.settings.mode === 'core',
          );
          await savePayment({ repository: this.repository, reports: this.reports, clock: this.clock, events: this.events }, payment);
        }
        timedOut++;
      } catch (e) {
        if (!(e instanceof ConcurrentUpdateError)) {
          this.log.warn({
            msg: `SLA sweep of ${stale.id} failed: ${(e as Error).message}`,
            transactionId: stale.id,
            uetr: stale.uetr ?? null,
            clientId: stale.clientId,
          });
        }
      }
    }

    const jobs = await this.strandedJobs(now, cmd.batchSize, ours);
    if (jobs.length) {
      await this.queue.enqueue(jobs);
      this.signal.notify();
    }
    // Housekeeping in short writes, so that a large purge never holds the event loop.
    const before = new Date(now - this.settings.completedJobRetentionMs);
    for (let i = 0; i < PURGE_BATCHES_PER_PASS; i++) {
      if ((await this.queue.purgeCompleted(before, PURGE_BATCH)) < PURGE_BATCH) break;
    }
    return { timedOut, redriven: jobs.length, waiting };
  }

  /**
   * Re-drives of the payments that are stranded: not updated for RECOVERY_AFTER_SECONDS and without a live job
   * (none queued, delayed, retrying or in flight). A payment whose job still waits is a backlog, not stranded.
   * When the queue cannot say which payments have jobs (SQS), nothing is re-driven while any job waits or runs:
   * SQS keeps what it was given, visibility timeouts bring back a dead worker's jobs, and the outbox relay sends
   * what a crash left unsent; this sweeper is the last resort for what falls through all three.
   */
  private async strandedJobs(now: number, limit: number, ours: (p: { homeRegion?: string }) => boolean): Promise<Job[]> {
    const old = (await this.repository.findStale(NON_TERMINAL_STATUSES, new Date(now - this.settings.recoveryAfterMs), limit)).filter(ours);
    if (old.length === 0) return [];
    const live = await liveJobsUnlessBusy(
      this.queue,
      old.map((p) => p.id),
      new Date(now),
    );
    if (live === 'busy') return [];
    const jobs: Job[] = [];
    for (const p of old) {
      if (live.has(p.id)) continue;
      // One re-drive per stored version: the dedup id stops the sweeper from piling up jobs for one state.
      const job = nextStepJob(p, `recover-v${p.version}`);
      if (job) jobs.push(job);
    }
    return jobs;
  }
}
