// SPDX-License-Identifier: Apache-2.0
import { EmbeddedDatabase } from './embedded-database.js';
import { backoffDelay, SqliteWorkQueue } from './sqlite-work-queue.adapter.js';
import { ManualClock, sampleJob, tempDataDir } from './testing/embedded.fixtures.js';

/**
 * What only the SQLite queue does, on a settable clock (exact boundaries, purge, restart, redrive order, query
 * plans). The port's behaviour shared with the SQS queue is in the WorkQueue contract
 * (sqlite-work-queue.contract.int-spec.ts).
 */
describe('SqliteWorkQueue (real SQLite file)', () => {
  const tmp = tempDataDir();
  let db: EmbeddedDatabase;
  let clock: ManualClock;
  let queue: SqliteWorkQueue;
  let n = 0;

  beforeEach(() => {
    db = new EmbeddedDatabase({ dataDir: `${tmp.dir}/q${++n}` });
    clock = new ManualClock();
    queue = new SqliteWorkQueue(db, { clock, maxAttempts: 3 });
  });
  afterEach(() => db.close());
  afterAll(() => tmp.cleanup());

  it('drops a second job with the same deduplication id, also after the first was acked', async () => {
    const job = sampleJob();
    await queue.enqueue([job, { ...job, type: 'payment.release' }]);
    await queue.enqueue([job]);
    const got = await queue.receive(10, 1000);
    expect(got).toHaveLength(1);
    expect(got[0]!.job).toEqual(job);
    expect(got[0]!.attempt).toBe(1);
    await queue.ack(got[0]!.receipt);
    await queue.enqueue([job]);
    await expect(queue.receive(10, 1000)).resolves.toEqual([]);
    // purging completed jobs frees the id
    clock.advance(10);
    await expect(queue.purgeCompleted(clock.now(), 100)).resolves.toBe(1);
    await queue.enqueue([job]);
    await expect(queue.receive(10, 1000)).resolves.toHaveLength(1);
  });

  it('redelivers after the visibility timeout with the next attempt number; a stale receipt cannot ack', async () => {
    const job = sampleJob();
    await queue.enqueue([job]);
    const [first] = await queue.receive(1, 30_000);
    expect(first!.attempt).toBe(1);
    clock.advance(29_999);
    await expect(queue.receive(1, 30_000)).resolves.toEqual([]);
    clock.advance(1);
    const [second] = await queue.receive(1, 30_000);
    expect(second!.job).toEqual(job);
    expect(second!.attempt).toBe(2);
    expect(second!.receipt).not.toBe(first!.receipt);

    await queue.ack(first!.receipt); // stale: ignored
    await expect(queue.retry(first!.receipt, 0, 'late')).resolves.toBe('retried'); // stale: no effect
    await queue.deadLetter(first!.receipt, 'late'); // stale: no effect
    expect(await queue.stats()).toMatchObject({ inflight: 1, done: 0, dead: 0, ready: 0 });
    clock.advance(30_000);
    const [third] = await queue.receive(1, 30_000);
    expect(third!.attempt).toBe(3);
    await queue.ack(third!.receipt);
    expect(await queue.stats()).toMatchObject({ inflight: 0, done: 1 });
    await queue.ack(third!.receipt); // twice: harmless
    await queue.ack('garbage');
  });

  it('respects the retry delay and dead-letters after maxAttempts', async () => {
    const job = sampleJob();
    await queue.enqueue([job]);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const [got] = await queue.receive(1, 1000);
      expect(got!.attempt).toBe(attempt);
      await expect(queue.retry(got!.receipt, 2000, `failure ${attempt}`)).resolves.toBe('retried');
      clock.advance(1999);
      await expect(queue.receive(1, 1000)).resolves.toEqual([]);
      clock.advance(1);
    }
    const [last] = await queue.receive(1, 1000);
    expect(last!.attempt).toBe(3);
    await expect(queue.retry(last!.receipt, 2000, 'failure 3')).resolves.toBe('dead-lettered');
    clock.advance(10_000);
    await expect(queue.receive(1, 1000)).resolves.toEqual([]);
    const deadAt = new Date(clock.ms - 10_000).toISOString();
    await expect(queue.listDeadLetters(10)).resolves.toEqual([{ job, reason: 'failure 3', attempts: 3, at: deadAt }]);
  });

  it('keeps its jobs across close and reopen', async () => {
    const job = sampleJob();
    await queue.enqueue([job]);
    const [got] = await queue.receive(1, 1000);
    const dir = db.path.replace(/\/clearway\.db$/, '');
    db.close();
    db = new EmbeddedDatabase({ dataDir: dir });
    queue = new SqliteWorkQueue(db, { clock, maxAttempts: 3 });
    clock.advance(1000);
    const [again] = await queue.receive(1, 1000);
    expect(again!.job).toEqual(job);
    expect(again!.attempt).toBe(2);
    expect(again!.receipt).not.toBe(got!.receipt);
  });

  it('redriven jobs wait behind the group’s current head, then run before its later jobs', async () => {
    const first = sampleJob({ transactionId: 'tx', groupKey: 'g' });
    await queue.enqueue([first]);
    const [r1] = await queue.receive(1, 1000);
    await queue.deadLetter(r1!.receipt, 'broken');
    const second = sampleJob({ transactionId: 'tx', groupKey: 'g' });
    const third = sampleJob({ transactionId: 'tx', groupKey: 'g' });
    await queue.enqueue([second, third]);
    const [r2] = await queue.receive(10, 1000);
    expect(r2!.job.deduplicationId).toBe(second.deduplicationId);
    await expect(queue.redrive('tx')).resolves.toBe(1);
    await expect(queue.receive(10, 1000)).resolves.toEqual([]); // second still inflight
    await queue.ack(r2!.receipt);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const got = await queue.receive(10, 1000);
      expect(got.length).toBeLessThanOrEqual(1);
      for (const r of got) {
        order.push(r.job.deduplicationId);
        await queue.ack(r.receipt);
      }
    }
    expect(order).toEqual([first.deduplicationId, third.deduplicationId]);
  });

  it('lets the next job of a group through when the head dies of a visibility timeout', async () => {
    const head = sampleJob({ groupKey: 'g' });
    const next = sampleJob({ groupKey: 'g' });
    await queue.enqueue([head, next]);
    for (let i = 0; i < 3; i++) {
      const got = await queue.receive(10, 1000);
      expect(got.map((r) => r.job.deduplicationId)).toEqual([head.deduplicationId]);
      clock.advance(1000);
    }
    const [after] = await queue.receive(10, 1000);
    expect(after!.job.deduplicationId).toBe(next.deduplicationId);
  });

  it('purges completed jobs in bounded batches, oldest first', async () => {
    const jobs = Array.from({ length: 5 }, () => sampleJob());
    await queue.enqueue(jobs);
    for (const r of await queue.receive(10, 1000)) {
      await queue.ack(r.receipt);
      clock.advance(1);
    }
    clock.advance(10);
    await expect(queue.purgeCompleted(clock.now(), 2)).resolves.toBe(2);
    await expect(queue.purgeCompleted(clock.now(), 2)).resolves.toBe(2);
    await expect(queue.purgeCompleted(clock.now(), 2)).resolves.toBe(1);
    await expect(queue.purgeCompleted(clock.now(), 2)).resolves.toBe(0);
    // the first two acked are the first purged: their deduplication ids are free again, the later ones' too
    await queue.enqueue([jobs[0]!, jobs[4]!]);
    await expect(queue.receive(10, 1000)).resolves.toHaveLength(2);
  });

  it('names the live jobs of transactions: waiting, delayed, retrying or in flight, not done or dead', async () => {
    const waiting = sampleJob({ transactionId: 'tx-waiting' });
    const delayed = sampleJob({ transactionId: 'tx-delayed', notBefore: new Date(clock.now().getTime() + 60_000) });
    const inflight = sampleJob({ transactionId: 'tx-inflight' });
    const done = sampleJob({ transactionId: 'tx-done' });
    const dead = sampleJob({ transactionId: 'tx-dead' });
    await queue.enqueue([inflight, done, dead]);
    const got = await queue.receive(10, 30_000);
    const receipt = (tx: string) => got.find((r) => r.job.transactionId === tx)!.receipt;
    await queue.ack(receipt('tx-done'));
    await queue.deadLetter(receipt('tx-dead'), 'test');
    await queue.enqueue([waiting, delayed]);
    const live = await queue.liveJobs(['tx-waiting', 'tx-delayed', 'tx-inflight', 'tx-done', 'tx-dead', 'tx-unknown']);
    expect([...live.keys()].sort()).toEqual(['tx-delayed', 'tx-inflight', 'tx-waiting']);
    expect(live.get('tx-inflight')).toEqual({ type: inflight.type, attempts: 1, carriedOn: false });
    expect(live.get('tx-waiting')).toEqual({ type: waiting.type, attempts: 0, carriedOn: false });
    const carried = sampleJob({ transactionId: 'tx-carried', payload: { continuation: { of: 'first', n: 1 } } });
    await queue.enqueue([carried]);
    expect((await queue.liveJobs(['tx-carried'])).get('tx-carried')).toEqual({ type: carried.type, attempts: 0, carriedOn: true });
    // many ids at once (more than one statement's worth)
    const many = Array.from({ length: 1200 }, (_, i) => `other-${i}`);
    expect((await queue.liveJobs([...many, 'tx-waiting'])).size).toBe(1);
  });

  it('measures its backlog: due jobs and the oldest wait, in flight, completed since', async () => {
    const start = clock.now();
    await expect(queue.backlog(start)).resolves.toEqual({ queued: 0, inflight: 0, oldestQueuedMs: null, completedSince: 0 });
    await queue.enqueue([sampleJob(), sampleJob()]);
    clock.advance(500);
    await queue.enqueue([sampleJob(), sampleJob({ notBefore: new Date(clock.now().getTime() + 60_000) })]);
    clock.advance(250);
    // three due (the delayed one is not), the oldest due for 750 ms
    await expect(queue.backlog(start)).resolves.toEqual({ queued: 3, inflight: 0, oldestQueuedMs: 750, completedSince: 0 });
    const [r] = await queue.receive(1, 10_000);
    await queue.ack(r!.receipt);
    const [r2] = await queue.receive(1, 10_000);
    await expect(queue.backlog(start)).resolves.toEqual({ queued: 1, inflight: 1, oldestQueuedMs: 250, completedSince: 1 });
    void r2;
    clock.advance(1);
    await expect(queue.backlog(clock.now())).resolves.toMatchObject({ completedSince: 0 });
  });

  it('plans receive and the group hand-over on its partial indexes', () => {
    const plan = (sql: string) =>
      db
        .all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .map((r) => r.detail)
        .join('\n');
    const receive = plan(
      `SELECT seq FROM jobs WHERE state IN ('ready', 'inflight') AND blocked = 0 AND available_at <= 0
       ORDER BY available_at, seq LIMIT 5`,
    );
    expect(receive).toMatch(/USING INDEX jobs_due \(available_at<\?\)/);
    expect(receive).not.toMatch(/TEMP B-TREE/);
    const handOver = plan(
      `SELECT seq FROM jobs WHERE state IN ('ready', 'inflight') AND group_key = 'g' AND blocked = 1 ORDER BY seq LIMIT 1`,
    );
    expect(handOver).toMatch(/USING (COVERING )?INDEX jobs_group_active/);
    expect(handOver).not.toMatch(/TEMP B-TREE/);
    // the sweepers' and admission control's lookups: no table scan over a backlog
    expect(
      plan(`SELECT transaction_id, type, attempts FROM jobs WHERE state IN ('ready', 'inflight') AND transaction_id IN ('a', 'b')`),
    ).toMatch(/USING INDEX jobs_live_tx/);
    expect(
      plan(`SELECT COUNT(*), MIN(available_at) FROM jobs WHERE state IN ('ready', 'inflight') AND blocked = 0 AND available_at <= 0`),
    ).toMatch(/USING (COVERING )?INDEX jobs_due/);
    expect(plan(`SELECT COUNT(*) FROM jobs WHERE state = 'done' AND finished_at > 0`)).toMatch(/USING (COVERING )?INDEX jobs_done/);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0.999999)).toBe(99);
    expect(backoffDelay(4, 100, 10_000, () => 0.5)).toBe(400);
    expect(backoffDelay(30, 100, 10_000, () => 0.5)).toBe(5000);
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(0);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(5, 100, 10_000);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(1600);
    }
  });
});
