// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Clock, DeadLetter, Job, JobPayload, JobType, QueueBacklog, ReceivedJob, WorkQueue } from '#application';

/** The longest visibility timeout SQS accepts (12 hours), in seconds. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
/** Entries per SendMessageBatch / DeleteMessageBatch / ChangeMessageVisibilityBatch call. */
const SQS_BATCH = 10;
/** Dead letters looked at, at most, by one `listDeadLetters`/`redrive` scan. */
const DEFAULT_DLQ_SCAN_LIMIT = 1000;
/** How long a scan keeps the dead letters it has seen hidden from other scans (released at its end). */
const DLQ_SCAN_VISIBILITY_SECONDS = 30;
const MAX_REASON_LENGTH = 1000;
/** Batch calls of one kind (sends, deletes) in flight at once. */
const MAX_BATCHES_IN_FLIGHT = 4;

/** Message attributes carried by the dead letters the adapter writes itself. */
const ATTR_REASON = 'clearway-reason';
const ATTR_ATTEMPTS = 'clearway-attempts';
const ATTR_DEAD_AT = 'clearway-dead-at';

export interface SqsWorkQueueOptions {
  client: SQSClient;
  /** URL of the FIFO work queue (its name ends in `.fifo`). */
  queueUrl: string;
  /** URL of its FIFO dead-letter queue (the target of the work queue's RedrivePolicy). */
  deadLetterQueueUrl: string;
  /**
   * Deliveries a job gets before `retry` dead-letters it. Must equal the work queue's RedrivePolicy
   * `maxReceiveCount` (see `createSqsWorkQueues`), which moves a job whose deliveries all timed out. Default 8.
   */
  maxAttempts?: number;
  /** Long polling: how long an empty `receive` waits for messages (0-20 s). Default 0. */
  waitTimeSeconds?: number;
  /**
   * Visibility extension for long jobs: while a received job is neither acked, retried nor dead-lettered,
   * its visibility timeout is renewed (ChangeMessageVisibility) every half timeout, for at most `maxMs`
   * after the receive. A process that dies stops renewing, so its jobs come back after one timeout.
   * Off unless given.
   */
  extendVisibility?: { maxMs: number };
  /** Long polling of the scans of the dead-letter queue (0-20 s); 1 s on AWS, where short polls sample. Default 1. */
  deadLetterScanWaitSeconds?: number;
  /** Dead letters looked at, at most, by one listDeadLetters/redrive. Default 1000. */
  deadLetterScanLimit?: number;
  /** Time source for `notBefore`; the system clock when absent (SQS itself runs on its own clock). */
  clock?: Clock;
  /** Where unexpected failures of background work (visibility extension) are reported. */
  onError?: (message: string) => void;
}

/** The job as it travels in a message body (wire format, versioned). */
interface JobBody {
  v: 1;
  type: string;
  transactionId: string;
  groupKey: string;
  deduplicationId: string;
  notBefore?: string;
  payload?: JobPayload;
}

/** What the opaque receipt handed to the worker carries: the SQS handle, the attempt and the job's body. */
interface Receipt {
  h: string;
  a: number;
  m: string;
  b: string;
}

interface Lease {
  timer: NodeJS.Timeout;
  until: number;
}

