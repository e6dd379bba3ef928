// SPDX-License-Identifier: Apache-2.0
/**
 * Backup and restore of the embedded store (STORE=sqlite, the default): node:sqlite's online backup of
 * DATA_DIR/clearway.db, safe while a gateway runs and writes (pages are copied in steps; a write in between makes
 * SQLite restart the copy from the changed pages, so the file is one consistent state).
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';

/** The store's file in DATA_DIR (EMBEDDED_DATABASE_FILE of the embedded adapters; a unit spec keeps them equal). */
export const DATABASE_FILE = 'clearway.db';

export class StoreError extends Error {
  constructor(
    message: string,
    /** The CLI's exit code: 1 (it failed) or 2 (refused: the call was wrong for the state of things). */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface Progress {
  start(total: number): void;
  update(done: number, total: number): void;
  stop(): void;
}

const noProgress: Progress = { start() {}, update() {}, stop() {} };

/** `PRAGMA integrity_check` of a database file, read-only: 'ok' or what SQLite found. */
export function integrityCheck(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/** Whether a process (a gateway) has the database open: an exclusive lock cannot be had then. */
export function isHeld(path: string): boolean {
  if (!existsSync(path)) return false;
  const db = new DatabaseSync(path, { timeout: 0 });
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (e) {
    if (/locked|busy/i.test((e as Error).message)) return true;
    throw e;
  } finally {
    db.close();
  }
}

function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

/**
 * node:sqlite's online backup of the database at `from` into `to` (removed first), with progress, folded into one
 * self-contained file (its WAL checkpointed, journal mode DELETE). On failure nothing is left at `to`.
 */
async function copyDatabase(from: string, to: string, progress: Progress): Promise<number> {
  removeDatabase(to);
  const db = new DatabaseSync(from, { readOnly: true });
  let started = false;
  try {
    const pages = await backup(db, to, {
      rate: 256,
      progress: ({ totalPages, remainingPages }) => {
        if (!started) {
          progress.start(totalPages);
          started = true;
        }
        progress.update(totalPages - remainingPages, totalPages);
      },
    });
    const copy = new DatabaseSync(to);
    try {
      copy.exec('PRAGMA journal_mode = DELETE');
    } finally {
      copy.close();
    }
    return pages;
  } catch (e) {
    removeDatabase(to);
    throw e;
  } finally {
    if (started) progress.stop();
    db.close();
  }
}

/** Copies DATA_DIR's database to `file` (online); refuses to overwrite `file` unless `force`. Returns the pages copied. */
export async function backupStore(dataDir: string, file: string, opts: { force?: boolean; progress?: Progress } = {}): Promise<number> {
  const source = join(dataDir, DATABASE_FILE);
  if (!existsSync(source)) throw new StoreError(`no embedded database at ${source} (is DATA_DIR right?)`, 2);
  if (existsSync(file) && !opts.force) throw new StoreError(`${file} exists: give --force to overwrite it`, 2);
  const progress = opts.progress ?? noProgress;
  const tmp = `${file}.partial`;
  const pages = await copyDatabase(source, tmp, progress);
  const check = integrityCheck(tmp);
  if (check !== 'ok') {
    removeDatabase(tmp);
    throw new StoreError(`the backup failed its integrity check: ${check}`);
  }
  removeDatabase(file);
  renameSync(tmp, file);
  return pages;
}

/**
 * Restores a backup into DATA_DIR. Refused while a process holds the database there (stop the gateway first), and
 * when a database exists there unless `force`. The backup is checked before anything changes, copied beside the
 * database, put in its place in one rename, and checked again (`PRAGMA integrity_check`).
 */
export async function restoreStore(dataDir: string, file: string, opts: { force?: boolean; progress?: Progress } = {}): Promise<number> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new StoreError(`no backup file at ${file}`, 2);
  let before: string;
  try {
    before = integrityCheck(file);
  } catch (e) {
    throw new StoreError(`${file} is not a readable SQLite database: ${(e as Error).message}`);
  }
  if (before !== 'ok') throw new StoreError(`${file} failed its integrity check, nothing restored: ${before}`);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) throw new StoreError(`DATA_DIR ${dataDir} is not a directory`, 2);
  const target = join(dataDir, DATABASE_FILE);
  if (isHeld(target)) throw new StoreError(`${target} is open in another process (a gateway?): stop it before restoring`, 2);
  if (existsSync(target) && !opts.force) throw new StoreError(`${target} exists: give --force to replace it with the backup`, 2);
  const progress = opts.progress ?? noProgress;
  const tmp = `${target}.restoring`;
  const pages = await copyDatabase(file, tmp, progress);
  if (isHeld(target)) {
    removeDatabase(tmp);
    throw new StoreError(`${target} was opened by another process meanwhile: nothing restored`, 2);
  }
  removeDatabase(target);
  renameSync(tmp, target);
  const after = integrityCheck(target);
  if (after !== 'ok') throw new StoreError(`the restored database failed its integrity check: ${after}`);
  return pages;
}
