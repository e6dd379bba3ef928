import { Inject, Logger } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
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
  ) {}

  async execute(cmd: SweepStalePaymentsCommand): Promise<SweepResult> {
    const now = this.clock.now().getTime();
    let timedOut = 0;
    const late = await this.repository.findStale(NON_TERMINAL_STATUSES, new Date(now - this.settings.slaMs), cmd.batchSize);
    for (const stale of late) {
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
          await savePayment({ repository: this.repository, reports: this.reports, clock: this.clock }, payment);
        }
        timedOut++;
      } catch (e) {
        if (!(e instanceof ConcurrentUpdateError)) this.log.warn(`SLA sweep of ${stale.id} failed: ${(e as Error).message}`);
      }
    }

    const stranded = await this.repository.findStale(NON_TERMINAL_STATUSES, new Date(now - this.settings.recoveryAfterMs), cmd.batchSize);
    const jobs: Job[] = [];
    for (const p of stranded) {
      // One re-drive per stored version: the dedup id stops the sweeper from piling up jobs for one state.
      const job = nextStepJob(p, `recover-v${p.version}`);
      if (job) jobs.push(job);
    }
    if (jobs.length) {
      await this.queue.enqueue(jobs);
      this.signal.notify();
    }
    await this.queue.purgeCompleted(new Date(now - this.settings.completedJobRetentionMs));
    return { timedOut, redriven: jobs.length };
  }
}