/**
 * The WorkQueue port on an SQS FIFO queue.
 *
 * - One message per job; body = the job as JSON. `MessageGroupId` = the job's group key (the transaction id,
 *   so ordering is kept only where it matters: within one payment), `MessageDeduplicationId` = the job's
 *   deduplication id (hashed when it is not 1-128 printable ASCII characters).
 * - `enqueue` sends SendMessageBatch calls of up to 10, one after the other (order within a group).
 * - `receive` asks for up to 10 messages per call, several calls in parallel when more are wanted; the
 *   delivery count is SQS's `ApproximateReceiveCount`.
 * - `ack` deletes; concurrent acks are grouped into DeleteMessageBatch calls of up to 10.
 * - `retry` hides the message for the delay (ChangeMessageVisibility) — the group stays blocked meanwhile,
 *   as in the embedded queue — or dead-letters it once it has had `maxAttempts` deliveries.
 * - `deadLetter` copies the job into the FIFO dead-letter queue with the reason, attempts and time as
 *   message attributes, then deletes it. Jobs whose deliveries all timed out are moved there by SQS itself
 *   (RedrivePolicy, `maxReceiveCount` = maxAttempts), without a reason of ours.
 * - `listDeadLetters` and `redrive` scan the dead-letter queue (receive with a short visibility, then
 *   release what they do not take); `redrive` sends a transaction's dead jobs back with a fresh
 *   deduplication id (the old one may still be inside SQS's 5-minute window) and deletes them from the DLQ.
 * - `notBefore`: FIFO queues refuse a per-message DelaySeconds (only a queue-wide delay exists), so the
 *   time travels in the body and a job received early is hidden again until then (ChangeMessageVisibility,
 *   at most 12 h per step) and not handed out. That early receive is not counted as an attempt.
 * - `purgeCompleted` is a no-op: SQS deletes acked messages at once and forgets deduplication ids after its
 *   5-minute window by itself.
 *
 * Receipts are opaque strings that carry the SQS receipt handle, so any instance can ack any receipt.
 * A stale receipt (its visibility timeout ended) is ignored by ack/retry/deadLetter, as far as SQS tells.
 */
export class SqsWorkQueue implements WorkQueue {
  readonly maxAttempts: number;
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly dlqUrl: string;
  private readonly waitTimeSeconds: number;
  private readonly scanWaitSeconds: number;
  private readonly scanLimit: number;
  private readonly extendMaxMs: number | null;
  private readonly leases = new Map<string, Lease>();
  /** Sends of concurrent `enqueue` calls, grouped into SendMessageBatch calls of up to 10. */
  private readonly sends: Batcher<Job>;
  /** Deletes of concurrent `ack` calls, grouped into DeleteMessageBatch calls of up to 10. */
  private readonly deletes: Batcher<string>;
  private closed = false;

