// SPDX-License-Identifier: Apache-2.0
import { randomBytes } from 'node:crypto';
import type { Clock, DeadLetter, Job, JobPayload, JobType, LiveJob, QueueBacklog, ReceivedJob, WorkQueue } from '#application';
import type { EmbeddedDatabase } from './embedded-database.js';

export interface SqliteWorkQueueOptions {
  /** Deliveries a job gets before `retry` (or an expired visibility timeout) dead-letters it. Default 8. */
  maxAttempts?: number;
  /** Time source; the system clock when absent. */
  clock?: Clock;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Exponential backoff with full jitter: a random delay in [0, min(maxMs, baseMs * 2^(attempt-1))).
 * `attempt` is 1-based (the attempt that just failed).
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 52));
  const cap = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.floor(random() * Math.max(0, cap));
}

const ACTIVE = `state IN ('ready', 'inflight')`;

/**
 * Inserts jobs into the queue table. No transaction of its own: the repository calls it inside its
 * `BEGIN IMMEDIATE` transaction so a state change and the jobs that follow it commit together (outbox).
 * A job whose deduplication id was ever enqueued before (and not purged) is ignored. A job whose group
 * has an active job already is stored blocked: it becomes the group's head when the ones before it finish.
 */
export function enqueueJobs(db: EmbeddedDatabase, jobs: readonly Job[], nowMs: number): void {
  if (jobs.length === 0) return;
  const insert = db.statement(
    // ON CONFLICT (dedup_id) rather than INSERT OR IGNORE: OR IGNORE would also swallow NOT NULL and
    // CHECK violations and drop a malformed job silently.
    `INSERT INTO jobs (type, transaction_id, group_key, dedup_id, not_before, state, available_at, blocked, attempts, enqueued_at, payload)
     VALUES (?1, ?2, ?3, ?4, ?5, 'ready', ?6,
             EXISTS (SELECT 1 FROM jobs WHERE ${ACTIVE} AND group_key = ?3), 0, ?7, ?8)
     ON CONFLICT (dedup_id) DO NOTHING`,
  );
  for (const job of jobs) {
    const notBefore = job.notBefore ? job.notBefore.getTime() : null;
    if (notBefore !== null && Number.isNaN(notBefore)) throw new Error(`job ${job.deduplicationId}: invalid notBefore`);
    insert.run(
      job.type,
      job.transactionId,
      job.groupKey,
      job.deduplicationId,
      notBefore,
      notBefore !== null ? Math.max(notBefore, 0) : nowMs,
      nowMs,
      job.payload ? JSON.stringify(job.payload) : null,
    );
  }
}

/**
 * After the head of a group left the active states (done or dead), makes the next active job of the group
 * (lowest seq) its head. Does nothing while the group still has a head.
 */
function advanceGroup(db: EmbeddedDatabase, groupKey: string): void {
  db.run(
    `UPDATE jobs SET blocked = 0
     WHERE seq = (SELECT seq FROM jobs WHERE ${ACTIVE} AND group_key = ?1 AND blocked = 1 ORDER BY seq LIMIT 1)
       AND NOT EXISTS (SELECT 1 FROM jobs WHERE ${ACTIVE} AND group_key = ?1 AND blocked = 0)`,
    groupKey,
  );
}

interface JobRow {
  seq: number;
  type: string;
  transaction_id: string;
  group_key: string;
  dedup_id: string;
  not_before: number | null;
  attempts: number;
  payload: string | null;
  last_error: string | null;
  finished_at: number | null;
}

/**
 * The embedded work queue: a `jobs` table in the shared SQLite file. At-least-once delivery with a
 * visibility timeout, one job at a time per group key in enqueue order, retry with a delay, dead-letter
 * after `maxAttempts` deliveries, redrive. Safe for several processes on the same file: every state change
 * runs in a `BEGIN IMMEDIATE` transaction.
 */
export class SqliteWorkQueue implements WorkQueue {
  readonly maxAttempts: number;
  private readonly clock: Clock | undefined;

