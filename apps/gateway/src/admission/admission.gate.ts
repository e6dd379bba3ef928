// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Optional, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { CLOCK, WORK_QUEUE, type Admission, type AdmissionRefusal, type Clock, type QueueBacklog, type WorkQueue } from '#application';
import { admissionConfig } from '../config/namespaces.js';
import { RegionService } from '../region/region.service.js';

/** How often the queue's backlog is sampled. */
export const ADMISSION_SAMPLE_MS = 1000;
/** Weight of the newest sample in the completion rate (an exponentially weighted moving average). */
const RATE_WEIGHT = 0.3;
const MAX_RETRY_AFTER_SECONDS = 60;
/** Per-client buckets kept at most (clients of an external identity provider are not listed in advance). */
const MAX_BUCKETS = 100_000;

/** What the gate last saw, for metrics and logs. */
export interface AdmissionState {
  open: boolean;
  /** Due jobs at the last sample. */
  queued: number;
  /** The oldest due job's wait at the last sample, in ms (null: none, or the queue cannot tell). */
  oldestQueuedMs: number | null;
  /** Jobs completed per second while jobs were waiting, smoothed (null until measured, or when the queue cannot tell). */
  completedPerSecond: number | null;
  /** How long new work would wait, in ms: the larger of the oldest wait and the queued jobs over the rate. */
  expectedWaitMs: number;
}

/**
 * Admission control (docs/operations.md, "Overload"): the inbox and the MQ front door take a payment only while
 * the gateway can do it in time, and only up to each client's quota.
 *
 * - **Load.** Once a second the queue's backlog is sampled (QueueBacklog: due jobs, the oldest due job's wait,
 *   jobs completed). The expected wait of new work is the larger of the oldest wait and the due jobs over the
 *   smoothed completion rate. Above ADMISSION_MAX_WAIT_SECONDS, or above ADMISSION_MAX_QUEUED_JOBS due jobs, the
 *   door closes: submissions get `ADMISSION.OVERLOADED` (HTTP 503) with a `Retry-After` of the expected excess.
 *   It opens again below half of both bounds, so it does not flap. The queue is shared by every instance on
 *   it, so they all close and open together. On SQS, which tells neither age nor completions, only the bound
 *   on queued jobs applies.
 * - **Quotas.** Each client has a token bucket of CLIENT_PAYMENT_QUOTAS (or CLIENT_PAYMENT_QUOTA_DEFAULT)
 *   payments per second, holding one second's worth; an empty bucket answers `ADMISSION.CLIENT_QUOTA` (HTTP
 *   429). Buckets are per process.
 *
 * A refusal writes nothing and costs no parsing: the check runs before the message is read.
 */
