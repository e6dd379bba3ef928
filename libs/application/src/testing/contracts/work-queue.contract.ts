// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import type { Job, ReceivedJob, WorkQueue } from '../../ports/work-queue.port.js';

/**
 * The WorkQueue contract: what every adapter of the port must do, run unchanged against each of them
 * (the embedded SQLite queue, the SQS FIFO queue, ...) from their own `*.int-spec.ts`, on the real engine.
 *
 * It runs on the real clock (SQS keeps its own), with timeouts of whole seconds (SQS's unit). Waiting is
 * done by polling until a condition holds, never by asserting how long something took; "not yet" checks
 * come right after the action with seconds of margin.
 */
export interface WorkQueueUnderTest {
  queue: WorkQueue;
  /** A second consumer of the same queue, as another process would have (same file, same queue URL). */
  peer(): Promise<WorkQueue>;
  /** Releases what the factory opened (connections, queues). */
  close(): Promise<void>;
}

export interface WorkQueueContractOptions {
  /** Deliveries before a job is dead-lettered; the factory must configure the queue with it. */
  maxAttempts: number;
}

const MAX_ATTEMPTS = 3;
/** The shortest visibility timeout both SQLite (ms) and SQS (whole seconds) express exactly. */
const SHORT_VISIBILITY_MS = 1000;
/** Long enough that "not yet" checks right after an action cannot be outrun. */
const LONG_MS = 4000;
const TEST_TIMEOUT_MS = 60_000;

