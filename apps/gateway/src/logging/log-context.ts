// SPDX-License-Identifier: Apache-2.0
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The fields every log line emitted while serving one request or running one job carries (pino's `mixin`
 * reads them, only for lines whose level is on). Never a body, a secret or a token: identifiers only.
 */
export interface LogFields {
  /** The request's id (Fastify's `request.id`: the caller's sane X-Request-Id, else a UUID). */
  requestId?: string;
  /** An MQ delivery's id (its sane AMQP message-id, else its correlation-id, else a UUID): `requestId` of the queue. */
  deliveryId?: string;
  /** How the work came in, on an MQ delivery's lines: `mq` (a request's lines say it by their `requestId`). */
  channel?: 'mq';
  transactionId?: string;
  uetr?: string | null;
  clientId?: string;
  /** A pipeline job's type (`process`, `release`, ...), or `sweep` / `outbox-relay` for the periodic passes. */
  jobType?: string;
  /** A pipeline job's delivery attempt (1 for the first). */
  attempt?: number;
  /** A periodic pass's number since the process started (the sweeper, the outbox relay: never retried). */
  pass?: number;
}

const storage = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` as the log context of everything it does, synchronously or after an await. */
export function runWithLogContext<T>(fields: LogFields, fn: () => T): T {
  return storage.run(fields, fn);
}

/** The current log context (the same object for the whole request or job), if any. */
export function currentLogContext(): LogFields | undefined {
  return storage.getStore();
}

/** What pino's `mixin` adds to a line: a copy of the current context (pino merges the line into it), or nothing. */
export function logContextMixin(): object {
  const ctx = storage.getStore();
  return ctx ? { ...ctx } : {};
}

/** Who a payment is, for log lines: immutable once received, so remembering it can never be wrong. */
export interface PaymentLogSubject {
  transactionId: string;
  uetr: string | null;
  clientId: string;
}

/**
 * The UETR and client of payments this process saw change status, most recent first, so that a job about
 * one of them logs them from its first line (before it loads the payment). Bounded: the oldest are dropped.
 */
export class PaymentSubjects {
  private readonly seen = new Map<string, PaymentLogSubject>();

  constructor(private readonly capacity = 10_000) {}

  remember(subject: PaymentLogSubject): void {
    if (this.seen.has(subject.transactionId)) return;
    if (this.seen.size >= this.capacity) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(subject.transactionId, subject);
  }

  get(transactionId: string): PaymentLogSubject | undefined {
    return this.seen.get(transactionId);
  }

  get size(): number {
    return this.seen.size;
  }
}

/** The process's one memory of payment subjects (the audit handler fills it, the worker reads it). */
export const paymentSubjects = new PaymentSubjects();

/**
 * The log context of one pipeline job: its type, attempt and transaction, with the payment's UETR and client
 * when this process has seen them.
 */
export function jobLogContext(job: { type: string; transactionId: string }, attempt: number): LogFields {
  const known = paymentSubjects.get(job.transactionId);
  return known
    ? { jobType: job.type, attempt, transactionId: job.transactionId, uetr: known.uetr, clientId: known.clientId }
    : { jobType: job.type, attempt, transactionId: job.transactionId };
}

/** Request contexts that saw changes of more than one payment (a pain.001 and its children): they name none. */
const several = new WeakSet<LogFields>();

/**
 * Adds a payment's identity to the current context, so the lines that follow carry it:
 * - in a job, when the job is about that payment (its UETR and client join the transaction id);
 * - in a request, when it is the first payment the request changed. A request that changes several payments
 *   (a pain.001 and its children) names none of them on its other lines; each audit line names its own.
 */
export function noteLogSubject(subject: PaymentLogSubject): void {
  paymentSubjects.remember(subject);
  const ctx = storage.getStore();
  if (!ctx || several.has(ctx)) return;
  if (ctx.jobType === undefined && ctx.transactionId !== undefined && ctx.transactionId !== subject.transactionId) {
    several.add(ctx);
    delete ctx.transactionId;
    delete ctx.uetr;
    delete ctx.clientId;
    return;
  }
  if (ctx.jobType === undefined) ctx.transactionId = subject.transactionId;
  if (ctx.transactionId !== subject.transactionId) return;
  ctx.uetr = subject.uetr;
  ctx.clientId = subject.clientId;
}