@Injectable()
export class AdmissionGate implements Admission, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Admission');
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private timer: NodeJS.Timeout | null = null;
  private sampling: Promise<void> | null = null;
  private lastSampleAt: number | null = null;
  private sampleFailed = false;
  private admittedSinceSample = 0;
  private current: AdmissionState = { open: true, queued: 0, oldestQueuedMs: null, completedPerSecond: null, expectedWaitMs: 0 };
  /** Refusals since start, by code. */
  readonly refused = { overloaded: 0, quota: 0 };

  constructor(
    @Inject(admissionConfig.KEY) private readonly config: ConfigType<typeof admissionConfig>,
    @Inject(WORK_QUEUE) private readonly queue: WorkQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(RegionService) private readonly region: RegionService | null = null,
  ) {}

  get state(): Readonly<AdmissionState> {
    return this.current;
  }

  /** Whether load control is on (a bound is set). */
  get watching(): boolean {
    return this.config.maxWaitMs > 0 || this.config.maxQueuedJobs > 0;
  }

  onApplicationBootstrap(): void {
    if (!this.watching) return;
    this.timer = setInterval(() => {
      if (this.sampling) return;
      this.sampling = this.sample().finally(() => (this.sampling = null));
    }, ADMISSION_SAMPLE_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sampling;
  }

  admit(clientId: string): AdmissionRefusal | null {
    // A region that is draining or down takes no new payments: clients (and DNS failover) move to a peer.
    const status = this.region?.status ?? 'healthy';
    if (status !== 'healthy') {
      return {
        code: status === 'draining' ? 'REGION.DRAINING' : 'REGION.DOWN',
        retryAfterSeconds: 5,
        detail: `region ${this.region!.id} is ${status}: send payments to another region`,
      };
    }
    // Between samples, what this process admitted counts too (each payment starts with one job), so a burst
    // cannot overshoot the bound by a whole second of submissions.
    const rate = this.current.completedPerSecond;
    if (this.current.open && this.config.maxWaitMs > 0 && rate !== null && rate > 0) {
      const waitMs = ((this.current.queued + this.admittedSinceSample) / rate) * 1000;
      if (waitMs > this.config.maxWaitMs) this.close(waitMs);
    }
    if (!this.current.open) {
      this.refused.overloaded++;
      const excessMs = this.current.expectedWaitMs - this.config.maxWaitMs / 2;
      return {
        code: 'ADMISSION.OVERLOADED',
        retryAfterSeconds: clamp(Math.ceil(excessMs / 1000), 1, MAX_RETRY_AFTER_SECONDS),
        detail: 'the gateway holds more work than it can do in time; nothing was stored, try again after Retry-After seconds',
      };
    }
    const quota = this.config.quotas.get(clientId) ?? this.config.defaultQuota;
    if (quota <= 0) return this.admitted();
    const now = this.clock.now().getTime();
    const capacity = Math.max(1, quota);
    let bucket = this.buckets.get(clientId);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
      bucket = { tokens: capacity, at: now };
      this.buckets.set(clientId, bucket);
    }
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * quota);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return this.admitted();
    }
    this.refused.quota++;
    return {
      code: 'ADMISSION.CLIENT_QUOTA',
      retryAfterSeconds: clamp(Math.ceil((1 - bucket.tokens) / quota), 1, MAX_RETRY_AFTER_SECONDS),
      detail: `client ${clientId} is over its quota of ${quota} payments per second; nothing was stored, try again after Retry-After seconds`,
    };
  }

  private admitted(): null {
    this.admittedSinceSample++;
    return null;
  }

  private close(expectedWaitMs: number): void {
    this.current = { ...this.current, open: false, expectedWaitMs };
    this.log.warn(
      `admission closed, new payments refused with 503: ${this.current.queued} jobs due and ${this.admittedSinceSample} admitted since`,
    );
  }

  /** One sample of the queue's backlog, and the door opened or closed accordingly. Exposed for tests. */
  async sample(): Promise<void> {
    const now = this.clock.now().getTime();
    const since = this.lastSampleAt ?? now - ADMISSION_SAMPLE_MS;
    let backlog: QueueBacklog;
    try {
      backlog = await this.queue.backlog(new Date(since));
    } catch (e) {
      // The queue cannot be read (store down): keep the last decision; readiness reports the store.
      if (!this.sampleFailed) this.log.warn(`backlog not sampled: ${(e as Error).message}`);
      this.sampleFailed = true;
      return;
    }
    this.sampleFailed = false;
    this.lastSampleAt = now;
    this.update(backlog, Math.max(1, now - since));
  }

  private update(b: QueueBacklog, elapsedMs: number): void {
    // The completion rate is the workers' capacity only while work was waiting for them: measured over an
    // interval that began with jobs due, else the last capacity measured is kept (idle periods say nothing).
    let rate = this.current.completedPerSecond;
    if (b.completedSince !== null && this.current.queued > 0) {
      const measured = (b.completedSince * 1000) / elapsedMs;
      rate = rate === null ? measured : RATE_WEIGHT * measured + (1 - RATE_WEIGHT) * rate;
    }
    // New work waits behind what is due, at the rate the workers complete it. Before a rate is measured, the
    // oldest due job's wait stands in (stuck workers make it grow); once measured, stuck workers make the rate
    // decay towards zero, and the estimate grows as well.
    const expectedWaitMs = rate !== null && rate > 0 ? (b.queued / rate) * 1000 : (b.oldestQueuedMs ?? 0);
    this.admittedSinceSample = 0;
    const { maxWaitMs, maxQueuedJobs } = this.config;
    const over = (maxWaitMs > 0 && expectedWaitMs > maxWaitMs) || (maxQueuedJobs > 0 && b.queued > maxQueuedJobs);
    const under = (maxWaitMs === 0 || expectedWaitMs <= maxWaitMs / 2) && (maxQueuedJobs === 0 || b.queued <= maxQueuedJobs / 2);
    const open = this.current.open ? !over : under;
    const changed = open !== this.current.open;
    this.current = { open, queued: b.queued, oldestQueuedMs: b.oldestQueuedMs, completedPerSecond: rate, expectedWaitMs };
    if (!changed) return;
    const figures = `${b.queued} jobs due, oldest waiting ${b.oldestQueuedMs ?? '?'} ms, ${rate === null ? '?' : rate.toFixed(1)} completed/s`;
    if (open) this.log.log(`admission open again: ${figures}`);
    else this.log.warn(`admission closed, new payments refused with 503: ${figures}`);
  }
}

function clamp(n: number, min: number, max: number): number {
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : max;
}
