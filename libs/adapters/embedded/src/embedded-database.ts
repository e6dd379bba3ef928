// SPDX-License-Identifier: Apache-2.0
import { chmodSync, closeSync, existsSync, fdatasync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { MIGRATIONS } from './embedded.migrations.js';
import { WalCheckpointer, type CheckpointStats } from './wal-checkpointer.js';

export type SynchronousMode = 'FULL' | 'NORMAL';

export interface EmbeddedDatabaseOptions {
  /** Directory of the database file; created (mode 0700) when missing. */
  dataDir: string;
  /**
   * `FULL` (default): every commit is fsynced before it returns, so it survives a power loss.
   * `NORMAL`: in WAL mode a commit survives a process crash (SIGKILL) but the last commits may be lost on
   * a power loss or OS crash; faster.
   */
  synchronous?: SynchronousMode;
  /** How long a writer waits for another process's write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Database file name inside dataDir; `clearway.db` unless a test wants another. */
  fileName?: string;
  /** At most this many writes share one group commit (see `write`); 512 unless told otherwise. */
  maxBatch?: number;
  /**
   * A group commit takes no more writes once it has run this long (milliseconds; 4 unless told otherwise):
   * the rest wait for the next turn of the event loop, so one commit never holds the loop for long.
   */
  batchBudgetMs?: number;
  /**
   * Checkpoint the WAL on a thread of its own (default true, ADR 0015); the connection's own automatic
   * checkpoint then stays only as a fallback at `FALLBACK_CHECKPOINT_FRAMES`.
   */
  checkpointOffLoop?: boolean;
}

/** What the group commit has done since the database was opened (for the bench and the metrics). */
export interface WriteStats {
  /** Transactions committed by `write` (group commits) and by `immediate`. */
  commits: number;
  /** Writes (`write` calls) committed or refused; several share one commit. */
  writes: number;
  /** The largest number of writes one group commit held. */
  largestBatch: number;
  /** Milliseconds the event loop spent in group commits (statements and COMMIT, fsync included), in all. */
  commitMs: number;
  /** The longest group commit, in milliseconds: the event loop was held that long. */
  longestCommitMs: number;
  /** fdatasync calls on the WAL (off the event loop) that made group commits durable at `FULL`. */
  walSyncs: number;
}

interface PendingWrite {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export const EMBEDDED_DATABASE_FILE = 'clearway.db';
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_BATCH = 512;
const DEFAULT_BATCH_BUDGET_MS = 4;
/** With the checkpointer thread on, the connection checkpoints by itself only if the WAL grows this far. */
const FALLBACK_CHECKPOINT_FRAMES = 10_000;

/** Thrown when the file was migrated by a newer build than this one. */
export class SchemaTooNewError extends Error {
  constructor(found: number, known: number) {
    super(`database schema version ${found} is newer than this build knows (${known}); refusing to open`);
    this.name = 'SchemaTooNewError';
  }
}

/**
 * The data dir 0700; the database file created 0600 before SQLite opens it, so that the -wal and -shm files,
 * which SQLite creates with the database file's mode, are 0600 too; existing files narrowed to 0600. Best
 * effort: a file owned by someone else keeps its mode.
 */
export function restrictFiles(dataDir: string, dbPath: string): void {
  const narrow = (path: string, mode: number) => {
    try {
      chmodSync(path, mode);
    } catch {
      // not ours, or gone in between
    }
  };
  narrow(dataDir, 0o700);
  if (!existsSync(dbPath)) {
    try {
      closeSync(openSync(dbPath, 'a', 0o600));
    } catch {
      // SQLite reports what is wrong with the path when it opens it
    }
  }
  for (const path of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}-journal`]) if (existsSync(path)) narrow(path, 0o600);
}

/**
 * The one SQLite connection of a process, shared by all embedded adapters. Opens (and creates) the file
 * in WAL mode with foreign keys on and a busy timeout, and brings the schema up to date at open.
 *
 * All calls are synchronous (`node:sqlite`), so within one process two adapter calls never interleave;
 * between processes, writers are serialised by `BEGIN IMMEDIATE` and the busy timeout.
 *
 * Writes go through `write` (group commit, ADR 0012): the writes asked for while the event loop is busy are
 * committed together, in the order they were asked for, in one transaction, each in its own savepoint so that
 * one write that throws undoes only itself; each caller is answered after that commit is durable.
 *
 * Durability without blocking the loop (ADR 0015): the connection runs at `PRAGMA synchronous = NORMAL`, so a
 * COMMIT writes its WAL frames to the page cache and returns without an fsync. At `FULL` the callers of a
 * group commit are answered only after an `fdatasync` of the WAL file, which runs on libuv's thread pool; the
 * next group commit runs meanwhile, and one fdatasync covers every commit made before it started.
 */
export class EmbeddedDatabase {
  readonly path: string;
  readonly synchronous: SynchronousMode;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private closed = false;
  private readonly maxBatch: number;
  private readonly batchBudgetMs: number;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private readonly counters: WriteStats = { commits: 0, writes: 0, largestBatch: 0, commitMs: 0, longestCommitMs: 0, walSyncs: 0 };
  /** The WAL file, opened for fdatasync at `FULL`; null at `NORMAL`. */
  private walFd: number | null = null;
  /** Answers of committed group commits waiting for the next fdatasync of the WAL. */
  private unsynced: Array<(error?: unknown) => void> = [];
  /** Answers waiting for the fdatasync in flight; null when none is. */
  private syncing: Array<(error?: unknown) => void> | null = null;
  private readonly checkpointer: WalCheckpointer | null = null;
  /** Set while the checkpointer copies the last frames: no write transaction starts (writes wait). */
  private writesPaused = false;
  private readonly control: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'undo', StatementSync>;

  constructor(options: EmbeddedDatabaseOptions) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    this.path = join(options.dataDir, options.fileName ?? EMBEDDED_DATABASE_FILE);
    restrictFiles(options.dataDir, this.path);
    this.synchronous = options.synchronous ?? 'FULL';
    if (this.synchronous !== 'FULL' && this.synchronous !== 'NORMAL') {
      throw new Error(`synchronous must be FULL or NORMAL, got ${String(this.synchronous)}`);
    }
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${this.maxBatch}`);
    this.batchBudgetMs = options.batchBudgetMs ?? DEFAULT_BATCH_BUDGET_MS;
    if (!(this.batchBudgetMs > 0)) throw new Error(`batchBudgetMs must be positive, got ${this.batchBudgetMs}`);
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.db = new DatabaseSync(this.path, { enableForeignKeyConstraints: true, timeout: busyTimeoutMs });
    try {
      this.db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
      const mode = this.db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string };
      if (mode.journal_mode.toLowerCase() !== 'wal') {
        throw new Error(`could not switch ${this.path} to WAL mode (got ${mode.journal_mode})`);
      }
      // NORMAL at both settings: at FULL the WAL is fdatasynced off the loop before a writer is answered
      // (`write`), or on it for the rare `immediate`; a checkpoint syncs the WAL and the database itself.
      this.db.exec('PRAGMA synchronous = NORMAL');
      this.db.exec('PRAGMA foreign_keys = ON');
      this.migrate();
      this.control = {
        begin: this.db.prepare('BEGIN IMMEDIATE'),
        commit: this.db.prepare('COMMIT'),
        rollback: this.db.prepare('ROLLBACK'),
        savepoint: this.db.prepare('SAVEPOINT w'),
        release: this.db.prepare('RELEASE w'),
        undo: this.db.prepare('ROLLBACK TO w'),
      };
      // the migration's write created the WAL file; it stays while this connection is open
      if (this.synchronous === 'FULL') this.walFd = openSync(`${this.path}-wal`, 'r');
      if (options.checkpointOffLoop ?? true) {
        this.db.exec(`PRAGMA wal_autocheckpoint = ${FALLBACK_CHECKPOINT_FRAMES}`);
        this.checkpointer = new WalCheckpointer({
          path: this.path,
          pause: () => (this.writesPaused = true),
          resume: () => {
            this.writesPaused = false;
            this.scheduleFlush();
          },
        });
      }
    } catch (error) {
      if (this.walFd !== null) closeSync(this.walFd);
      this.db.close();
      throw error;
    }
    // files of a data dir made before this version: the -wal and -shm files were created 0644
    restrictFiles(options.dataDir, this.path);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** The schema version the file is at (the number of migrations applied). */
  get schemaVersion(): number {
    const row = this.statement('SELECT COALESCE(MAX(version), 0) AS v FROM schema_version').get() as { v: number };
    return row.v;
  }

  /** A prepared statement, cached per SQL text for the life of the connection. */
  statement(sql: string): StatementSync {
    this.assertOpen();
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  run(sql: string, ...params: SQLInputValue[]): { changes: number } {
    const result = this.statement(sql).run(...params);
    return { changes: Number(result.changes) };
  }

  get<T>(sql: string, ...params: SQLInputValue[]): T | undefined {
    return this.statement(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, ...params: SQLInputValue[]): T[] {
    return this.statement(sql).all(...params) as T[];
  }

  /** Runs raw SQL (several statements allowed). For migrations and tests. */
  exec(sql: string): void {
    this.assertOpen();
    this.db.exec(sql);
  }

  /**
   * Runs `fn` in one `BEGIN IMMEDIATE` transaction: the write lock is taken up front (waiting up to the
   * busy timeout for another process), so reads inside see the latest committed state and the commit
   * cannot fail on a stale snapshot. Commits when `fn` returns, rolls back when it throws.
   * Re-entrant: called inside a transaction, it simply runs `fn` as part of it.
   * `fn` must be synchronous.
   */
  immediate<T>(fn: () => T): T {
    this.assertOpen();
    if (this.db.isTransaction) return fn();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      this.counters.commits++;
      if (this.walFd !== null) fdatasyncSync(this.walFd);
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * Group commit: runs `fn` (synchronous) in the next shared `BEGIN IMMEDIATE` transaction and resolves with
   * its result once that transaction has committed (and, at `FULL`, once the WAL holding it is fdatasynced),
   * so a caller is answered only after the commit that holds its write is durable. The writes asked for before
   * the next turn of the event loop share the transaction (up to `maxBatch`, and only while the batch has run
   * less than `batchBudgetMs`; the rest go to the next turn), are run in the order asked for, each in a
   * savepoint: one that throws is undone alone and its caller gets the error, the others commit. When the
   * commit itself fails, every caller of the batch gets that error and nothing of the batch is written.
   */
  write<T>(fn: () => T): Promise<T> {
    this.assertOpen();
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.pending.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Commits one group of what `write` has queued; runs on its own on the next turn of the event loop, and
   * again on the turn after while writes remain, so other callbacks run between two group commits.
   */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || (this.writesPaused && !this.closed)) return;
    const batch = this.pending.splice(0, this.maxBatch);
    if (this.closed) {
      for (const w of batch) w.reject(new Error(`embedded database ${this.path} is closed`));
    } else {
      const left = this.commitBatch(batch);
      if (left.length > 0) this.pending.unshift(...left);
    }
    this.scheduleFlush();
  }

  /** What the group commit has done since the database was opened. */
  get writeStats(): Readonly<WriteStats> {
    return { ...this.counters };
  }

  /** What the checkpointer thread has done; null when it is off. */
  get checkpointStats(): (Readonly<CheckpointStats> & { lastError: string | null }) | null {
    return this.checkpointer?.stats ?? null;
  }

  /** Commits the first writes of `batch` that fit the time budget; returns those it did not take. */
  private commitBatch(batch: PendingWrite[]): PendingWrite[] {
    const started = performance.now();
    try {
      return this.runBatch(batch, started);
    } finally {
      const ms = performance.now() - started;
      this.counters.commitMs += ms;
      this.counters.longestCommitMs = Math.max(this.counters.longestCommitMs, ms);
    }
  }

  private runBatch(all: PendingWrite[], started: number): PendingWrite[] {
    const c = this.control;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    let batch = all;
    let left: PendingWrite[] = [];
    try {
      c.begin.run();
    } catch (error) {
      for (const w of batch) w.reject(error);
      return left;
    }
    try {
      for (const [i, w] of batch.entries()) {
        if (i > 0 && performance.now() - started >= this.batchBudgetMs) {
          left = batch.slice(i);
          batch = batch.slice(0, i);
          break;
        }
        if (batch.length === 1) {
          try {
            outcomes.push({ ok: true, value: w.fn() });
          } catch (error) {
            if (this.db.isTransaction) c.rollback.run();
            this.counters.writes++;
            w.reject(error);
            return left;
          }
          continue;
        }
        c.savepoint.run();
        try {
          const value = w.fn();
          c.release.run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          c.undo.run();
          c.release.run();
          outcomes.push({ ok: false, error });
        }
      }
      c.commit.run();
    } catch (error) {
      if (this.db.isTransaction) c.rollback.run();
      for (const w of batch) w.reject(error);
      return left;
    }
    this.counters.commits++;
    this.counters.writes += batch.length;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    const answer = (syncError?: unknown) =>
      batch.forEach((w, i) => {
        const o = outcomes[i]!;
        if (syncError !== undefined) w.reject(syncError);
        else if (o.ok) w.resolve(o.value);
        else w.reject(o.error);
      });
    if (this.walFd === null) answer();
    else {
      this.unsynced.push(answer);
      this.syncWal();
    }
    return left;
  }

  /**
   * Starts an fdatasync of the WAL for the commits not yet covered by one, unless one is in flight (its
   * completion starts the next). A failed fdatasync leaves the durability of those commits unknown: their
   * callers get the error and the database closes (fail-stop; a restart recovers from the WAL).
   */
  private syncWal(): void {
    if (this.syncing !== null || this.unsynced.length === 0 || this.walFd === null) return;
    const answers = this.unsynced;
    this.unsynced = [];
    this.syncing = answers;
    const fd = this.walFd;
    this.fdatasync(fd, (error) => {
      this.syncing = null;
      this.counters.walSyncs++;
      if (this.closed) {
        // close() already synced and answered them; the descriptor was left for this callback to close
        if (this.walFd === null) closeSync(fd);
        return;
      }
      if (error) {
        const failure = new Error(`fdatasync of ${this.path}-wal failed; the database is closed: ${error.message}`, { cause: error });
        for (const a of answers) a(failure);
        for (const a of this.unsynced) a(failure);
        this.unsynced = [];
        for (const w of this.pending.splice(0)) w.reject(failure);
        this.close();
        return;
      }
      for (const a of answers) a();
      this.syncWal();
    });
  }

  /** The fdatasync of the WAL, on libuv's thread pool; a seam for the test of a failing disk. */
  protected fdatasync(fd: number, done: (error: NodeJS.ErrnoException | null) => void): void {
    fdatasync(fd, done);
  }

  /** Liveness: a trivial query. */
  ping(): void {
    this.statement('SELECT 1').get();
  }

  /** Closes the connection; idempotent. */
  close(): void {
    if (this.closed) return;
    // writes already asked for are committed (their callers were promised an answer), then nothing more
    this.checkpointer?.stop();
    if (this.db.isOpen && !this.db.isTransaction) while (this.pending.length > 0) this.flush();
    this.closed = true;
    while (this.pending.length > 0) this.flush();
    if (this.walFd !== null) {
      const fd = this.walFd;
      this.walFd = null;
      const waiting = [...(this.syncing ?? []), ...this.unsynced];
      this.unsynced = [];
      let error: unknown;
      try {
        fdatasyncSync(fd);
      } catch (e) {
        error = e;
      }
      for (const a of waiting) a(error);
      // an fdatasync in flight still uses the descriptor: its callback closes it
      if (this.syncing === null) closeSync(fd);
    }
    this.statements.clear();
    if (this.db.isOpen) this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`embedded database ${this.path} is closed`);
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
    this.immediate(() => {
      const row = this.db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_version').get() as { v: number };
      const current = row.v;
      if (current > MIGRATIONS.length) throw new SchemaTooNewError(current, MIGRATIONS.length);
      const record = this.db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
      for (let version = current + 1; version <= MIGRATIONS.length; version++) {
        this.db.exec(MIGRATIONS[version - 1]!);
        record.run(version, new Date().toISOString());
      }
    });
  }
}
