import type { Job } from '#application';
import { transactionRepositoryContract } from '../../../application/src/testing/contracts/transaction-repository.contract.js';
import { testSchemas } from './testing/postgres.fixtures.js';
import { migrate, POSTGRES_MIGRATIONS, SchemaBehindError, SchemaTooNewError } from './postgres.migrations.js';
import { PostgresTransactionRepository } from './postgres-transaction-repository.adapter.js';

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
