// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ConcurrentUpdateError,
  HostUnavailableError,
  CancelPaymentCommand,
  JobType,
  ReturnPaymentCommand,
  ProcessPaymentCommand,
  InquirePaymentStatusCommand,
  PublishStatusReportCommand,
  ReleasePaymentCommand,
  StatusReportWriter,
  TransactionNotFoundError,
  WaitingForDependencyError,
  RegionNotHomeError,
  backoffDelay,
  WORK_QUEUE,
  type Job,
  type ReceivedJob,
  type WorkQueue,
} from '#application';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '../config/namespaces.js';
import { RegionService } from '../region/region.service.js';
import { Tracing } from '../tracing/tracing.js';
import { jobLogContext, runWithLogContext } from '../logging/log-context.js';
import { WorkSignalHub } from './work-signal.hub.js';

/** The wait before a failed job's next attempt (the project's one backoff: 250 ms doubling, at most 30 s). */
const backoff = (attempt: number): number => backoffDelay(attempt, 250, 30_000);

/**
 * The job that carries on a step that waits for a dependency after its job used up its attempts: same
 * step, the continuation counted in its payload (with a deduplication id of its own per continuation:
 * `<first job's id>:wait-<n>`), due after `delayMs`.
 */
export function waitingContinuation(job: Job, delayMs: number, now = Date.now()): Job {
  const of = job.payload?.continuation?.of ?? job.deduplicationId;
  const n = (job.payload?.continuation?.n ?? 0) + 1;
  return {
    ...job,
    deduplicationId: `${of}:wait-${n}`,
    notBefore: new Date(now + delayMs),
    payload: { ...job.payload, continuation: { of, n } },
  };
}

/**
 * Drives the pipeline from the durable work queue: takes jobs up to the configured concurrency, runs the
 * step as a command, and acks, retries with backoff or dead-letters. A job is acked only after its step
 * committed, so a crash at any point means a redelivery, which the steps tolerate.
 */
@Injectable()
export class PipelineWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Worker');
  private running = false;
  private inflight = 0;
  private loop: Promise<void> | null = null;

  constructor(
    @Inject(WORK_QUEUE) private readonly queue: WorkQueue,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
    private readonly commands: CommandBus,
    private readonly signal: WorkSignalHub,
    @Optional() @Inject(Tracing) private readonly tracing: Tracing = Tracing.OFF,
    @Optional() @Inject(RegionService) private readonly region: RegionService | null = null,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
    this.log.log(`started: concurrency ${this.worker.concurrency}, visibility ${this.worker.jobVisibilityMs} ms`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.signal.notify();
    await this.loop;
    const deadline = Date.now() + 10_000;
    while (this.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.region && !this.region.acting) {
        // Fenced (this region is down, taken over): its jobs are left alone until an operator brings it back.
        await this.signal.wait(1000);
        continue;
      }
      const free = this.worker.concurrency - this.inflight;
      if (free <= 0) {
        await this.signal.wait(250);
        continue;
      }
      let jobs: ReceivedJob[];
      try {
        jobs = await this.queue.receive(free, this.worker.jobVisibilityMs);
      } catch (e) {
        this.log.error(`receive failed: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const job of jobs) {
        this.inflight++;
        // every line about this job carries its type, attempt and transaction (and the UETR and client when known);
        // tracing on: the step is a span, child of the traceparent its job carries (one payment, one trace)
        const step = () => (this.tracing.enabled ? this.tracing.job(job.job, job.attempt, () => this.handle(job)) : this.handle(job));
        void runWithLogContext(jobLogContext(job.job, job.attempt), step).finally(() => {
          this.inflight--;
          this.signal.notify();
        });
      }
      if (jobs.length === 0) await this.signal.wait(200);
    }
  }

  private async handle(received: ReceivedJob): Promise<void> {
    const { job, receipt } = received;
    try {
      switch (job.type) {
        case JobType.PROCESS:
          await this.commands.execute(new ProcessPaymentCommand(job.transactionId));
          break;
        case JobType.RELEASE:
          await this.commands.execute(new ReleasePaymentCommand(job.transactionId));
          break;
        case JobType.INQUIRE:
          await this.commands.execute(new InquirePaymentStatusCommand(job.transactionId));
          break;
        case JobType.CANCEL:
          await this.commands.execute(new CancelPaymentCommand(job.transactionId));
          break;
        case JobType.RETURN:
          await this.commands.execute(new ReturnPaymentCommand(job.transactionId));
          break;
        case JobType.PUBLISH_STATUS:
          await this.commands.execute(new PublishStatusReportCommand(job.transactionId, StatusReportWriter.statusOfPublishJob(job)));
          break;
        default:
          await this.queue.deadLetter(receipt, `unknown job type ${String(job.type)}`);
          return;
      }
      await this.queue.ack(receipt);
    } catch (e) {
      this.tracing.recordFailure(e);
      await this.fail(received, e).catch((err: unknown) =>
        this.log.error(`could not reschedule job of ${job.transactionId}: ${(err as Error).message}`),
      );
    }
  }

  private async fail({ job, receipt, attempt }: ReceivedJob, e: unknown): Promise<void> {
    const message = (e as Error)?.message ?? String(e);
    if (e instanceof TransactionNotFoundError || (e instanceof HostUnavailableError && !e.retryable)) {
      this.log.warn(`dead-lettering ${job.type} of ${job.transactionId}: ${message}`);
      await this.queue.deadLetter(receipt, message);
      return;
    }
    if (e instanceof RegionNotHomeError) {
      // CONSISTENCY=eventual: the payment belongs to a region this one does not act for (an operator brought its
      // home back). That region carries it on from its own outbox and sweeps; this copy of the job is dropped.
      this.log.warn(`dropping ${job.type} of ${job.transactionId}: ${message}`);
      await this.queue.ack(receipt);
      return;
    }
    if (e instanceof WaitingForDependencyError && attempt >= this.worker.jobMaxAttempts) {
      // The queue would dead-letter it now; the payment waits on (until the SLA sweeper ends it), so the
      // job carries on as a fresh one. Enqueued before the ack: a crash in between leaves two, which is harmless.
      const next = waitingContinuation(job, backoff(attempt));
      await this.queue.enqueue([next]);
      await this.queue.ack(receipt);
      this.log.warn(`${job.type} of ${job.transactionId} still waiting after ${attempt} attempts, trying on: ${message}`);
      return;
    }
    const delay = e instanceof ConcurrentUpdateError ? 10 : backoff(attempt);
    const outcome = await this.queue.retry(receipt, delay, message);
    if (outcome === 'dead-lettered') {
      this.log.warn(`${job.type} of ${job.transactionId} dead-lettered after ${attempt} attempts: ${message}`);
    } else if (!(e instanceof ConcurrentUpdateError) && !(e instanceof HostUnavailableError)) {
      this.log.warn(`${job.type} of ${job.transactionId} failed (attempt ${attempt}), retrying in ${delay} ms: ${message}`);
    }
  }
}
