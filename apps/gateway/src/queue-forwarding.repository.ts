import { Logger } from '@nestjs/common';
import type {
  CreateResult,
  Job,
  ListFilter,
  Posting,
  TransactionPage,
  TransactionRepository,
  UniquenessKeys,
  WorkQueue,
  WorkSignal,
} from '#application';
import type { PaymentSnapshot, PaymentStatus } from '#domain';

/**
 * A store whose jobs live somewhere else than its own transaction (DynamoDB + SQS): after the store
 * committed a state change (and, in DynamoDB, its outbox items in the same TransactWriteItems), the jobs are
 * handed to the work queue at once. When that fails or the process dies in between, the change is still
 * stored and the job is recovered: the stranded-work sweeper re-drives every payment that has not moved for
 * RECOVERY_AFTER_SECONDS (one job per stored version, by deduplication id), and the steps are idempotent.
 * So a failed hand-over is logged, not thrown: the caller's state change did happen.
 */
export class QueueForwardingRepository implements TransactionRepository {
  private readonly log = new Logger('Outbox');

  constructor(
    private readonly inner: TransactionRepository,
    private readonly queue: WorkQueue,
    private readonly signal?: WorkSignal,
  ) {}

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

  list(filter: ListFilter): Promise<TransactionPage> {
    return this.inner.list(filter);
  }

  findStale(statuses: readonly PaymentStatus[], before: Date, limit: number): Promise<PaymentSnapshot[]> {
    return this.inner.findStale(statuses, before, limit);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  private async forward(jobs: Job[]): Promise<void> {
    if (jobs.length === 0) return;
    try {
      await this.queue.enqueue(jobs);
      this.signal?.notify();
    } catch (e) {
      this.log.warn(
        `could not hand ${jobs.length} job(s) of ${jobs[0]!.transactionId} to the queue, the sweeper will re-drive them: ${(e as Error).message}`,
      );
    }
  }
}