  constructor(private readonly options: SqsWorkQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.dlqUrl = options.deadLetterQueueUrl;
    this.maxAttempts = options.maxAttempts ?? 8;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1 || this.maxAttempts > 1000) {
      throw new Error(`maxAttempts must be an integer from 1 to 1000 (SQS maxReceiveCount), got ${this.maxAttempts}`);
    }
    if (!this.queueUrl.endsWith('.fifo') || !this.dlqUrl.endsWith('.fifo')) {
      throw new Error('SqsWorkQueue needs FIFO queues: both queue URLs must end in .fifo');
    }
    this.waitTimeSeconds = clampInt(options.waitTimeSeconds ?? 0, 0, 20);
    this.scanWaitSeconds = clampInt(options.deadLetterScanWaitSeconds ?? 1, 0, 20);
    this.scanLimit = Math.max(1, Math.trunc(options.deadLetterScanLimit ?? DEFAULT_DLQ_SCAN_LIMIT));
    this.extendMaxMs = options.extendVisibility ? Math.max(0, options.extendVisibility.maxMs) : null;
    this.sends = new Batcher(SQS_BATCH, MAX_BATCHES_IN_FLIGHT, (jobs) => this.sendBatch(jobs));
    this.deletes = new Batcher(SQS_BATCH, MAX_BATCHES_IN_FLIGHT, (handles) => this.deleteEntries(this.queueUrl, handles));
  }

  /**
   * Sends the jobs (SendMessageBatch). Jobs of concurrent calls share batches of up to 10; the jobs of one
   * call stay together and in order. Resolves once SQS took every job of the call (or dropped it as a
   * duplicate); rejects naming SQS's refusal otherwise (a resend is safe: deduplication).
   */
  async enqueue(jobs: Job[]): Promise<void> {
    for (const job of jobs) validateJob(job);
    if (jobs.length === 0) return;
    await this.sends.add(jobs);
  }

  async receive(max: number, visibilityMs: number): Promise<ReceivedJob[]> {
    if (this.closed || !(max >= 1)) return [];
    const visibility = visibilitySeconds(visibilityMs);
    const wanted = Math.min(Math.trunc(max), 100);
    const calls: Array<Promise<Message[]>> = [];
    for (let left = wanted; left > 0; left -= SQS_BATCH) {
      calls.push(
        this.client
          .send(
            new ReceiveMessageCommand({
              QueueUrl: this.queueUrl,
              MaxNumberOfMessages: Math.min(SQS_BATCH, left),
              VisibilityTimeout: visibility,
              WaitTimeSeconds: this.waitTimeSeconds,
              MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'],
            }),
          )
          .then((out) => out.Messages ?? []),
      );
    }
    const messages = (await Promise.all(calls)).flat();
    const now = this.now();
    const received: ReceivedJob[] = [];
    for (const message of messages) {
      const handle = message.ReceiptHandle;
      if (!handle) continue;
      const job = parseBody(message.Body);
      if (!job) {
        // Not ours or corrupt: park it in the dead-letter queue so it does not block its group.
        await this.moveToDeadLetters(message, 'unreadable job message', receiveCount(message));
        continue;
      }
      const notBefore = job.notBefore?.getTime();
      if (notBefore !== undefined && notBefore > now) {
        // Delayed job received early: hide it until it is due (seconds, rounded up), do not hand it out.
        await this.changeVisibility(handle, Math.ceil((notBefore - now) / 1000)).catch((e: unknown) => {
          if (!isStaleReceipt(e)) throw e;
        });
        continue;
      }
      const attempt = Math.max(1, receiveCount(message) - earlyReceives(message, notBefore));
      const receipt: Receipt = { h: handle, a: attempt, m: message.MessageId ?? '', b: message.Body ?? '' };
      received.push({ job, receipt: encodeReceipt(receipt), attempt });
      this.keepVisible(handle, visibility);
    }
    return received;
  }

  /** Completes a job (DeleteMessage, grouped into batches). A stale or unknown receipt does nothing. */
  async ack(receipt: string): Promise<void> {
    const r = decodeReceipt(receipt);
    if (!r) return;
    this.release(r.h);
    await this.deletes.add([r.h]);
  }

  async retry(receipt: string, delayMs: number, reason: string): Promise<'retried' | 'dead-lettered'> {
    const r = decodeReceipt(receipt);
    if (!r) return 'retried';
    this.release(r.h);
    if (r.a >= this.maxAttempts) {
      return (await this.deadLetterReceipt(r, reason)) ? 'dead-lettered' : 'retried';
    }
    try {
      await this.changeVisibility(r.h, Math.ceil(Math.max(0, delayMs) / 1000));
    } catch (e) {
      if (!isStaleReceipt(e)) throw e;
    }
    return 'retried';
  }

  async deadLetter(receipt: string, reason: string): Promise<void> {
    const r = decodeReceipt(receipt);
    if (!r) return;
    this.release(r.h);
    await this.deadLetterReceipt(r, reason);
  }

  /**
   * Dead letters, most recent first: a scan of the dead-letter queue (up to `deadLetterScanLimit`). Jobs
   * moved there by the RedrivePolicy carry no reason of ours and are listed with a generic one. In a FIFO
   * queue a group's later messages stay hidden while its first is in flight, so of several dead jobs moved
   * by SQS for one transaction only the first shows; the adapter's own dead letters each get a group of
   * their own and all show.
   */
  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    const n = Math.max(0, Math.trunc(limit));
    if (n === 0) return [];
    const seen = await this.scanDeadLetters();
    try {
      const letters = seen.flatMap(({ message }) => {
        const letter = toDeadLetter(message, this.maxAttempts);
        return letter ? [letter] : [];
      });
      letters.sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
      return letters.slice(0, n);
    } finally {
      await this.releaseScan(seen.map((s) => s.message.ReceiptHandle!));
    }
  }

  /**
   * Sends the dead jobs of a transaction back to the work queue (a fresh deduplication id each, attempt
   * count starting again at 1) and deletes them from the dead-letter queue; returns how many moved. A
   * redriven job goes behind the jobs its group has in the queue now (SQS cannot put it back in front).
   */
  async redrive(transactionId: string): Promise<number> {
    const seen = await this.scanDeadLetters();
    const take = seen.filter((s) => s.job?.transactionId === transactionId);
    const keep = seen.filter((s) => s.job?.transactionId !== transactionId);
    try {
      for (let i = 0; i < take.length; i += SQS_BATCH) {
        const chunk = take.slice(i, i + SQS_BATCH);
        const out = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map(({ job, message }, n) => ({
              Id: `r${n}`,
              MessageBody: JSON.stringify(toBody(job!)),
              MessageGroupId: sqsToken(job!.groupKey),
              // One redrive per dead letter: a second redrive of the same copy (after a crash between send
              // and delete) falls inside the 5-minute window and is dropped.
              MessageDeduplicationId: sha256(`redrive:${message.MessageId ?? message.ReceiptHandle}`),
            })),
          }),
        );
        if (out.Failed?.length) throw new Error(`SQS refused to redrive: ${out.Failed[0]!.Code}`);
        await this.deleteBatch(
          this.dlqUrl,
          chunk.map((s) => s.message.ReceiptHandle!),
        );
      }
    } finally {
      await this.releaseScan(keep.map((s) => s.message.ReceiptHandle!));
    }
    return take.length;
  }

  /** A no-op returning 0: SQS deletes acked messages at once and forgets deduplication ids after 5 minutes. */
  async purgeCompleted(before: Date, limit: number): Promise<number> {
    void before;
    void limit;
    return 0;
  }

  /** Null: SQS cannot look messages up by transaction (the sweepers fall back to `backlog()`). */
  async liveJobs(transactionIds: readonly string[]): Promise<null> {
    void transactionIds;
    return null;
  }

  /**
   * Approximate counts (GetQueueAttributes): visible messages as queued, not-visible as in flight. SQS tells
   * neither the age of its oldest message (CloudWatch does) nor what was completed, so those are null.
   */
  async backlog(since: Date): Promise<QueueBacklog> {
    void since;
    const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] as const;
    const res = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: [...names] }));
    return {
      queued: Number(res.Attributes?.[names[0]] ?? 0),
      inflight: Number(res.Attributes?.[names[1]] ?? 0),
      oldestQueuedMs: null,
      completedSince: null,
    };
  }

  /** The work queue answers (GetQueueAttributes). */
  async ping(): Promise<void> {
    await this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['QueueArn'] }));
  }

  /** The dead-letter queue answers (GetQueueAttributes). */
  async pingDeadLetterQueue(): Promise<void> {
    await this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.dlqUrl, AttributeNames: ['QueueArn'] }));
  }

  /** Approximate counts from SQS, for metrics and tests. */
  async stats(): Promise<{ visible: number; inflight: number; delayed: number; dead: number }> {
    const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
    const [main, dlq] = await Promise.all(
      [this.queueUrl, this.dlqUrl].map((url) =>
        this.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...names] })),
      ),
    );
    const count = (a: Record<string, string> | undefined, name: string) => Number(a?.[name] ?? 0);
    return {
      visible: count(main!.Attributes, names[0]),
      inflight: count(main!.Attributes, names[1]),
      delayed: count(main!.Attributes, names[2]),
      dead: count(dlq!.Attributes, names[0]) + count(dlq!.Attributes, names[1]) + count(dlq!.Attributes, names[2]),
    };
  }

  /** Visibility extension on demand: keeps a received job hidden for `visibilityMs` more from now. */
  async extend(receipt: string, visibilityMs: number): Promise<void> {
    const r = decodeReceipt(receipt);
    if (!r) return;
    await this.changeVisibility(r.h, visibilitySeconds(visibilityMs));
  }

  /** Stops visibility extension and hands nothing out any more; pending acks are flushed. */
  async close(): Promise<void> {
    this.closed = true;
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
    this.leases.clear();
    await Promise.all([this.sends.drain(), this.deletes.drain()]);
  }

  // --- dead letters -------------------------------------------------------------------------------

  /** Dead-letters a received job; false when its receipt turned out to be stale. */
  private async deadLetterReceipt(r: Receipt, reason: string): Promise<boolean> {
    try {
      // Take the message for a while first: this fails on a stale receipt, before anything is copied.
      await this.changeVisibility(r.h, 60);
    } catch (e) {
      if (isStaleReceipt(e)) return false;
      throw e;
    }
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.dlqUrl,
        MessageBody: r.b,
        // A group per dead letter: ordering no longer matters there, and every one stays visible to scans.
        MessageGroupId: sha256(`dead:${r.m || r.h}`),
        MessageDeduplicationId: sha256(`dead:${r.m || r.h}:${r.a}`),
        MessageAttributes: deadLetterAttributes(reason, r.a, this.now()),
      }),
    );
    await this.deleteBatch(this.queueUrl, [r.h]);
    return true;
  }

  private async moveToDeadLetters(message: Message, reason: string, attempts: number): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.dlqUrl,
        MessageBody: message.Body || '(empty)',
        MessageGroupId: sha256(`dead:${message.MessageId}`),
        MessageDeduplicationId: sha256(`dead:${message.MessageId}:${attempts}`),
        MessageAttributes: deadLetterAttributes(reason, attempts, this.now()),
      }),
    );
    await this.deleteBatch(this.queueUrl, [message.ReceiptHandle!]);
  }

  /** Receives what the dead-letter queue holds (up to the scan limit), hidden for the scan's duration. */
  private async scanDeadLetters(): Promise<Array<{ message: Message; job: Job | null }>> {
    const seen: Array<{ message: Message; job: Job | null }> = [];
    while (seen.length < this.scanLimit) {
      const out = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.dlqUrl,
          MaxNumberOfMessages: Math.min(SQS_BATCH, this.scanLimit - seen.length),
          VisibilityTimeout: DLQ_SCAN_VISIBILITY_SECONDS,
          WaitTimeSeconds: this.scanWaitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      const batch = (out.Messages ?? []).filter((m) => m.ReceiptHandle);
      if (batch.length === 0) break;
      for (const message of batch) seen.push({ message, job: parseBody(message.Body) });
    }
    return seen;
  }

  /** Makes scanned dead letters visible again at once. */
  private async releaseScan(handles: string[]): Promise<void> {
    for (let i = 0; i < handles.length; i += SQS_BATCH) {
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.dlqUrl,
          Entries: handles.slice(i, i + SQS_BATCH).map((h, n) => ({ Id: `v${n}`, ReceiptHandle: h, VisibilityTimeout: 0 })),
        }),
      );
    }
  }

  // --- deletes, visibility ---------------------------------------------------------------------------

  private async sendBatch(jobs: Job[]): Promise<Array<Error | null>> {
    const out = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: jobs.map((job, n) => ({
          Id: `j${n}`,
          MessageBody: JSON.stringify(toBody(job)),
          MessageGroupId: sqsToken(job.groupKey),
          MessageDeduplicationId: sqsToken(job.deduplicationId),
        })),
      }),
    );
    const errors: Array<Error | null> = jobs.map(() => null);
    for (const f of out.Failed ?? []) {
      const n = Number(f.Id?.slice(1));
      if (Number.isInteger(n) && n >= 0 && n < errors.length) {
        errors[n] = new Error(`SQS refused job ${jobs[n]!.deduplicationId} (${f.Code}: ${f.Message ?? ''}); a resend is safe`);
      }
    }
    return errors;
  }

  /** DeleteMessageBatch, one error (or null) per handle; a stale receipt is not an error. */
  private async deleteEntries(queueUrl: string, handles: string[]): Promise<Array<Error | null>> {
    const out = await this.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: handles.map((h, n) => ({ Id: `d${n}`, ReceiptHandle: h })),
      }),
    );
    const errors: Array<Error | null> = handles.map(() => null);
    for (const f of out.Failed ?? []) {
      const n = Number(f.Id?.slice(1));
      if (!isStaleReceiptCode(f.Code, f.Message) && Number.isInteger(n) && n >= 0 && n < errors.length) {
        errors[n] = new Error(`SQS refused to delete a message (${f.Code}: ${f.Message ?? ''})`);
      }
    }
    return errors;
  }

  /**
   * DeleteMessageBatch of up to 10 handles, now. Entries refused because their receipt is no longer valid are
   * ignored (the job was redelivered and someone else holds it); other refusals fail the call.
   */
  private async deleteBatch(queueUrl: string, handles: string[]): Promise<void> {
    if (handles.length === 0) return;
    const failed = (await this.deleteEntries(queueUrl, handles)).filter((e) => e !== null);
    if (failed.length) throw failed[0]!;
  }

  private async changeVisibility(handle: string, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: handle,
        VisibilityTimeout: clampInt(seconds, 0, SQS_MAX_VISIBILITY_SECONDS),
      }),
    );
  }

  /** Visibility extension: renews the timeout every half timeout until settled or `maxMs` passed. */
  private keepVisible(handle: string, visibility: number): void {
    if (this.extendMaxMs === null || visibility < 2) return;
    const until = Date.now() + this.extendMaxMs;
    const every = (visibility * 1000) / 2;
    const renew = () => {
      const lease = this.leases.get(handle);
      if (!lease || this.closed) return;
      if (Date.now() + every > lease.until) {
        this.leases.delete(handle);
        return;
      }
      this.changeVisibility(handle, visibility).then(
        () => {
          const current = this.leases.get(handle);
          if (current) {
            current.timer = setTimeout(renew, every);
            current.timer.unref();
          }
        },
        (e: unknown) => {
          this.leases.delete(handle);
          if (!isStaleReceipt(e)) this.options.onError?.(`visibility extension failed: ${(e as Error).message}`);
        },
      );
    };
    const timer = setTimeout(renew, every);
    timer.unref();
    this.leases.set(handle, { timer, until });
  }

  private release(handle: string): void {
    const lease = this.leases.get(handle);
    if (lease) clearTimeout(lease.timer);
    this.leases.delete(handle);
  }

  private now(): number {
    return this.options.clock ? this.options.clock.now().getTime() : Date.now();
  }
}

