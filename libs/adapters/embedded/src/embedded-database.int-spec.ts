// SPDX-License-Identifier: Apache-2.0
import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedDatabase, SchemaTooNewError } from './embedded-database.js';
import { MIGRATIONS } from './embedded.migrations.js';
import { tempDataDir } from './testing/embedded.fixtures.js';

describe('EmbeddedDatabase (real SQLite file)', () => {
  const tmp = tempDataDir();
  afterAll(() => tmp.cleanup());

  it('creates the data dir and the file, in WAL mode, FULL durability, foreign keys and a busy timeout', () => {
    const dataDir = join(tmp.dir, 'a', 'b');
    const db = new EmbeddedDatabase({ dataDir });
    try {
      expect(db.path).toBe(join(dataDir, 'clearway.db'));
      expect(existsSync(db.path)).toBe(true);
      expect(statSync(db.path).mode & 0o777).toBe(0o600);
      expect(db.get<{ journal_mode: string }>('PRAGMA journal_mode')!.journal_mode).toBe('wal');
      expect(db.synchronous).toBe('FULL');
      // the connection runs at NORMAL; FULL's fsync of the WAL is made by `write` off the loop (ADR 0015)
      expect(db.get<{ synchronous: number }>('PRAGMA synchronous')!.synchronous).toBe(1);
      expect(db.get<{ foreign_keys: number }>('PRAGMA foreign_keys')!.foreign_keys).toBe(1);
      expect(db.get<{ timeout: number }>('PRAGMA busy_timeout')!.timeout).toBe(5000);
      expect(db.schemaVersion).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
  });

  it('keeps the data dir 0700 and the database, its -wal and -shm files 0600, also under a 022 umask', () => {
    const dataDir = join(tmp.dir, 'modes');
    const before = process.umask(0o022);
    const db = new EmbeddedDatabase({ dataDir });
    try {
      db.run('CREATE TABLE IF NOT EXISTS modes_probe (x INTEGER)');
      db.run('INSERT INTO modes_probe (x) VALUES (1)');
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      for (const suffix of ['', '-wal', '-shm']) {
        expect(existsSync(`${db.path}${suffix}`)).toBe(true);
        expect([suffix, statSync(`${db.path}${suffix}`).mode & 0o777]).toEqual([suffix, 0o600]);
      }
    } finally {
      db.close();
      process.umask(before);
    }
  });

  it('narrows the files of an older data dir (0755 dir, 0644 files) when it opens them', () => {
    const dataDir = join(tmp.dir, 'older');
    new EmbeddedDatabase({ dataDir }).close();
    const path = join(dataDir, 'clearway.db');
    chmodSync(dataDir, 0o755);
    chmodSync(path, 0o644);
    writeFileSync(`${path}-shm`, Buffer.alloc(0), { mode: 0o644 });
    const db = new EmbeddedDatabase({ dataDir });
    try {
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
      expect(statSync(`${path}-shm`).mode & 0o777).toBe(0o600);
    } finally {
      db.close();
    }
  });

  it('can run with synchronous=NORMAL', () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'normal'), synchronous: 'NORMAL', busyTimeoutMs: 250 });
    try {
      expect(db.get<{ synchronous: number }>('PRAGMA synchronous')!.synchronous).toBe(1);
      expect(db.get<{ timeout: number }>('PRAGMA busy_timeout')!.timeout).toBe(250);
    } finally {
      db.close();
    }
  });

  it('migrates once: reopening keeps data and the schema version', () => {
    const dataDir = join(tmp.dir, 'reopen');
    const first = new EmbeddedDatabase({ dataDir });
    first.immediate(() =>
      first.run(
        `INSERT INTO jobs (type, transaction_id, group_key, dedup_id, state, available_at, enqueued_at)
         VALUES ('payment.process', 't', 'g', 'd', 'ready', 0, 0)`,
      ),
    );
    first.close();
    first.close(); // idempotent
    expect(() => first.ping()).toThrow(/closed/);
    const second = new EmbeddedDatabase({ dataDir });
    try {
      expect(second.all('SELECT * FROM schema_version')).toHaveLength(MIGRATIONS.length);
      expect(second.get<{ n: number }>('SELECT COUNT(*) AS n FROM jobs')!.n).toBe(1);
    } finally {
      second.close();
    }
  });

  it('rolls a failed transaction back entirely', () => {
    const db = new EmbeddedDatabase({ dataDir: join(tmp.dir, 'rollback') });
    try {
      expect(() =>
        db.immediate(() => {
          db.run(
            `INSERT INTO jobs (type, transaction_id, group_key, dedup_id, state, available_at, enqueued_at)
             VALUES ('payment.process', 't', 'g', 'd1', 'ready', 0, 0)`,
          );
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(db.get<{ n: number }>('SELECT COUNT(*) AS n FROM jobs')!.n).toBe(0);
      // and the connection is usable afterwards
      db.immediate(() => db.run(`UPDATE jobs SET attempts = 1`));
    } finally {
      db.close();
    }
  });

  it('refuses a file migrated by a newer build', () => {
    const dataDir = join(tmp.dir, 'newer');
    const db = new EmbeddedDatabase({ dataDir });
    db.run(`INSERT INTO schema_version (version, applied_at) VALUES (?, 'future')`, MIGRATIONS.length + 1);
    db.close();
    expect(() => new EmbeddedDatabase({ dataDir })).toThrow(SchemaTooNewError);
  });
});
