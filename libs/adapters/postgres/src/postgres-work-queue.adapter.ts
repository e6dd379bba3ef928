// SPDX-License-Identifier: Apache-2.0
import { randomBytes } from 'node:crypto';
import type { Clock, DeadLetter, Job, JobPayload, JobType, LiveJob, QueueBacklog, ReceivedJob, WorkQueue } from '#application';
import type pg from 'pg';
import type { PostgresDatabase, Queryable } from './postgres-database.js';

export const DEFAULT_MAX_ATTEMPTS = 8;

const ACTIVE = `state IN ('ready', 'inflight')`;

const SQL = {
  lockGroup: { name: 'jobs.lock-group', text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))' },
  insertJob: {
    name: 'jobs.insert',
    // a job behind an active one of its group waits (blocked) until that one is done: one at a time per group
    text: `INSERT INTO jobs (type, transaction_id, group_key, dedup_id, not_before, state, available_at, blocked, attempts, enqueued_at, payload)
           VALUES ($1, $2, $3, $4, $5, 'ready', $6, EXISTS (SELECT 1 FROM jobs WHERE ${ACTIVE} AND group_key = $3), 0, $7, $8)
           ON CONFLICT (dedup_id) DO NOTHING`,
  },
  notify: { name: 'jobs.notify', text: `SELECT pg_notify($1, '')` },
  advanceGroup: {
    name: 'jobs.advance-group',
    text: `UPDATE jobs SET blocked = false
           WHERE seq = (SELECT seq FROM jobs WHERE ${ACTIVE} AND group_key = $1 AND blocked ORDER BY seq LIMIT 1)
             AND NOT EXISTS (SELECT 1 FROM jobs WHERE ${ACTIVE} AND group_key = $1 AND NOT blocked)`,
  },
} as const;

/**
 * Inserts jobs in the caller's transaction (the repository's, so a state change and its jobs commit together).
 * Each group's jobs are serialised by a transaction-scoped advisory lock on the group key (taken in key order, so
 * two transactions never wait on each other in a cycle), which makes "blocked behind the group's active job" exact
 * between concurrent writers. A deduplication id enqueued before (and not purged) is ignored.
 */
export async function enqueueJobs(db: PostgresDatabase, client: Queryable, jobs: readonly Job[], nowMs: number): Promise<void> {
  if (jobs.length === 0) return;
  for (const group of [...new Set(jobs.map((j) => j.groupKey))].sort()) await db.query(SQL.lockGroup, [group], client);
  for (const job of jobs) {
    const notBefore = job.notBefore ? job.notBefore.getTime() : null;
    if (notBefore !== null && Number.isNaN(notBefore)) throw new Error(`job ${job.deduplicationId}: invalid notBefore`);
    await db.query(
      SQL.insertJob,
      [
        job.type,
        job.transactionId,
        job.groupKey,
        job.deduplicationId,
        notBefore,
        notBefore !== null ? Math.max(notBefore, 0) : nowMs,
        nowMs,
        job.payload ? JSON.stringify(job.payload) : null,
      ],
      client,
    );
  }
  await notifyJobs(db, client);
}

/**
 * Wakes the workers of every instance (PostgresJobListener) when the transaction commits; the server sends nothing
 * when it rolls back, and folds the notifications of one transaction into one.
 */
async function notifyJobs(db: PostgresDatabase, client: Queryable): Promise<void> {
  await db.query(SQL.notify, [db.jobsChannel], client);
}

/** After a group's head left the active states, makes its next job the head (under the group's lock). */
async function advanceGroup(db: PostgresDatabase, client: Queryable, groupKey: string): Promise<void> {
  await db.query(SQL.lockGroup, [groupKey], client);
  const { rowCount } = await db.query(SQL.advanceGroup, [groupKey], client);
  if (rowCount) await notifyJobs(db, client);
}

interface JobRow {
  seq: string;
  type: string;
  transaction_id: string;
  group_key: string;
  dedup_id: string;
  not_before: string | null;
  attempts: number;
  payload: string | null;
  last_error: string | null;
  finished_at: string | null;
}

