// SPDX-License-Identifier: Apache-2.0
/** Wire names of the jobs: stable strings, never class names. */
export const JobType = {
  PROCESS: 'payment.process',
  RELEASE: 'payment.release',
  /** Send a camt.056 for a released payment to the host and apply its camt.029. */
  CANCEL: 'payment.cancel',
  /** Send a pacs.004 returning a settled payment to the host. */
  RETURN: 'payment.return',
  /** Ask the host for the status of a payment whose outcome is unknown (pacs.028) and apply its answer. */
  INQUIRE: 'payment.inquire',
  /** Publish the latest outgoing status message of a terminal payment to the outbound channel (MQ). */
  PUBLISH_STATUS: 'payment.publish-status',
} as const;
export type JobType = (typeof JobType)[keyof typeof JobType];

/**
 * What a job carries besides its transaction, typed (never encoded in its deduplication id). Adapters store it
 * as it is and hand it back unchanged.
 */
export interface JobPayload {
  /** `payment.publish-status`: the status whose report is published. */
  status?: string;
  /**
   * A step carried on as a fresh job after its job used up its attempts while it waits for a dependency:
   * the deduplication id of the first job of the step, and how many times it was carried on.
   */
  continuation?: { of: string; n: number };
  /**
   * The W3C `traceparent` of the work that enqueued the job (set by the gateway's tracing when it is on): the
   * job's step runs as a child of it, so one payment is one trace across API, queue, worker and host.
   */
  traceparent?: string;
}

export interface Job {
  type: JobType;
  transactionId: string;
  /** Jobs of one group are handed out one at a time, in the order they were enqueued. */
  groupKey: string;
  /** A second job with the same id is dropped (at-most-once enqueue per step). */
  deduplicationId: string;
  /** Not handed out before this time (delayed jobs). */
  notBefore?: Date;
  payload?: JobPayload;
}

export interface ReceivedJob {
  job: Job;
  /** Opaque handle for ack/retry/deadLetter; valid until the visibility timeout ends. */
  receipt: string;
  /** 1 on first delivery, then +1 on each redelivery. */
  attempt: number;
}

export interface DeadLetter {
  job: Job;
  reason: string;
  attempts: number;
  at: string;
}

/** How much work waits in the queue, for admission control (sampled about once a second). */
export interface QueueBacklog {
  /** Jobs due and not yet handed out (delayed and retrying jobs not counted). */
  queued: number;
  /** Jobs handed out and not yet acked, retried or dead-lettered. */
  inflight: number;
  /** How long the oldest due job has waited, in ms; null when nothing waits or the queue cannot tell (SQS). */
  oldestQueuedMs: number | null;
  /** Jobs completed (acked) since `since`, across every process on the queue; null when the queue cannot tell (SQS). */
  completedSince: number | null;
}

/** A job of a transaction that will still be handed out: queued, delayed, retrying or in flight. */
export interface LiveJob {
  type: JobType;
  /** Deliveries so far: 0 while it has only waited in the queue. */
  attempts: number;
  /** A step carried on as a fresh job after its first job used up its attempts (`payload.continuation`). */
  carriedOn: boolean;
}

/**
 * A durable work queue: at-least-once delivery, visibility timeout, per-group ordering,
 * retry with backoff and a dead-letter area after too many attempts.
 */
export interface WorkQueue {
  enqueue(jobs: Job[]): Promise<void>;
  /** Up to `max` jobs, each hidden from other receivers for `visibilityMs`. */
  receive(max: number, visibilityMs: number): Promise<ReceivedJob[]>;
  ack(receipt: string): Promise<void>;
  /** Hands the job out again after `delayMs`, or dead-letters it when it has had `maxAttempts`. */
  retry(receipt: string, delayMs: number, reason: string): Promise<'retried' | 'dead-lettered'>;
  deadLetter(receipt: string, reason: string): Promise<void>;
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
  /** Moves dead-lettered jobs of a transaction back to the queue; returns how many moved. */
  redrive(transactionId: string): Promise<number>;
  /**
   * Forgets jobs acked before `before` (their deduplication ids become free again), at most `limit` of them per
   * call (one short write); returns how many. Callers loop while it returns `limit`.
   */
  purgeCompleted(before: Date, limit: number): Promise<number>;
  /**
   * The live jobs of these transactions (those with none are absent), or null when the queue cannot look jobs up
   * by transaction (SQS): the sweepers then fall back to `backlog()`.
   */
  liveJobs(transactionIds: readonly string[]): Promise<ReadonlyMap<string, LiveJob> | null>;
  backlog(since: Date): Promise<QueueBacklog>;
  /**
   * Jobs by state, in the adapter's own words (the embedded queue: ready, inflight, dead, done; SQS: visible,
   * inflight, delayed, dead, approximate), for the operator and metrics; absent when the queue cannot count.
   */
  stats?(): Promise<Readonly<Record<string, number>>>;
  ping(): Promise<void>;
}
