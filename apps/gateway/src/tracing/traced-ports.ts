// SPDX-License-Identifier: Apache-2.0
/**
 * Decorators of the store and queue ports, bound in the composition root only when tracing is on (ADR 0017):
 * - every job written (with a payment, or enqueued alone) carries the `traceparent` of the active span, so the
 *   step that runs it continues the trace, whichever queue carries it (SQLite, SQS, the DynamoDB outbox);
 * - calls made inside a trace are spans `store.<call>` / `queue.<call>`. Calls outside any trace (the workers'
 *   polling, the sweepers' scans) are passed on without a span: they would be a root trace each.
 */
import { context, SpanKind, trace } from '@opentelemetry/api';
import type {
  CreateResult,
  DeadLetter,
  Job,
  ListAllFilter,
  ListFilter,
  LiveJob,
  Posting,
  QueueBacklog,
  ReceivedJob,
  ReferenceLookup,
  TransactionPage,
  TransactionRepository,
  UniquenessKeys,
  UniquenessLookup,
  WorkQueue,
} from '#application';
import type { PaymentSnapshot, PaymentStatus } from '#domain';
import { activeTraceparent, withTraceparent } from './trace-context.js';
import type { Tracing } from './tracing.js';

/** A span for `call` when a trace is active; the call alone otherwise. */
function spanned<T>(tracing: Tracing, name: string, system: string, transactionId: string | null, call: () => Promise<T>): Promise<T> {
  if (trace.getSpan(context.active()) === undefined) return call();
  const attributes = transactionId
    ? { 'clearway.system': system, 'clearway.transaction_id': transactionId }
    : { 'clearway.system': system };
  return tracing.inSpan(name, { kind: SpanKind.CLIENT, attributes }, call);
}

export class TracedTransactionRepository implements TransactionRepository {
  constructor(
    private readonly inner: TransactionRepository,
    private readonly tracing: Tracing,
    /** What stores the payments (`sqlite`, `dynamodb`), as a span attribute. */
    private readonly system: string,
  ) {}

  create(payment: PaymentSnapshot, keys: UniquenessKeys, jobs: Job[]): Promise<CreateResult> {
    const carried = withTraceparent(jobs, activeTraceparent(context.active()));
    return spanned(this.tracing, 'store.create', this.system, payment.id, () => this.inner.create(payment, keys, carried));
  }

  update(payment: PaymentSnapshot, expectedVersion: number, jobs: Job[], postings?: Posting[]): Promise<boolean> {
    const carried = withTraceparent(jobs, activeTraceparent(context.active()));
    return spanned(this.tracing, 'store.update', this.system, payment.id, () =>
      this.inner.update(payment, expectedVersion, carried, postings),
    );
  }

  get(id: string): Promise<PaymentSnapshot | null> {
    return spanned(this.tracing, 'store.get', this.system, id, () => this.inner.get(id));
  }

  findId(key: UniquenessLookup): Promise<string | null> {
    return spanned(this.tracing, 'store.findId', this.system, null, () => this.inner.findId(key));
  }

  list(filter: ListFilter): Promise<TransactionPage> {
    return spanned(this.tracing, 'store.list', this.system, null, () => this.inner.list(filter));
  }

  listAll(filter: ListAllFilter): Promise<TransactionPage> {
    return spanned(this.tracing, 'store.listAll', this.system, null, () => this.inner.listAll(filter));
  }

  findStale(statuses: readonly PaymentStatus[], before: Date, limit: number): Promise<PaymentSnapshot[]> {
    return spanned(this.tracing, 'store.findStale', this.system, null, () => this.inner.findStale(statuses, before, limit));
  }

  findByReference(ref: ReferenceLookup, limit: number): Promise<PaymentSnapshot[]> {
    return spanned(this.tracing, 'store.findByReference', this.system, null, () => this.inner.findByReference(ref, limit));
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}

export class TracedWorkQueue implements WorkQueue {
  constructor(
    private readonly inner: WorkQueue,
    private readonly tracing: Tracing,
    /** What carries the jobs (`sqlite`, `sqs`), as a span attribute. */
    private readonly system: string,
  ) {}

  enqueue(jobs: Job[]): Promise<void> {
    const carried = withTraceparent(jobs, activeTraceparent(context.active()));
    return spanned(this.tracing, 'queue.enqueue', this.system, jobs[0]?.transactionId ?? null, () => this.inner.enqueue(carried));
  }

  receive(max: number, visibilityMs: number): Promise<ReceivedJob[]> {
    return this.inner.receive(max, visibilityMs);
  }

  ack(receipt: string): Promise<void> {
    return spanned(this.tracing, 'queue.ack', this.system, null, () => this.inner.ack(receipt));
  }

  retry(receipt: string, delayMs: number, reason: string): Promise<'retried' | 'dead-lettered'> {
    return spanned(this.tracing, 'queue.retry', this.system, null, () => this.inner.retry(receipt, delayMs, reason));
  }

  deadLetter(receipt: string, reason: string): Promise<void> {
    return spanned(this.tracing, 'queue.deadLetter', this.system, null, () => this.inner.deadLetter(receipt, reason));
  }

  listDeadLetters(limit: number): Promise<DeadLetter[]> {
    return this.inner.listDeadLetters(limit);
  }

  redrive(transactionId: string): Promise<number> {
    return spanned(this.tracing, 'queue.redrive', this.system, transactionId, () => this.inner.redrive(transactionId));
  }

  purgeCompleted(before: Date, limit: number): Promise<number> {
    return this.inner.purgeCompleted(before, limit);
  }

  liveJobs(transactionIds: readonly string[]): Promise<ReadonlyMap<string, LiveJob> | null> {
    return this.inner.liveJobs(transactionIds);
  }

  /** The adapter's own counts (operator API, metrics), when it has them; never spanned (no trace to join). */
  get stats(): (() => Promise<Readonly<Record<string, number>>>) | undefined {
    return this.inner.stats ? () => this.inner.stats!() : undefined;
  }

  backlog(since: Date): Promise<QueueBacklog> {
    return this.inner.backlog(since);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}