/**
 * The work queue on PostgreSQL (issue 16): the embedded queue's semantics on a shared server. At-least-once
 * delivery with a visibility timeout, one job at a time per group key in enqueue order, retry with a delay,
 * dead-letter after `maxAttempts` deliveries, redrive. Receivers on many processes take due jobs with
 * `FOR UPDATE SKIP LOCKED`, so they never wait on each other's rows and never take the same job.
 */
export class PostgresWorkQueue implements WorkQueue {
  readonly maxAttempts: number;
  private readonly clock: Clock | undefined;

  constructor(
    private readonly db: PostgresDatabase,
    options: { maxAttempts?: number; clock?: Clock } = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new Error(`maxAttempts must be a positive integer, got ${this.maxAttempts}`);
    }
    this.clock = options.clock;
  }

  async enqueue(jobs: Job[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = this.now();
    await this.db.transaction((c) => enqueueJobs(this.db, c, jobs, now));
  }

  async receive(max: number, visibilityMs: number): Promise<ReceivedJob[]> {
    if (!(max >= 1)) return [];
    const now = this.now();
    const until = now + Math.max(0, Math.trunc(visibilityMs));
    return this.db.transaction(async (c) => {
      // A job whose last allowed delivery timed out (its worker died or hung) is dead-lettered, not handed out
      // again: a job that crashes its worker must not loop forever.
      const expired = await c.query<{ group_key: string }>(
        `UPDATE jobs SET state = 'dead', finished_at = $1, receipt = NULL,
           last_error = 'visibility timeout expired on attempt ' || attempts || ' of ' || $2
                        || COALESCE(' (last error: ' || last_error || ')', '')
         WHERE seq IN (SELECT seq FROM jobs WHERE state = 'inflight' AND available_at <= $1 AND attempts >= $2 FOR UPDATE SKIP LOCKED)
         RETURNING group_key`,
        [now, this.maxAttempts],
      );
      for (const g of [...new Set(expired.rows.map((r) => r.group_key))].sort()) await advanceGroup(this.db, c, g);
      // Due group heads: ready and due, or in flight past their visibility timeout.
      const { rows } = await c.query<JobRow>(
        `SELECT seq, type, transaction_id, group_key, dedup_id, not_before, attempts, payload
         FROM jobs WHERE ${ACTIVE} AND NOT blocked AND available_at <= $1
         ORDER BY available_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, Math.trunc(max)],
      );
      const received: ReceivedJob[] = [];
      for (const row of rows) {
        const receipt = `${row.seq}.${randomBytes(12).toString('base64url')}`;
        await c.query(`UPDATE jobs SET state = 'inflight', attempts = attempts + 1, available_at = $1, receipt = $2 WHERE seq = $3`, [
          until,
          receipt,
          row.seq,
        ]);
        received.push({ job: toJob(row), receipt, attempt: row.attempts + 1 });
      }
      return received;
    });
  }

  /** Completes a job. A receipt that is no longer current (the job was redelivered since) does nothing. */
  async ack(receipt: string): Promise<void> {
    const seq = seqOf(receipt);
    if (seq === null) return;
    const now = this.now();
    await this.db.transaction(async (c) => {
      const { rows } = await c.query<{ group_key: string }>(
        `UPDATE jobs SET state = 'done', finished_at = $1, receipt = NULL
         WHERE seq = $2 AND receipt = $3 AND state = 'inflight' RETURNING group_key`,
        [now, seq, receipt],
      );
      if (rows[0]) await advanceGroup(this.db, c, rows[0].group_key);
    });
  }

  /**
   * Hands the job out again after `delayMs`, or dead-letters it once it has had `maxAttempts` deliveries. A stale
   * receipt changes nothing and answers `retried`: the job will be delivered again anyway.
   */
  async retry(receipt: string, delayMs: number, reason: string): Promise<'retried' | 'dead-lettered'> {
    const seq = seqOf(receipt);
    if (seq === null) return 'retried';
    const now = this.now();
    return this.db.transaction(async (c) => {
      const { rows } = await c.query<{ attempts: number; group_key: string }>(
        `SELECT attempts, group_key FROM jobs WHERE seq = $1 AND receipt = $2 AND state = 'inflight' FOR UPDATE`,
        [seq, receipt],
      );
      const row = rows[0];
      if (!row) return 'retried';
      if (row.attempts >= this.maxAttempts) {
        await this.markDead(c, seq, row.group_key, now, reason);
        return 'dead-lettered';
      }
      await c.query(`UPDATE jobs SET state = 'ready', available_at = $1, receipt = NULL, last_error = $2 WHERE seq = $3`, [
        now + Math.max(0, Math.trunc(delayMs)),
        reason,
        seq,
      ]);
      return 'retried';
    });
  }

  /** Dead-letters the job at once. A stale receipt does nothing. */
  async deadLetter(receipt: string, reason: string): Promise<void> {
    const seq = seqOf(receipt);
    if (seq === null) return;
    const now = this.now();
    await this.db.transaction(async (c) => {
      const { rows } = await c.query<{ group_key: string }>(
        `SELECT group_key FROM jobs WHERE seq = $1 AND receipt = $2 AND state = 'inflight' FOR UPDATE`,
        [seq, receipt],
      );
      if (rows[0]) await this.markDead(c, seq, rows[0].group_key, now, reason);
    });
  }

  /** Dead letters, most recent first. */
  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    const { rows } = await this.db.run<JobRow>(
      `SELECT seq, type, transaction_id, group_key, dedup_id, not_before, attempts, payload, last_error, finished_at
       FROM jobs WHERE state = 'dead' ORDER BY finished_at DESC, seq DESC LIMIT $1`,
      [Math.max(0, Math.trunc(limit))],
    );
    return rows.map((row) => ({
      job: toJob(row),
      reason: row.last_error ?? '',
      attempts: row.attempts,
      at: new Date(Number(row.finished_at ?? 0)).toISOString(),
    }));
  }

  /**
   * Moves the dead jobs of a transaction back to the queue, due now, attempts reset. A redriven job whose group has
   * active jobs waits behind the group's head, then keeps its original place (seq) among the waiting ones.
   */
  async redrive(transactionId: string): Promise<number> {
    const now = this.now();
    return this.db.transaction(async (c) => {
      const { rows } = await c.query<{ seq: string; group_key: string }>(
        `SELECT seq, group_key FROM jobs WHERE transaction_id = $1 AND state = 'dead' ORDER BY seq FOR UPDATE`,
        [transactionId],
      );
      for (const g of [...new Set(rows.map((r) => r.group_key))].sort()) await this.db.query(SQL.lockGroup, [g], c);
      for (const { seq } of rows) {
        await c.query(
          `UPDATE jobs SET state = 'ready', attempts = 0, available_at = $1, receipt = NULL, finished_at = NULL,
             blocked = EXISTS (SELECT 1 FROM jobs AS o WHERE o.state IN ('ready', 'inflight') AND o.group_key = jobs.group_key)
           WHERE seq = $2`,
          [now, seq],
        );
      }
      if (rows.length > 0) await notifyJobs(this.db, c);
      return rows.length;
    });
  }

  /** Deletes up to `limit` completed jobs finished before `before`, oldest first (their deduplication ids become free). */
  async purgeCompleted(before: Date, limit: number): Promise<number> {
    const { rowCount } = await this.db.run(
      `DELETE FROM jobs WHERE seq IN (SELECT seq FROM jobs WHERE state = 'done' AND finished_at < $1 ORDER BY finished_at LIMIT $2)`,
      [before.getTime(), Math.max(0, Math.trunc(limit))],
    );
    return rowCount ?? 0;
  }

  /** The live jobs (ready, delayed, retrying or in flight) of these transactions: the first of each, by seq. */
  async liveJobs(transactionIds: readonly string[]): Promise<ReadonlyMap<string, LiveJob>> {
    const live = new Map<string, LiveJob>();
    if (transactionIds.length === 0) return live;
    const { rows } = await this.db.run<{ transaction_id: string; type: string; attempts: number; carried_on: boolean }>(
      `SELECT transaction_id, type, attempts, (payload IS NOT NULL AND (payload::jsonb ? 'continuation')) AS carried_on FROM jobs
       WHERE ${ACTIVE} AND transaction_id = ANY($1) ORDER BY seq`,
      [[...transactionIds]],
    );
    for (const r of rows) {
      if (!live.has(r.transaction_id))
        live.set(r.transaction_id, { type: r.type as JobType, attempts: r.attempts, carriedOn: r.carried_on });
    }
    return live;
  }

  /** What waits: due jobs (and how long the oldest has been due), jobs in flight, and jobs completed since `since`. */
  async backlog(since: Date): Promise<QueueBacklog> {
    const now = this.now();
    const { rows } = await this.db.run<{ queued: string; oldest: string | null; inflight: string; done: string }>(
      `SELECT
         (SELECT count(*) FROM jobs WHERE ${ACTIVE} AND NOT blocked AND available_at <= $1) AS queued,
         (SELECT min(available_at) FROM jobs WHERE ${ACTIVE} AND NOT blocked AND available_at <= $1) AS oldest,
         (SELECT count(*) FROM jobs WHERE state = 'inflight') AS inflight,
         (SELECT count(*) FROM jobs WHERE state = 'done' AND finished_at > $2) AS done`,
      [now, since.getTime()],
    );
    const r = rows[0]!;
    return {
      queued: Number(r.queued),
      inflight: Number(r.inflight),
      oldestQueuedMs: r.oldest === null ? null : Math.max(0, now - Number(r.oldest)),
      completedSince: Number(r.done),
    };
  }

  /** Jobs waiting (ready, delayed or retrying), in flight and dead-lettered: the metrics' gauges. */
  async depth(): Promise<{ waiting: number; inflight: number; dead: number }> {
    const { rows } = await this.db.run<{ waiting: string; inflight: string; dead: string }>(
      `SELECT count(*) FILTER (WHERE state = 'ready') AS waiting, count(*) FILTER (WHERE state = 'inflight') AS inflight,
              (SELECT count(*) FROM jobs WHERE state = 'dead') AS dead
       FROM jobs WHERE ${ACTIVE}`,
    );
    const r = rows[0]!;
    return { waiting: Number(r.waiting), inflight: Number(r.inflight), dead: Number(r.dead) };
  }

  /** Counts by state, for metrics and tests. */
  async stats(): Promise<Record<'ready' | 'inflight' | 'dead' | 'done', number>> {
    const counts = { ready: 0, inflight: 0, dead: 0, done: 0 };
    const { rows } = await this.db.run<{ state: keyof typeof counts; n: string }>('SELECT state, count(*) AS n FROM jobs GROUP BY state');
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }

  async ping(): Promise<void> {
    await this.db.run('SELECT 1');
  }

  private async markDead(c: pg.PoolClient, seq: number, groupKey: string, now: number, reason: string): Promise<void> {
    await c.query(`UPDATE jobs SET state = 'dead', finished_at = $1, receipt = NULL, last_error = $2 WHERE seq = $3`, [now, reason, seq]);
    await advanceGroup(this.db, c, groupKey);
  }

  private now(): number {
    return this.clock ? this.clock.now().getTime() : Date.now();
  }
}

function toJob(row: JobRow): Job {
  const job: Job = { type: row.type as JobType, transactionId: row.transaction_id, groupKey: row.group_key, deduplicationId: row.dedup_id };
  if (row.not_before !== null) job.notBefore = new Date(Number(row.not_before));
  if (row.payload) job.payload = JSON.parse(row.payload) as JobPayload;
  return job;
}

function seqOf(receipt: string): number | null {
  const dot = receipt.indexOf('.');
  if (dot <= 0) return null;
  const seq = Number(receipt.slice(0, dot));
  return Number.isSafeInteger(seq) && seq > 0 ? seq : null;
}