export function contractJob(overrides: Partial<Job> = {}): Job {
  const transactionId = overrides.transactionId ?? randomUUID();
  return {
    type: 'payment.process',
    transactionId,
    groupKey: transactionId,
    deduplicationId: `${transactionId}:process:${randomUUID()}`,
    ...overrides,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Receives until at least `min` jobs came (or the deadline passed, then fails naming what it got). */
async function receiveUntil(queue: WorkQueue, min: number, visibilityMs: number, timeoutMs = 20_000): Promise<ReceivedJob[]> {
  const got: ReceivedJob[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < min) {
    got.push(...(await queue.receive(10, visibilityMs)));
    if (got.length >= min) break;
    if (Date.now() > deadline) throw new Error(`expected ${min} jobs, received ${got.length} within ${timeoutMs} ms`);
    await sleep(100);
  }
  return got;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Registers the contract's tests; `create` makes a fresh, empty queue for each test. */
export function describeWorkQueueContract(
  adapter: string,
  create: (options: WorkQueueContractOptions) => Promise<WorkQueueUnderTest>,
): void {
  describe(`WorkQueue contract: ${adapter}`, () => {
    let subject: WorkQueueUnderTest;
    let queue: WorkQueue;

    beforeEach(async () => {
      subject = await create({ maxAttempts: MAX_ATTEMPTS });
      queue = subject.queue;
    });
    afterEach(async () => {
      await subject?.close();
    });

    it('answers ping', async () => {
      await expect(queue.ping()).resolves.toBeUndefined();
    });

    it(
      'delivers an enqueued job once, as it was enqueued, until it is acked',
      async () => {
        const job = contractJob();
        await queue.enqueue([job]);
        const [got] = await receiveUntil(queue, 1, LONG_MS);
        expect(got!.job).toEqual(job);
        expect(got!.attempt).toBe(1);
        expect(typeof got!.receipt).toBe('string');
        await expect(queue.receive(10, LONG_MS)).resolves.toEqual([]); // in flight: hidden
        await queue.ack(got!.receipt);
        await queue.ack(got!.receipt); // twice: harmless
        await queue.ack('not-a-receipt'); // garbage: harmless
        await expect(queue.receive(10, LONG_MS)).resolves.toEqual([]);
        await expect(queue.listDeadLetters(10)).resolves.toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "hands a job's typed payload back as it was enqueued, also after a dead letter and a redrive",
      async () => {
        const job = contractJob({
          payload: { status: 'ACSC', continuation: { of: 'first-job', n: 2 } },
          notBefore: new Date(Date.now() - 1000),
        });
        await queue.enqueue([job]);
        const [got] = await receiveUntil(queue, 1, LONG_MS);
        expect(got!.job).toEqual(job);
        await queue.deadLetter(got!.receipt, 'manual');
        expect((await queue.listDeadLetters(10)).find((d) => d.job.deduplicationId === job.deduplicationId)?.job.payload).toEqual(
          job.payload,
        );
        await expect(queue.redrive(job.transactionId)).resolves.toBe(1);
        const [again] = await receiveUntil(queue, 1, LONG_MS);
        expect(again!.job.payload).toEqual(job.payload);
        await queue.ack(again!.receipt);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'drops a second job with the same deduplication id, in one call and later, also after the first was acked',
      async () => {
        const job = contractJob();
        await queue.enqueue([job, { ...job, type: 'payment.release' }]);
        await queue.enqueue([job]);
        const [got, ...more] = await receiveUntil(queue, 1, LONG_MS);
        expect(more).toEqual([]);
        expect(got!.job).toEqual(job);
        await queue.ack(got!.receipt);
        await queue.enqueue([job]);
        await expect(queue.receive(10, LONG_MS)).resolves.toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'hands out the jobs of one group one at a time, in enqueue order, without holding up other groups',
      async () => {
        const first = contractJob({ groupKey: 'g1', transactionId: 't1' });
        const second = contractJob({ groupKey: 'g1', transactionId: 't1', type: 'payment.release' });
        const other = contractJob({ groupKey: 'g2', transactionId: 't2' });
        await queue.enqueue([first, second, other]);
        const batch = await receiveUntil(queue, 2, LONG_MS);
        expect(batch.map((r) => r.job.deduplicationId).sort()).toEqual([first.deduplicationId, other.deduplicationId].sort());
        await expect(queue.receive(10, LONG_MS)).resolves.toEqual([]); // second waits while first is in flight
        await queue.ack(batch.find((r) => r.job.groupKey === 'g1')!.receipt);
        const [next] = await receiveUntil(queue, 1, LONG_MS);
        expect(next!.job).toEqual(second);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'takes many jobs in one enqueue call and hands each out exactly once',
      async () => {
        const jobs = Array.from({ length: 25 }, () => contractJob());
        await queue.enqueue(jobs);
        const seen = new Map<string, number>();
        await until('all 25 received', async () => {
          for (const r of await queue.receive(10, 30_000)) {
            seen.set(r.job.deduplicationId, (seen.get(r.job.deduplicationId) ?? 0) + 1);
            await queue.ack(r.receipt);
          }
          return seen.size === jobs.length;
        });
        expect([...seen.keys()].sort()).toEqual(jobs.map((j) => j.deduplicationId).sort());
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'redelivers after the visibility timeout with the next attempt number; a stale receipt changes nothing',
      async () => {
        const job = contractJob();
        await queue.enqueue([job]);
        const [first] = await receiveUntil(queue, 1, SHORT_VISIBILITY_MS);
        expect(first!.attempt).toBe(1);
        const [second] = await receiveUntil(queue, 1, LONG_MS);
        expect(second!.job).toEqual(job);
        expect(second!.attempt).toBe(2);
        expect(second!.receipt).not.toBe(first!.receipt);

        await queue.ack(first!.receipt); // stale: ignored
        await expect(queue.retry(first!.receipt, 0, 'late')).resolves.toBe('retried'); // stale: no effect
        await queue.deadLetter(first!.receipt, 'late'); // stale: no effect
        await expect(queue.receive(10, LONG_MS)).resolves.toEqual([]); // second still holds it
        await expect(queue.listDeadLetters(10)).resolves.toEqual([]);
        await queue.ack(second!.receipt);
        await expect(queue.receive(10, LONG_MS)).resolves.toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'hands a retried job out again only after the delay, and dead-letters it after maxAttempts',
      async () => {
        const job = contractJob();
        await queue.enqueue([job]);
        const [r1] = await receiveUntil(queue, 1, LONG_MS);
        await expect(queue.retry(r1!.receipt, LONG_MS, 'failure 1')).resolves.toBe('retried');
        await expect(queue.receive(10, LONG_MS)).resolves.toEqual([]); // the delay holds it back
        const [r2] = await receiveUntil(queue, 1, LONG_MS);
        expect(r2!.job).toEqual(job);
        expect(r2!.attempt).toBe(2);
        await expect(queue.retry(r2!.receipt, 0, 'failure 2')).resolves.toBe('retried');
        const [r3] = await receiveUntil(queue, 1, LONG_MS);
        expect(r3!.attempt).toBe(MAX_ATTEMPTS);
        await expect(queue.retry(r3!.receipt, 0, 'failure 3')).resolves.toBe('dead-lettered');
        await expect(queue.receive(10, LONG_MS)).resolves.toEqual([]);
        const dead = await queue.listDeadLetters(10);
        expect(dead).toEqual([{ job, reason: 'failure 3', attempts: MAX_ATTEMPTS, at: expect.any(String) }]);
        expect(new Date(dead[0]!.at).toISOString()).toBe(dead[0]!.at);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps the group blocked while its head waits for a retry, and lets it pass once the head is dead',
      async () => {
        const head = contractJob({ groupKey: 'g' });
        const tail = contractJob({ groupKey: 'g' });
        await queue.enqueue([head, tail]);
        const [r1] = await receiveUntil(queue, 1, LONG_MS);
        expect(r1!.job).toEqual(head);
        await queue.retry(r1!.receipt, LONG_MS, 'host down');
        await expect(queue.receive(10, LONG_MS)).resolves.toEqual([]);
        const [r2] = await receiveUntil(queue, 1, LONG_MS);
        expect(r2!.job).toEqual(head);
        await queue.deadLetter(r2!.receipt, 'poison');
        const [r3] = await receiveUntil(queue, 1, LONG_MS);
        expect(r3!.job).toEqual(tail);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'dead-letters a job whose last allowed delivery timed out instead of redelivering it forever',
      async () => {
        const job = contractJob();
        await queue.enqueue([job]);
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
          const [got] = await receiveUntil(queue, 1, SHORT_VISIBILITY_MS);
          expect(got!.attempt).toBe(attempt);
        }
        const [dead] = await until('dead-lettered', async () => {
          await expect(queue.receive(10, SHORT_VISIBILITY_MS)).resolves.toEqual([]);
          const letters = await queue.listDeadLetters(10);
          return letters.length ? letters : null;
        });
        expect(dead!.job).toEqual(job);
        expect(dead!.attempts).toBe(MAX_ATTEMPTS);
        expect(dead!.reason).toMatch(/visibility timeout/);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'lists dead letters most recent first, with their reasons, up to the limit',
      async () => {
        const a = contractJob();
        const b = contractJob();
        await queue.enqueue([a, b]);
        const got = await receiveUntil(queue, 2, LONG_MS);
        const byTx = (id: string) => got.find((r) => r.job.transactionId === id)!;
        await queue.deadLetter(byTx(a.transactionId).receipt, 'first: bad data');
        await sleep(20);
        await queue.deadLetter(byTx(b.transactionId).receipt, 'second: unknown type');
        const letters = await queue.listDeadLetters(10);
        expect(letters.map((d) => [d.job, d.reason, d.attempts])).toEqual([
          [b, 'second: unknown type', 1],
          [a, 'first: bad data', 1],
        ]);
        expect(Date.parse(letters[0]!.at)).toBeGreaterThanOrEqual(Date.parse(letters[1]!.at));
        await expect(queue.listDeadLetters(1)).resolves.toEqual([letters[0]]);
        await expect(queue.listDeadLetters(0)).resolves.toEqual([]);
        // listing does not consume them
        await expect(queue.listDeadLetters(10)).resolves.toHaveLength(2);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'redrives the dead jobs of one transaction with a fresh attempt count',
      async () => {
        const a = contractJob({ transactionId: `tx-a-${randomUUID()}` });
        const b = contractJob({ transactionId: `tx-b-${randomUUID()}` });
        await queue.enqueue([a, b]);
        for (const got of await receiveUntil(queue, 2, LONG_MS)) await queue.deadLetter(got.receipt, 'manual');
        expect(await queue.listDeadLetters(10)).toHaveLength(2);
        await expect(queue.redrive(a.transactionId)).resolves.toBe(1);
        await expect(queue.redrive(a.transactionId)).resolves.toBe(0);
        const [again] = await receiveUntil(queue, 1, LONG_MS);
        expect(again!.job).toEqual(a);
        expect(again!.attempt).toBe(1);
        expect((await queue.listDeadLetters(10)).map((d) => d.job.transactionId)).toEqual([b.transactionId]);
        await queue.ack(again!.receipt);
        await expect(queue.receive(10, LONG_MS)).resolves.toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'does not hand out a delayed job before notBefore, and does not count the wait as an attempt',
      async () => {
        const delayed = contractJob({ notBefore: new Date(Date.now() + LONG_MS / 2) });
        const due = contractJob();
        await queue.enqueue([delayed, due]);
        const [first] = await receiveUntil(queue, 1, LONG_MS);
        expect(first!.job).toEqual(due); // the delayed one does not hold up other groups
        await expect(queue.receive(10, LONG_MS)).resolves.toEqual([]);
        const [later] = await receiveUntil(queue, 1, LONG_MS);
        expect(later!.job).toEqual(delayed);
        expect(later!.attempt).toBe(1);
        expect(Date.now()).toBeGreaterThanOrEqual(delayed.notBefore!.getTime());
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'housekeeping (purgeCompleted) never touches jobs that are waiting or in flight',
      async () => {
        const inflight = contractJob();
        const waiting = contractJob({ groupKey: inflight.groupKey, transactionId: inflight.transactionId });
        await queue.enqueue([inflight, waiting]);
        const [r1] = await receiveUntil(queue, 1, LONG_MS);
        const purged = await queue.purgeCompleted(new Date(Date.now() + 3_600_000), 1000);
        expect(purged).toBe(0); // nothing was completed
        await queue.ack(r1!.receipt);
        const [r2] = await receiveUntil(queue, 1, LONG_MS);
        expect(r2!.job).toEqual(waiting);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'never hands the same job to two consumers at once',
      async () => {
        const other = await subject.peer();
        const consumers = [queue, other];
        const groups = Array.from({ length: 20 }, () => randomUUID());
        const jobs = Array.from({ length: 60 }, (_, i) => contractJob({ groupKey: groups[i % groups.length]! }));
        await queue.enqueue(jobs);
        const seen = new Map<string, number>();
        await until('all received', async () => {
          // both receive before either acks: the second must not get what the first holds
          const batches = await Promise.all(consumers.map((q) => q.receive(7, 60_000)));
          for (const r of batches.flat()) seen.set(r.job.deduplicationId, (seen.get(r.job.deduplicationId) ?? 0) + 1);
          const held = batches.flat().map((r) => r.job.groupKey);
          expect(new Set(held).size).toBe(held.length); // one job per group at a time
          await Promise.all(batches.map((batch, i) => Promise.all(batch.map((r) => consumers[i]!.ack(r.receipt)))));
          return seen.size === jobs.length;
        });
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
