// SPDX-License-Identifier: Apache-2.0
import { Logger } from '@nestjs/common';
import type {
  CreateResult,
  Job,
  ListAllFilter,
  ListFilter,
  Posting,
  TransactionPage,
  TransactionRepository,
  UniquenessKeys,
  UniquenessLookup,
  ReferenceLookup,
  WorkQueue,
  WorkSignal,
} from '#application';
import type { PaymentSnapshot, PaymentStatus } from '#domain';

/** Where the store keeps committed jobs until they reached the queue (DynamoDbOutbox). */
export interface CommittedJobsOutbox {
  complete(jobs: Pick<Job, 'transactionId' | 'deduplicationId'>[]): Promise<void>;
}

/**
 * A store whose jobs live somewhere else than its own transaction (DynamoDB + SQS): the store commits a
 * state change with its jobs as outbox items (one TransactWriteItems); right after, the jobs are handed to
 * the work queue and their outbox items deleted. When that fails or the process dies in between, the change
 * is stored and its jobs are still in the outbox: the OutboxRelay sends them (and, as a last resort, the
 * stranded-work sweeper re-drives every payment that has not moved for RECOVERY_AFTER_SECONDS). So a failed
 * hand-over is logged, not thrown: the caller's state change did happen.
 */
export class QueueForwardingRepository implements TransactionRepository {
  private readonly log = new Logger('Outbox');

  private readonly signal: WorkSignal | undefined;
  private readonly outbox: CommittedJobsOutbox | undefined;
  /** Outbox items to delete, gathered over one turn of the event loop into one call (BatchWriteItem). */
  private completed: Job[] = [];
  private completing = false;

  constructor(
    private readonly inner: TransactionRepository,
    private readonly queue: WorkQueue,
    options: { signal?: WorkSignal; outbox?: CommittedJobsOutbox } = {},
  ) {
    this.signal = options.signal;
    this.outbox = options.outbox;
  }

  async create(payment: PaymentSnapshot, keys: UniquenessKeys, jobs: Job[]): Promise<CreateResult> {
    const result = await this.inner.create(payment, keys, jobs);
    if (result.kind === 'created') await this.forward(jobs);
    return result;
  }

  async update(payment: PaymentSnapshot, expectedVersion: number, jobs: Job[], postings?: Posting[]): Promise<boolean> {
    const stored = await this.inner.update(payment, expectedVersion, jobs, postings);
    if (stored) await this.forward(jobs);
    return stored;
  }

  get(id: string): Promise<PaymentSnapshot | null> {
    return this.inner.get(id);
  }

  findId(key: UniquenessLookup): Promise<string | null> {
    return this.inner.findId(key);
  }

  list(filter: ListFilter): Promise<TransactionPage> {
    return this.inner.list(filter);
  }

  listAll(filter: ListAllFilter): Promise<TransactionPage> {
    return this.inner.listAll(filter);
  }

  findByReference(ref: ReferenceLookup, limit: number): Promise<PaymentSnapshot[]> {
    return this.inner.findByReference(ref, limit);
  }

  findStale(statuses: readonly PaymentStatus[], before: Date, limit: number): Promise<PaymentSnapshot[]> {
    return this.inner.findStale(statuses, before, limit);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  private complete(jobs: Job[]): void {
    if (!this.outbox) return;
    this.completed.push(...jobs);
    if (this.completing) return;
    this.completing = true;
    setImmediate(() => {
      const batch = this.completed;
      this.completed = [];
      this.completing = false;
      this.outbox!.complete(batch).catch((e: unknown) => this.log.warn(`outbox cleanup failed: ${(e as Error).message}`));
    });
  }

  private async forward(jobs: Job[]): Promise<void> {
    if (jobs.length === 0) return;
    try {
      await this.queue.enqueue(jobs);
      this.signal?.notify();
      // The jobs are in the queue: their outbox items can go. Not awaited — if this fails, the relay sends
      // them once more and the queue's deduplication (or the idempotent steps) absorbs the repeat.
      this.complete(jobs);
    } catch (e) {
      this.log.warn(
        `could not hand ${jobs.length} job(s) of ${jobs[0]!.transactionId} to the queue, the sweeper will re-drive them: ${(e as Error).message}`,
      );
    }
  }
}
