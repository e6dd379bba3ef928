import { EmbeddedDatabase } from './embedded-database.js';
import { backoffDelay, SqliteWorkQueue } from './sqlite-work-queue.adapter.js';
import { ManualClock, sampleJob, tempDataDir } from './testing/embedded.fixtures.js';

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
    await expect(queue.purgeCompleted(clock.now())).resolves.toBe(1);
    await queue.enqueue([job]);
    await expect(queue.receive(10, 1000)).resolves.toHaveLength(1);
  });

  it('hands out the jobs of one group one at a time, in enqueue order', async () => {
    const first = sampleJob({ groupKey: 'g1', transactionId: 't1' });
    const second = sampleJob({ groupKey: 'g1', transactionId: 't1', type: 'payment.release' });
    const other = sampleJob({ groupKey: 'g2' });
    await queue.enqueue([first, second, other]);
    const batch = await queue.receive(10, 1000);
    expect(batch.map((r) => r.job.deduplicationId)).toEqual([first.deduplicationId, other.deduplicationId]);
    await expect(queue.receive(10, 1000)).resolves.toEqual([]); // second waits while first is inflight
    await queue.ack(batch[0]!.receipt);
    const next = await queue.receive(10, 1000);
    expect(next.map((r) => r.job.deduplicationId)).toEqual([second.deduplicationId]);
  });

  it('keeps the group blocked while its head waits for a retry, and lets it pass once the head is dead', async () => {
    const head = sampleJob({ groupKey: 'g' });
    const tail = sampleJob({ groupKey: 'g' });
    await queue.enqueue([head, tail]);
    const [r1] = await queue.receive(10, 1000);
    await queue.retry(r1!.receipt, 5000, 'host down');
    await expect(queue.receive(10, 1000)).resolves.toEqual([]);
    clock.advance(5000);
    const [r2] = await queue.receive(10, 1000);
    expect(r2!.job.deduplicationId).toBe(head.deduplicationId);
    await queue.deadLetter(r2!.receipt, 'poison');
    const [r3] = await queue.receive(10, 1000);
    expect(r3!.job.deduplicationId).toBe(tail.deduplicationId);
  });

  it('does not hand out a delayed job before notBefore', async () => {
    const job = sampleJob({ notBefore: new Date(clock.ms + 60_000) });
    await queue.enqueue([job]);
    await expect(queue.receive(10, 1000)).resolves.toEqual([]);
    clock.advance(60_000);
    const [got] = await queue.receive(10, 1000);
    expect(got!.job).toEqual(job);
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

  it('dead-letters a job whose last allowed delivery timed out instead of redelivering it forever', async () => {
    const job = sampleJob();
    await queue.enqueue([job]);
    for (let i = 0; i < 3; i++) {
      await expect(queue.receive(1, 1000)).resolves.toHaveLength(1);
      clock.advance(1000);
    }
    await expect(queue.receive(1, 1000)).resolves.toEqual([]);
    const [dead] = await queue.listDeadLetters(10);
    expect(dead!.attempts).toBe(3);
    expect(dead!.reason).toMatch(/visibility timeout/);
  });

  it('redrives the dead jobs of a transaction with a fresh attempt count', async () => {
    const a = sampleJob({ transactionId: 'tx-1', groupKey: 'tx-1' });
    const b = sampleJob({ transactionId: 'tx-2', groupKey: 'tx-2' });
    await queue.enqueue([a, b]);
    for (const got of await queue.receive(10, 1000)) await queue.deadLetter(got.receipt, 'manual');
    expect(await queue.listDeadLetters(10)).toHaveLength(2);
    await expect(queue.redrive('tx-1')).resolves.toBe(1);
    await expect(queue.redrive('tx-1')).resolves.toBe(0);
    const [again] = await queue.receive(10, 1000);
    expect(again!.job).toEqual(a);
    expect(again!.attempt).toBe(1);
    expect((await queue.listDeadLetters(10)).map((d) => d.job.transactionId)).toEqual(['tx-2']);
  });

  it('never hands the same job to two connections of the same file', async () => {
    const other = new EmbeddedDatabase({ dataDir: db.path.replace(/\/clearway\.db$/, '') });
    try {
      const queues = [queue, new SqliteWorkQueue(other, { clock, maxAttempts: 3 })];
      const jobs = Array.from({ length: 200 }, (_, i) => sampleJob({ groupKey: `g${i % 50}` }));
      await queue.enqueue(jobs);
      const seen = new Map<string, number>();
      let idle = 0;
      for (let round = 0; idle < 4; round++) {
        // both receive before either acks: the second must not get what the first holds
        const batches = await Promise.all(queues.map((q) => q.receive(7, 60_000)));
        const all = batches.flat();
        idle = all.length === 0 ? idle + 1 : 0;
        for (const r of all) seen.set(r.job.deduplicationId, (seen.get(r.job.deduplicationId) ?? 0) + 1);
        const groups = all.map((r) => r.job.groupKey);
        expect(new Set(groups).size).toBe(groups.length); // one job per group at a time
        await Promise.all(batches.map((batch, i) => Promise.all(batch.map((r) => queues[i]!.ack(r.receipt)))));
      }
      expect(seen.size).toBe(200);
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
    } finally {
      other.close();
    }
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
