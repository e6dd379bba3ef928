// SPDX-License-Identifier: Apache-2.0
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { NON_TERMINAL_STATUSES } from '#domain';
import { CLOCK, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY, WORK_QUEUE, WORK_QUEUE_SIGNAL } from '../application.tokens.js';
import { nextStepJob } from '../payment-jobs.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { Job, WorkQueue } from '../ports/work-queue.port.js';
import type { WorkSignal } from '../work-signal.js';
import { TakeOverRegionCommand } from './take-over-region.command.js';

@CommandHandler(TakeOverRegionCommand)
export class TakeOverRegionHandler implements ICommandHandler<TakeOverRegionCommand, { redriven: number }> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(WORK_QUEUE) private readonly queue: WorkQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
    @Inject(WORK_QUEUE_SIGNAL) private readonly signal: WorkSignal,
  ) {}

  async execute(cmd: TakeOverRegionCommand): Promise<{ redriven: number }> {
    const before = new Date(this.clock.now().getTime() - this.settings.recoveryAfterMs);
    const stale = await this.repository.findStale(NON_TERMINAL_STATUSES, before, cmd.batchSize);
    const jobs: Job[] = [];
    for (const p of stale) {
      if (p.homeRegion !== cmd.region) continue;
      const job = nextStepJob(p, `takeover-${cmd.region}-e${cmd.epoch}-v${p.version}`);
      if (job) jobs.push(job);
    }
    if (jobs.length) {
      await this.queue.enqueue(jobs);
      this.signal.notify();
    }
    return { redriven: jobs.length };
  }
}
