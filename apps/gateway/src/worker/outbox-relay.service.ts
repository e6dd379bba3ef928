// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RegionOwnership, WORK_QUEUE, WORK_QUEUE_SIGNAL, type WorkQueue, type WorkSignal } from '#application';
import { DynamoDbOutbox } from '#adapters/aws';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '../config/namespaces.js';
import { runWithLogContext } from '../logging/log-context.js';

/** How many outbox items one claim takes, and how long it holds them. */
const BATCH = 100;
const LEASE_MS = 30_000;

/**
 * STORE=dynamodb: sends the jobs left in the DynamoDB outbox to the work queue — those whose state change
 * committed but whose immediate hand-over (QueueForwardingRepository) did not happen: the process died in
 * between, or the queue refused. Claims are leases, so several instances relay side by side and a relay
 * that dies mid-way leaves its claims to the others. Runs every SWEEP_INTERVAL_MS in each worker process.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('OutboxRelay');
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private passes = 0;
  /**
   * For GET /metrics: jobs the last finished pass found due in the outbox (a failed pass: those it claimed before
   * failing), jobs relayed and passes failed since start.
   */
  readonly totals = { lastBacklog: 0, relayed: 0, failedPasses: 0 };

  constructor(
    private readonly outbox: DynamoDbOutbox,
    @Inject(WORK_QUEUE) private readonly queue: WorkQueue,
    @Inject(WORK_QUEUE_SIGNAL) private readonly signal: WorkSignal,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
    /** CONSISTENCY=eventual: only the jobs of the home regions this region owns (never a replicated copy of a peer's). */
    @Optional() @Inject(RegionOwnership) private readonly ownership: RegionOwnership | null = null,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.pass) return;
      // its lines carry `jobType: "outbox-relay"` and the pass's number
      this.pass = runWithLogContext({ jobType: 'outbox-relay', pass: ++this.passes }, () =>
        this.relay()
          .then((n) => {
            if (n > 0) this.log.log(`relayed ${n} job(s) left in the outbox`);
          })
          .catch((e: unknown) => {
            this.totals.failedPasses++;
            this.log.warn(`relay failed: ${(e as Error).message}`);
          }),
      ).finally(() => (this.pass = null));
    }, this.worker.sweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.pass;
  }

  /** One pass: claims due outbox items until none are left, sends them, deletes them; returns how many. */
  async relay(): Promise<number> {
    let total = 0;
    let found = 0;
    const regions = this.ownership?.regions();
    if (regions?.length === 0) return 0; // fenced, or not beaten yet
    try {
      for (;;) {
        const claimed = await this.outbox.claim(BATCH, LEASE_MS, regions);
        found += claimed.length;
        if (claimed.length === 0) return total;
        const jobs = claimed.map((c) => c.job);
        await this.queue.enqueue(jobs);
        await this.outbox.complete(jobs);
        this.signal.notify();
        total += jobs.length;
        this.totals.relayed += jobs.length;
        if (claimed.length < BATCH) return total;
      }
    } finally {
      this.totals.lastBacklog = found;
    }
  }
}