// --- helpers -------------------------------------------------------------------------------------------

/**
 * Groups the items of concurrent calls into batch calls of up to `size` (at most `inFlight` at once). The
 * items of one call stay in one batch (a call larger than `size` is sent alone, in order, `size` at a time).
 * `send` answers one error (or null) per item; a call fails with the first error among its items.
 */
class Batcher<T> {
  private waiting: Array<{ items: T[]; resolve: () => void; reject: (e: Error) => void }> = [];
  private inFlightCount = 0;
  private scheduled = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly size: number,
    private readonly inFlight: number,
    private readonly send: (items: T[]) => Promise<Array<Error | null>>,
  ) {}

  add(items: T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // one turn of the event loop: calls made together share a batch
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Resolves when nothing is waiting or in flight. */
  drain(): Promise<void> {
    if (this.waiting.length === 0 && this.inFlightCount === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private pump(): void {
    while (this.inFlightCount < this.inFlight && this.waiting.length > 0) {
      const calls = [this.waiting.shift()!];
      let count = calls[0]!.items.length;
      while (this.waiting.length > 0 && count + this.waiting[0]!.items.length <= this.size) {
        const next = this.waiting.shift()!;
        calls.push(next);
        count += next.items.length;
      }
      this.inFlightCount++;
      void this.run(calls).finally(() => {
        this.inFlightCount--;
        this.pump();
        if (this.waiting.length === 0 && this.inFlightCount === 0) for (const r of this.idle.splice(0)) r();
      });
    }
  }

  private async run(calls: Array<{ items: T[]; resolve: () => void; reject: (e: Error) => void }>): Promise<void> {
    const items = calls.flatMap((c) => c.items);
    try {
      const errors: Array<Error | null> = [];
      for (let i = 0; i < items.length; i += this.size) errors.push(...(await this.send(items.slice(i, i + this.size))));
      let at = 0;
      for (const c of calls) {
        const own = errors.slice(at, at + c.items.length).find((e) => e !== null);
        at += c.items.length;
        if (own) c.reject(own);
        else c.resolve();
      }
    } catch (e) {
      for (const c of calls) c.reject(e as Error);
    }
  }
}

function clampInt(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

function visibilitySeconds(ms: number): number {
  return clampInt(Math.ceil(Math.max(0, ms) / 1000), 0, SQS_MAX_VISIBILITY_SECONDS);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A MessageGroupId / MessageDeduplicationId: 1-128 printable ASCII characters, else its SHA-256. */
export function sqsToken(value: string): string {
  return /^[\x21-\x7e]{1,128}$/.test(value) ? value : sha256(value);
}

function validateJob(job: Job): void {
  if (!job.groupKey) throw new Error(`job ${job.deduplicationId}: groupKey is required`);
  if (!job.deduplicationId) throw new Error(`job of ${job.transactionId}: deduplicationId is required`);
  if (job.notBefore && Number.isNaN(job.notBefore.getTime())) {
    throw new Error(`job ${job.deduplicationId}: invalid notBefore`);
  }
}

function toBody(job: Job): JobBody {
  const body: JobBody = {
    v: 1,
    type: job.type,
    transactionId: job.transactionId,
    groupKey: job.groupKey,
    deduplicationId: job.deduplicationId,
  };
  if (job.notBefore) body.notBefore = job.notBefore.toISOString();
  if (job.payload) body.payload = job.payload;
  return body;
}

function parseBody(raw: string | undefined): Job | null {
  if (!raw) return null;
  let body: Partial<JobBody>;
  try {
    body = JSON.parse(raw) as Partial<JobBody>;
  } catch {
    return null;
  }
  if (
    body?.v !== 1 ||
    typeof body.type !== 'string' ||
    typeof body.transactionId !== 'string' ||
    typeof body.groupKey !== 'string' ||
    typeof body.deduplicationId !== 'string'
  ) {
    return null;
  }
  const job: Job = {
    type: body.type as JobType,
    transactionId: body.transactionId,
    groupKey: body.groupKey,
    deduplicationId: body.deduplicationId,
  };
  if (typeof body.notBefore === 'string') {
    const at = new Date(body.notBefore);
    if (!Number.isNaN(at.getTime())) job.notBefore = at;
  }
  if (body.payload && typeof body.payload === 'object') job.payload = body.payload;
  return job;
}

function receiveCount(message: Message): number {
  const n = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** Receives of a delayed job before it was due: each hid it until then, or for 12 h when further away. */
function earlyReceives(message: Message, notBefore: number | undefined): number {
  if (notBefore === undefined) return 0;
  const first = Number(message.Attributes?.ApproximateFirstReceiveTimestamp);
  if (!Number.isFinite(first) || first >= notBefore) return 0;
  return Math.ceil((notBefore - first) / (SQS_MAX_VISIBILITY_SECONDS * 1000));
}

function encodeReceipt(r: Receipt): string {
  return Buffer.from(JSON.stringify(r)).toString('base64url');
}

function decodeReceipt(receipt: string): Receipt | null {
  try {
    const r = JSON.parse(Buffer.from(receipt, 'base64url').toString()) as Partial<Receipt>;
    if (typeof r?.h !== 'string' || !r.h || typeof r.a !== 'number' || typeof r.b !== 'string') return null;
    return { h: r.h, a: r.a, m: typeof r.m === 'string' ? r.m : '', b: r.b };
  } catch {
    return null;
  }
}

/** Message attribute values: SQS allows #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD; anything else becomes '?'. */
function attributeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]/gu, '?').slice(0, MAX_REASON_LENGTH);
  return clean || '(none)';
}

function deadLetterAttributes(reason: string, attempts: number, atMs: number): Record<string, MessageAttributeValue> {
  return {
    [ATTR_REASON]: { DataType: 'String', StringValue: attributeText(reason) },
    [ATTR_ATTEMPTS]: { DataType: 'Number', StringValue: String(attempts) },
    [ATTR_DEAD_AT]: { DataType: 'String', StringValue: new Date(atMs).toISOString() },
  };
}

function toDeadLetter(message: Message, maxAttempts: number): DeadLetter | null {
  const job = parseBody(message.Body);
  if (!job) return null;
  const attrs = message.MessageAttributes ?? {};
  const reason = attrs[ATTR_REASON]?.StringValue;
  const attempts = Number(attrs[ATTR_ATTEMPTS]?.StringValue);
  const at = attrs[ATTR_DEAD_AT]?.StringValue;
  if (reason !== undefined && Number.isInteger(attempts) && at) return { job, reason, attempts, at };
  // Moved by the RedrivePolicy: every delivery it was allowed (maxReceiveCount = maxAttempts) timed out.
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    job,
    reason: 'visibility timeout expired on every allowed delivery (moved by the SQS RedrivePolicy)',
    attempts: maxAttempts,
    at: new Date(Number.isFinite(sent) ? sent : 0).toISOString(),
  };
}

function isStaleReceiptCode(code: string | undefined, message: string | undefined): boolean {
  if (code === 'ReceiptHandleIsInvalid' || code === 'MessageNotInflight') return true;
  return code === 'InvalidParameterValue' && /receipt ?handle/i.test(message ?? '');
}

/** SQS's answer to a receipt whose visibility timeout ended (or that was deleted already). */
function isStaleReceipt(e: unknown): boolean {
  const err = e as { name?: string; Code?: string; message?: string };
  return isStaleReceiptCode(err?.name, err?.message) || isStaleReceiptCode(err?.Code, err?.message);
}
