// SPDX-License-Identifier: Apache-2.0
import { JobType, type Job } from '#application';
import { transactionRepositoryContract } from '../../../application/src/testing/contracts/transaction-repository.contract.js';
import { testSchemas } from './testing/postgres.fixtures.js';
import { migrate, POSTGRES_MIGRATIONS, SchemaBehindError, SchemaTooNewError } from './postgres.migrations.js';
import { PostgresTransactionRepository } from './postgres-transaction-repository.adapter.js';
import { PostgresJobListener } from './postgres-job-listener.js';
import { enqueueJobs, PostgresWorkQueue } from './postgres-work-queue.adapter.js';

/**
 * The PostgreSQL store against a real server: DATABASE_URL, else the local server on 127.0.0.1:5432 (database
 * `test`). Each test works in a schema of its own. No server: the suite fails (CI starts one: .ci/run).
 */
describe('PostgreSQL store', () => {
  const schemas = testSchemas(process.env.DATABASE_URL);
  afterAll(() => schemas.cleanup());
  const fresh = () => schemas.fresh({ migrated: false });

  transactionRepositoryContract(async () => {
    const db = await fresh();
    await migrate(db);
    return {
      repository: new PostgresTransactionRepository(db),
      async takeCommittedJobs(): Promise<Job[]> {
        const { rows } = await db.pool.query<{
          type: Job['type'];
          transaction_id: string;
          group_key: string;
          dedup_id: string;
          not_before: string | null;
          payload: string | null;
        }>('DELETE FROM jobs RETURNING type, transaction_id, group_key, dedup_id, not_before, payload');
        return rows.map((r) => ({
          type: r.type,
          transactionId: r.transaction_id,
          groupKey: r.group_key,
          deduplicationId: r.dedup_id,
          ...(r.not_before !== null ? { notBefore: new Date(Number(r.not_before)) } : {}),
          ...(r.payload !== null ? { payload: JSON.parse(r.payload) as Job['payload'] } : {}),
        }));
      },
      close: async () => {},
    };
  });

  describe('migrations', () => {
    it('applies every version once, in order, and nothing the second time', async () => {
      const db = await fresh();
      await expect(migrate(db)).resolves.toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      await expect(migrate(db)).resolves.toEqual([]);
      const { rows } = await db.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    });

    it('lets one of several starting processes migrate, under the advisory lock; the others find it done', async () => {
      const db = await fresh();
      const others = [db, schemas.open(db.options.schema!), schemas.open(db.options.schema!)];
      const applied = await Promise.all(others.map((d) => migrate(d)));
      expect(applied.flat().sort()).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    });

    it('refuses a schema newer than it knows, and a schema behind when it may not migrate', async () => {
      const db = await fresh();
      await expect(migrate(db, { migrate: false })).rejects.toThrow(SchemaBehindError);
      await migrate(db);
      await db.pool.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'from a newer gateway')");
      await expect(migrate(db)).rejects.toThrow(SchemaTooNewError);
      await expect(migrate(db, { migrate: false })).rejects.toThrow(/at version 999, this gateway knows up to/);
    });

    it('rolls a failing version back whole: its row is not written and its statements left nothing', async () => {
      const db = await fresh();
      const broken = [
        ...POSTGRES_MIGRATIONS,
        { version: 100, name: 'broken', sql: 'CREATE TABLE half_done (x int); SELECT no_such_function();' },
      ];
      await expect(migrate(db, { migrate: true, migrations: broken })).rejects.toThrow(/migration 100 \(broken\) failed/);
      const { rows } = await db.pool.query<{ v: number }>('SELECT max(version) AS v FROM schema_migrations');
      expect(rows[0]!.v).toBe(POSTGRES_MIGRATIONS.at(-1)!.version);
      await expect(db.pool.query('SELECT * FROM half_done')).rejects.toThrow(/does not exist/);
    });
  });

  it('creates its schema when missing (DATABASE_SCHEMA), and a gateway that may not migrate creates nothing', async () => {
    const db = await fresh();
    const schema = `${db.options.schema!}_new`;
    const other = schemas.open(schema);
    try {
      await expect(migrate(other, { migrate: false })).rejects.toThrow(SchemaBehindError);
      const none = await schemas.admin.pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(none.rowCount).toBe(0);
      await expect(migrate(other)).resolves.toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      await expect(migrate(other, { migrate: false })).resolves.toEqual([]);
      const tables = await schemas.admin.pool.query<{ t: string }>(
        `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
        [schema],
      );
      expect(tables.rows.map((r) => r.t)).toEqual(expect.arrayContaining(['payments', 'jobs', 'archived_messages', 'secrets']));
    } finally {
      await schemas.admin.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  });

  describe('job listener (LISTEN/NOTIFY)', () => {
    const job = (n: number): Job => ({
      type: JobType.PROCESS,
      transactionId: `tx-${n}`,
      groupKey: `tx-${n}`,
      deduplicationId: `validate-${n}-${Date.now()}`,
    });
    const woken = () => {
      let count = 0;
      let wake: (() => void) | null = null;
      return {
        onJobs: () => {
          count++;
          wake?.();
        },
        get count() {
          return count;
        },
        next: (ms: number) =>
          new Promise<boolean>((resolve) => {
            const t = setTimeout(() => resolve(false), ms);
            wake = () => {
              clearTimeout(t);
              wake = null;
              resolve(true);
            };
          }),
      };
    };

    it("wakes on a commit of jobs by another process's pool, and not on a rollback", async () => {
      const db = await fresh();
      await migrate(db);
      const other = schemas.open(db.options.schema!);
      const w = woken();
      const listener = new PostgresJobListener(db, { onJobs: w.onJobs });
      await listener.start();
      try {
        expect(w.count).toBe(1); // told once on start: jobs may have come before it listened
        const rolledBack = w.next(500);
        await other
          .transaction(async (c) => {
            await enqueueJobs(other, c, [job(1)], Date.now());
            throw new Error('roll back');
          })
          .catch(() => undefined);
        expect(await rolledBack).toBe(false);
        const committed = w.next(5000);
        await new PostgresWorkQueue(other).enqueue([job(2)]);
        expect(await committed).toBe(true);
      } finally {
        await listener.close();
      }
    });

    it('listens again after its connection is killed (a server restart), and wakes the workers when back', async () => {
      const db = await fresh();
      await migrate(db);
      const errors: string[] = [];
      const w = woken();
      const listener = new PostgresJobListener(db, { onJobs: w.onJobs, onError: (m) => errors.push(m), backoffMs: 50 });
      await listener.start();
      try {
        const back = w.next(10_000);
        await schemas.admin.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`, [
          `LISTEN "${db.jobsChannel}"`,
        ]);
        expect(await back).toBe(true);
        expect(errors.join('\n')).toMatch(/lost its connection/);
        expect(listener.listening).toBe(true);
        const woke = w.next(5000);
        await new PostgresWorkQueue(db).enqueue([job(3)]);
        expect(await woke).toBe(true);
      } finally {
        await listener.close();
      }
    });
  });

  it('takes a payment once when two writers race with the same UETR', async () => {
    const db = await fresh();
    await migrate(db);
    const repo = new PostgresTransactionRepository(db);
    const { keysOf, samplePayment } = await import('../../../application/src/testing/contracts/contract.fixtures.js');
    const first = samplePayment();
    const second = samplePayment({ uetr: first.uetr });
    const results = await Promise.all([repo.create(first, keysOf(first), []), repo.create(second, keysOf(second), [])]);
    expect(results.filter((r) => r.kind === 'created')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'duplicate')).toEqual([expect.objectContaining({ by: 'uetr' })]);
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM payments');
    expect(rows[0]!.n).toBe('1');
  });
});
