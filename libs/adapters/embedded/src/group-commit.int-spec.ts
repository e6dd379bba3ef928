// SPDX-License-Identifier: Apache-2.0
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EmbeddedDatabase } from './embedded-database.js';
import { tempDataDir } from './testing/embedded.fixtures.js';

const insertJob = (db: EmbeddedDatabase, dedup: string) =>
  db.run(
    `INSERT INTO jobs (type, transaction_id, group_key, dedup_id, state, available_at, enqueued_at)
     VALUES ('payment.process', 't', ?, ?, 'ready', 0, 0)`,
    dedup,
    dedup,
  );

/** What another connection (another process would see the same) reads from the file: only what was committed. */
function committedDedupIds(path: string): string[] {
  const reader = new DatabaseSync(path, { readOnly: true });
  try {
    return (reader.prepare('SELECT dedup_id FROM jobs ORDER BY seq').all() as Array<{ dedup_id: string }>).map((r) => r.dedup_id);
  } finally {
    reader.close();
  }
}

describe('EmbeddedDatabase.write: group commit (real SQLite file)', () => {
  const tmp = tempDataDir();
  afterAll(() => tmp.cleanup());

  it('commits the writes asked for in one turn of the event loop together, in order, in one transaction', async () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'batch') });
    try {
      const before = db.writeStats;
      const writes = ['a', 'b', 'c', 'd'].map((id) => db.write(() => (insertJob(db, id), id)));
      // nothing is on the file before the commit
      expect(committedDedupIds(db.path)).toEqual([]);
      expect(await Promise.all(writes)).toEqual(['a', 'b', 'c', 'd']);
      expect(committedDedupIds(db.path)).toEqual(['a', 'b', 'c', 'd']);
      const after = db.writeStats;
      expect(after.commits - before.commits).toBe(1);
      expect(after.writes - before.writes).toBe(4);
      expect(after.largestBatch).toBe(4);
    } finally {
      db.close();
    }
  });

  it('answers each caller only once its write is on the file', async () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'durable') });
    try {
      const seen: string[][] = [];
      await Promise.all(
        ['x', 'y'].map(async (id) => {
          await db.write(() => insertJob(db, id));
          seen.push(committedDedupIds(db.path));
        }),
      );
      expect(seen).toEqual([
        ['x', 'y'],
        ['x', 'y'],
      ]);
    } finally {
      db.close();
    }
  });

  it('undoes a write that throws alone: its caller gets the error, the others of the batch commit', async () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'savepoint') });
    try {
      const results = await Promise.allSettled([
        db.write(() => insertJob(db, 'first')),
        db.write(() => {
          insertJob(db, 'half-done');
          throw new Error('refused');
        }),
        db.write(() => insertJob(db, 'first')), // a constraint violation (dedup_id is unique)
        db.write(() => insertJob(db, 'last')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('refused'));
      expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed: jobs.dedup_id/);
      expect(committedDedupIds(db.path)).toEqual(['first', 'last']);
    } finally {
      db.close();
    }
  });

  it('a single write that throws rolls back and leaves the connection usable', async () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'single') });
    try {
      await expect(
        db.write(() => {
          insertJob(db, 'gone');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await db.write(() => insertJob(db, 'kept'));
      expect(committedDedupIds(db.path)).toEqual(['kept']);
    } finally {
      db.close();
    }
  });

  it('fails every caller of a batch whose transaction cannot start, and writes nothing of it', async () => {
    const dataDir = join(tmp.dir, 'locked');
    const db = new EmbeddedDatabase({ dataDir, busyTimeoutMs: 50 });
    const other = new DatabaseSync(db.path, { timeout: 0 });
    try {
      other.exec('BEGIN IMMEDIATE'); // another process holds the write lock past the busy timeout
      const results = await Promise.allSettled([db.write(() => insertJob(db, 'p')), db.write(() => insertJob(db, 'q'))]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/locked|busy/i);
      other.exec('ROLLBACK');
      expect(committedDedupIds(db.path)).toEqual([]);
      await db.write(() => insertJob(db, 'after'));
      expect(committedDedupIds(db.path)).toEqual(['after']);
    } finally {
      other.close();
      db.close();
    }
  });

  it('holds at most maxBatch writes in one commit', async () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'max'), maxBatch: 3 });
    try {
      const before = db.writeStats.commits;
      await Promise.all(Array.from({ length: 7 }, (_, i) => db.write(() => insertJob(db, `j${i}`))));
      expect(db.writeStats.commits - before).toBe(3);
      expect(db.writeStats.largestBatch).toBe(3);
      expect(committedDedupIds(db.path)).toHaveLength(7);
      // the time the event loop spent committing: in all, and the longest commit (GET /metrics publishes both)
      const { commitMs, longestCommitMs } = db.writeStats;
      expect(longestCommitMs).toBeGreaterThan(0);
      expect(commitMs).toBeGreaterThanOrEqual(longestCommitMs);
    } finally {
      db.close();
    }
  });

  it('commits the writes already asked for when it is closed, and refuses new ones', async () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'close') });
    const pending = db.write(() => insertJob(db, 'asked-before-close'));
    db.close();
    await expect(pending).resolves.toEqual({ changes: 1 });
    expect(committedDedupIds(db.path)).toEqual(['asked-before-close']);
    expect(() => db.write(() => 1)).toThrow(/closed/);
  });

  it('at FULL answers a caller only after an fdatasync of the WAL, made off the loop, while the next commit runs', async () => {
    const syncs: Array<() => void> = [];
    class HeldSync extends EmbeddedDatabase {
      protected override fdatasync(fd: number, done: (error: NodeJS.ErrnoException | null) => void): void {
        syncs.push(() => super.fdatasync(fd, done));
      }
    }
    const db = new HeldSync({ dataDir: join(tmp.dir, 'wal-sync') });
    try {
      let answered = false;
      const first = db.write(() => insertJob(db, 'first')).then(() => (answered = true));
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      // committed (another connection reads it) but not answered: the fdatasync has not been made
      expect(committedDedupIds(db.path)).toEqual(['first']);
      expect(answered).toBe(false);
      expect(syncs).toHaveLength(1);
      // the next group commit runs meanwhile; it waits for an fdatasync of its own, started after the first
      const second = db.write(() => insertJob(db, 'second'));
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      expect(committedDedupIds(db.path)).toEqual(['first', 'second']);
      expect(syncs).toHaveLength(1);
      syncs.shift()!();
      await first;
      expect(answered).toBe(true);
      await new Promise((r) => setImmediate(r));
      expect(syncs).toHaveLength(1);
      syncs.shift()!();
      await second;
      expect(db.writeStats.walSyncs).toBe(2);
    } finally {
      for (const s of syncs) s();
      db.close();
    }
  });

  it('at NORMAL answers at the commit, without an fdatasync', async () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'normal'), synchronous: 'NORMAL' });
    try {
      await Promise.all([db.write(() => insertJob(db, 'n1')), db.write(() => insertJob(db, 'n2'))]);
      expect(committedDedupIds(db.path)).toEqual(['n1', 'n2']);
      expect(db.writeStats.walSyncs).toBe(0);
    } finally {
      db.close();
    }
  });

  it('fails the callers and closes the database when the fdatasync of the WAL fails (fail-stop)', async () => {
    class FailingDisk extends EmbeddedDatabase {
      protected override fdatasync(_fd: number, done: (error: NodeJS.ErrnoException | null) => void): void {
        setImmediate(() => done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
      }
    }
    const db = new FailingDisk({ dataDir: join(tmp.dir, 'eio') });
    const results = await Promise.allSettled([db.write(() => insertJob(db, 'e1')), db.write(() => insertJob(db, 'e2'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/fdatasync .*-wal failed; the database is closed: EIO/);
    expect(db.isOpen).toBe(false);
    expect(() => db.write(() => 1)).toThrow(/closed/);
  });

  it('takes no more writes into a group commit once it has run its time budget; the rest commit on the next turns', async () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'budget'), batchBudgetMs: 2 });
    try {
      const slow = (id: string) => () => {
        const until = performance.now() + 1.5;
        while (performance.now() < until); // a write that costs 1.5 ms of the loop
        return insertJob(db, id);
      };
      const before = db.writeStats.commits;
      await Promise.all(['s1', 's2', 's3', 's4', 's5', 's6'].map((id) => db.write(slow(id))));
      // at most two writes fit 2 ms (three take 4.5): at least three commits, in the order asked for
      expect(db.writeStats.largestBatch).toBeLessThanOrEqual(2);
      expect(db.writeStats.commits - before).toBeGreaterThanOrEqual(3);
      expect(committedDedupIds(db.path)).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
    } finally {
      db.close();
    }
  });

  it('checkpoints the WAL on its own thread once 1000 frames wait, while the connection keeps committing', async () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'checkpoint') });
    const pad = JSON.stringify({ pad: 'x'.repeat(3000) }); // about one page a row
    try {
      for (let round = 0; round < 30; round++) {
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            db.write(() =>
              db.run(
                `INSERT INTO jobs (type, transaction_id, group_key, dedup_id, state, available_at, enqueued_at, payload)
                 VALUES ('payment.process', 't', 'g', ?, 'ready', 0, 0, ?)`,
                `c${round}-${i}`,
                pad,
              ),
            ),
          ),
        );
      }
      const deadline = Date.now() + 10_000;
      while ((db.checkpointStats?.checkpoints ?? 0) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const stats = db.checkpointStats!;
      expect(stats.lastError).toBeNull();
      expect(stats.checkpoints).toBeGreaterThan(0);
      expect(stats.frames).toBeGreaterThanOrEqual(1000);
      // the second pass, with writes paused, copied the rest: the WAL starts again from its beginning
      expect(stats.complete).toBeGreaterThan(0);
      await db.write(() => insertJob(db, 'after-checkpoint'));
      expect(db.get<{ log: number }>('PRAGMA wal_checkpoint(PASSIVE)')!.log).toBeLessThan(100);
      expect(committedDedupIds(db.path)).toHaveLength(1501);
    } finally {
      db.close();
    }
  });

  it('leaves the checkpoint to SQLite, in the COMMIT, when the thread is off', async () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'no-checkpointer'), checkpointOffLoop: false });
    try {
      expect(db.checkpointStats).toBeNull();
      expect(db.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint')!.wal_autocheckpoint).toBe(1000);
    } finally {
      db.close();
    }
  });
});