  constructor(
    private readonly db: EmbeddedDatabase,
    options: SqliteWorkQueueOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new Error(`maxAttempts must be a positive integer, got ${this.maxAttempts}`);
    }
    this.clock = options.clock;
  }

  async enqueue(jobs: Job[]): Promise<void> {
    const now = this.now();
    await this.db.write(() => enqueueJobs(this.db, jobs, now));
  }

  async receive(max: number, visibilityMs: number): Promise<ReceivedJob[]> {
    if (!(max >= 1)) return [];
    const now = this.now();
    const until = now + Math.max(0, Math.trunc(visibilityMs));
    return this.db.write(() => {
      // A job whose last allowed delivery timed out (the worker died or hung) is dead-lettered, not
      // handed out again: a job that crashes its worker must not loop forever.
      const expired = this.db.all<{ group_key: string }>(
        `UPDATE jobs SET state = 'dead', finished_at = ?1, receipt = NULL,
           last_error = 'visibility timeout expired on attempt ' || attempts || ' of ' || ?2
                        || COALESCE(' (last error: ' || last_error || ')', '')
         WHERE state = 'inflight' AND available_at <= ?1 AND attempts >= ?2
         RETURNING group_key`,
        now,
        this.maxAttempts,
      );
      for (const { group_key } of expired) advanceGroup(this.db, group_key);
      // Due group heads: ready and due, or inflight with an expired visibility timeout.
      const rows = this.db.all<JobRow>(
        `SELECT seq, type, transaction_id, group_key, dedup_id, not_before, attempts, payload
         FROM jobs
         WHERE ${ACTIVE} AND blocked = 0 AND available_at <= ?
         ORDER BY available_at, seq
         LIMIT ?`,
        now,
        Math.trunc(max),
      );
      const claim = this.db.statement(
        `UPDATE jobs SET state = 'inflight', attempts = attempts + 1, available_at = ?, receipt = ? WHERE seq = ?`,
      );
      return rows.map((row) => {
        const receipt = `${row.seq}.${randomBytes(12).toString('base64url')}`;
        claim.run(until, receipt, row.seq);
        return { job: toJob(row), receipt, attempt: row.attempts + 1 };
      });
    });
  }

  /** Completes a job. A receipt that is no longer current (the job was redelivered since) does nothing. */
  async ack(receipt: string): Promise<void> {
    const seq = seqOf(receipt);
    if (seq === null) return;
    const now = this.now();
    await this.db.write(() => {
      const row = this.db.get<{ group_key: string }>(
        `UPDATE jobs SET state = 'done', finished_at = ?, receipt = NULL
         WHERE seq = ? AND receipt = ? AND state = 'inflight'
         RETURNING group_key`,
        now,
        seq,
        receipt,
      );
      if (row) advanceGroup(this.db, row.group_key);
    });
  }

  /**
   * Hands the job out again after `delayMs`, or dead-letters it once it has had `maxAttempts` deliveries.
   * With a stale receipt (the visibility timeout ended and the job is back in the queue or in someone
   * else's hands) nothing changes and the answer is `retried`: the job will be delivered again anyway.
   */
  async retry(receipt: string, delayMs: number, reason: string): Promise<'retried' | 'dead-lettered'> {
    const seq = seqOf(receipt);
    if (seq === null) return 'retried';
    const now = this.now();
    return this.db.write(() => {
      const row = this.db.get<{ attempts: number; group_key: string }>(
        `SELECT attempts, group_key FROM jobs WHERE seq = ? AND receipt = ? AND state = 'inflight'`,
        seq,
        receipt,
      );
      if (!row) return 'retried';
      if (row.attempts >= this.maxAttempts) {
        this.markDead(seq, row.group_key, now, reason);
        return 'dead-lettered';
      }
      this.db.run(
        `UPDATE jobs SET state = 'ready', available_at = ?, receipt = NULL, last_error = ? WHERE seq = ?`,
        now + Math.max(0, Math.trunc(delayMs)),
        reason,
        seq,
      );
      return 'retried';
    });
  }

  /** Dead-letters the job at once. A stale receipt does nothing. */
  async deadLetter(receipt: string, reason: string): Promise<void> {
    const seq = seqOf(receipt);
    if (seq === null) return;
    const now = this.now();
    await this.db.write(() => {
      const row = this.db.get<{ group_key: string }>(
        `SELECT group_key FROM jobs WHERE seq = ? AND receipt = ? AND state = 'inflight'`,
        seq,
        receipt,
      );
      if (row) this.markDead(seq, row.group_key, now, reason);
    });
  }

  /** Dead letters, most recent first. */
  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    const rows = this.db.all<JobRow>(
      `SELECT seq, type, transaction_id, group_key, dedup_id, not_before, attempts, payload, last_error, finished_at
       FROM jobs WHERE state = 'dead' ORDER BY finished_at DESC, seq DESC LIMIT ?`,
      Math.max(0, Math.trunc(limit)),
    );
    return rows.map((row) => ({
      job: toJob(row),
      reason: row.last_error ?? '',
      attempts: row.attempts,
      at: new Date(row.finished_at ?? 0).toISOString(),
    }));
  }

  /**
   * Moves the dead jobs of a transaction back to the queue, due now, with their attempt count reset.
   * A redriven job whose group has active jobs waits behind the group's current head, then comes
   * before the group's later jobs (it keeps its original place, seq, among the waiting ones).
   */
  async redrive(transactionId: string): Promise<number> {
    const now = this.now();
    return this.db.write(() => {
      const dead = this.db.all<{ seq: number }>(
        `SELECT seq FROM jobs WHERE transaction_id = ? AND state = 'dead' ORDER BY seq`,
        transactionId,
      );
      const revive = this.db.statement(
        `UPDATE jobs SET state = 'ready', attempts = 0, available_at = ?1, receipt = NULL, finished_at = NULL,
           blocked = EXISTS (SELECT 1 FROM jobs AS o WHERE o.${ACTIVE} AND o.group_key = jobs.group_key)
         WHERE seq = ?2`,
      );
      for (const { seq } of dead) revive.run(now, seq);
      return dead.length;
    });
  }

  /**
   * Housekeeping: deletes up to `limit` completed jobs finished before `before`, oldest first (their deduplication
   * ids become free). One short write: a backlog of finished jobs is purged over several calls, never in one
   * long statement that would hold the event loop.
   */
  async purgeCompleted(before: Date, limit: number): Promise<number> {
    return this.db.write(
      () =>
        this.db.run(
          `DELETE FROM jobs WHERE seq IN (SELECT seq FROM jobs WHERE state = 'done' AND finished_at < ? ORDER BY finished_at LIMIT ?)`,
          before.getTime(),
          Math.max(0, Math.trunc(limit)),
        ).changes,
    );
  }

  /** The live jobs (ready, delayed, retrying or in flight) of these transactions. */
  async liveJobs(transactionIds: readonly string[]): Promise<ReadonlyMap<string, LiveJob>> {
    const live = new Map<string, LiveJob>();
    for (let i = 0; i < transactionIds.length; i += 500) {
      const ids = transactionIds.slice(i, i + 500);
      const rows = this.db.all<{ transaction_id: string; type: string; attempts: number; carried_on: number }>(
        `SELECT transaction_id, type, attempts, json_extract(payload, '$.continuation') IS NOT NULL AS carried_on FROM jobs
         WHERE state IN ('ready', 'inflight') AND transaction_id IN (${ids.map(() => '?').join(',')}) ORDER BY seq`,
        ...ids,
      );
      for (const r of rows) {
        if (!live.has(r.transaction_id)) {
          live.set(r.transaction_id, { type: r.type as JobType, attempts: r.attempts, carriedOn: r.carried_on === 1 });
        }
      }
    }
    return live;
  }

  /**
   * What waits: due jobs (and how long the oldest has been due), jobs in flight, and jobs completed since `since`.
   * Three counts on partial indexes; a backlog of 50,000 jobs counts in a few milliseconds.
   */
  async backlog(since: Date): Promise<QueueBacklog> {
    const now = this.now();
    const due = this.db.get<{ n: number; oldest: number | null }>(
      // due: ready, or in flight past its visibility timeout (handed out again at the next receive)
      `SELECT COUNT(*) AS n, MIN(available_at) AS oldest FROM jobs WHERE state IN ('ready', 'inflight') AND blocked = 0 AND available_at <= ?`,
      now,
    )!;
    const inflight = this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'inflight'`)!;
    const done = this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'done' AND finished_at > ?`, since.getTime())!;
    return {
      queued: due.n,
      inflight: inflight.n,
      oldestQueuedMs: due.oldest === null ? null : Math.max(0, now - due.oldest),
      completedSince: done.n,
    };
  }

  /**
   * Jobs waiting (ready, delayed and retrying included), in flight and dead-lettered, for GET /metrics: counted
   * through the partial indexes of live and dead jobs, so the cost does not grow with the completed jobs kept.
   */
  async depth(): Promise<{ waiting: number; inflight: number; dead: number }> {
    let waiting = 0;
    let inflight = 0;
    for (const row of this.db.all<{ state: string; n: number }>(
      `SELECT state, COUNT(*) AS n FROM jobs WHERE state IN ('ready', 'inflight') GROUP BY state`,
    )) {
      if (row.state === 'ready') waiting = row.n;
      else inflight = row.n;
    }
    const dead = this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE state = 'dead'`)!.n;
    return { waiting, inflight, dead };
  }

  /** Counts by state, for metrics and tests. */
  async stats(): Promise<Record<'ready' | 'inflight' | 'dead' | 'done', number>> {
    const counts = { ready: 0, inflight: 0, dead: 0, done: 0 };
    for (const row of this.db.all<{ state: keyof typeof counts; n: number }>('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state')) {
      counts[row.state] = row.n;
    }
    return counts;
  }

  async ping(): Promise<void> {
    this.db.ping();
  }

  private markDead(seq: number, groupKey: string, now: number, reason: string): void {
    this.db.run(`UPDATE jobs SET state = 'dead', finished_at = ?, receipt = NULL, last_error = ? WHERE seq = ?`, now, reason, seq);
    advanceGroup(this.db, groupKey);
  }

  private now(): number {
    return this.clock ? this.clock.now().getTime() : Date.now();
  }
}

function toJob(row: JobRow): Job {
  const job: Job = {
    type: row.type as JobType,
    transactionId: row.transaction_id,
    groupKey: row.group_key,
    deduplicationId: row.dedup_id,
  };
  if (row.not_before !== null) job.notBefore = new Date(row.not_before);
  if (row.payload) job.payload = JSON.parse(row.payload) as JobPayload;
  return job;
}

function seqOf(receipt: string): number | null {
  const dot = receipt.indexOf('.');
  if (dot <= 0) return null;
  const seq = Number(receipt.slice(0, dot));
  return Number.isSafeInteger(seq) && seq > 0 ? seq : null;
}
