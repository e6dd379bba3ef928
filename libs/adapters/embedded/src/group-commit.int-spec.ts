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
});
