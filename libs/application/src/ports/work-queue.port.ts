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
  /** Forgets jobs acked before `before` (their deduplication ids become free again); returns how many. */
  purgeCompleted(before: Date): Promise<number>;
  ping(): Promise<void>;
}
