// SPDX-License-Identifier: Apache-2.0
import { EmbeddedDatabase } from './embedded-database.js';
import { SqliteTransactionRepository } from './sqlite-transaction-repository.adapter.js';
import { SqliteWorkQueue } from './sqlite-work-queue.adapter.js';
import { keysOf, sampleJob, samplePayment, tempDataDir } from './testing/embedded.fixtures.js';
import type { Job } from '#application';
import { transactionRepositoryContract } from '../../../application/src/testing/contracts/transaction-repository.contract.js';

describe('SqliteTransactionRepository (real SQLite file)', () => {
  const tmp = tempDataDir();
  let files = 0;
  afterAll(() => tmp.cleanup());

  // the port's contract, shared with the DynamoDB store
  transactionRepositoryContract(async () => {
    const db = new EmbeddedDatabase({ dataDir: `${tmp.dir}/c${++files}` });
    const queue = new SqliteWorkQueue(db);
    return {
      repository: new SqliteTransactionRepository(db),
      async takeCommittedJobs(): Promise<Job[]> {
        const jobs: Job[] = [];
        // jobs of one group are handed out one at a time: ack and ask again until the queue is empty
        for (;;) {
          const got = await queue.receive(100, 30_000);
          if (got.length === 0) return jobs;
          for (const r of got) {
            jobs.push(r.job);
            await queue.ack(r.receipt);
          }
        }
      },
      close: async () => db.close(),
    };
  });
});

describe('SqliteTransactionRepository: embedded specifics', () => {
  const tmp = tempDataDir();
  let db: EmbeddedDatabase;
  let repo: SqliteTransactionRepository;
  let queue: SqliteWorkQueue;
  let n = 0;

  beforeEach(() => {
    // a fresh file per test, all inside this test file's temp dir
    db = new EmbeddedDatabase({ dataDir: `${tmp.dir}/t${++n}` });
    repo = new SqliteTransactionRepository(db);
    queue = new SqliteWorkQueue(db);
  });
  afterEach(() => db.close());
  afterAll(() => tmp.cleanup());

  it('commits the payment, its keys and its jobs together or not at all', async () => {
    const p = samplePayment();
    const job = sampleJob({ transactionId: p.id, groupKey: p.id });
    await repo.create(p, keysOf(p), [job]);
    const [received] = await queue.receive(10, 30_000);
    expect(received!.job).toEqual(job);

    // a failure in the middle (a malformed job makes the jobs insert throw after payment and keys were
    // written) rolls everything back
    const q = samplePayment();
    const bad = { ...sampleJob({ transactionId: q.id }), groupKey: null } as unknown as ReturnType<typeof sampleJob>;
    await expect(repo.create(q, keysOf(q, { key: 'kq', requestHash: 'h' }), [sampleJob(), bad])).rejects.toThrow();
    await expect(repo.get(q.id)).resolves.toBeNull();
    expect(await queue.stats()).toMatchObject({ ready: 0 });
    expect(db.get<{ n: number }>('SELECT COUNT(*) AS n FROM uniqueness_keys WHERE transaction_id = ?', q.id)!.n).toBe(0);
    // and the keys are free again
    await expect(repo.create(q, keysOf(q, { key: 'kq', requestHash: 'h' }), [])).resolves.toEqual({ kind: 'created' });
  });

  it('survives close and reopen', async () => {
    const p = samplePayment();
    await repo.create(p, keysOf(p, { key: 'persist', requestHash: 'h' }), [sampleJob({ transactionId: p.id })]);
    await repo.update({ ...p, status: 'ACTC' }, 1, []);
    const dir = db.path.replace(/\/clearway\.db$/, '');
    db.close();
    db = new EmbeddedDatabase({ dataDir: dir });
    repo = new SqliteTransactionRepository(db);
    await expect(repo.get(p.id)).resolves.toMatchObject({ status: 'ACTC', version: 2 });
    await expect(repo.create(p, keysOf(p, { key: 'persist', requestHash: 'h' }), [])).resolves.toMatchObject({
      kind: 'duplicate',
      sameRequest: true,
    });
    expect((await new SqliteWorkQueue(db).stats()).ready).toBe(1);
  });

  it("lists every client's payments newest first, on the indexes of migration 8 (no table scan, no sort)", async () => {
    const a = samplePayment({ clientId: 'client-a', createdAt: '2025-03-01T10:00:00.000Z', status: 'RJCT' });
    const b = samplePayment({ clientId: 'client-b', createdAt: '2025-03-01T11:00:00.000Z', status: 'RJCT' });
    const c = samplePayment({ clientId: 'client-c', createdAt: '2025-03-01T12:00:00.000Z', status: 'ACSC' });
    for (const p of [b, c, a]) await repo.create(p, keysOf(p), []);
    const first = await repo.listAll({ limit: 2 });
    expect(first.items.map((p) => p.id)).toEqual([c.id, b.id]);
    const rest = await repo.listAll({ limit: 2, cursor: first.nextCursor });
    expect(rest).toEqual({ items: [{ ...a, version: 1 }], nextCursor: null });
    await expect(repo.listAll({ status: 'RJCT', limit: 10 })).resolves.toMatchObject({ items: [{ id: b.id }, { id: a.id }] });

    const plan = (sql: string) =>
      db
        .all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .map((r) => r.detail)
        .join('\n');
    const byStatus = plan(
      `SELECT snapshot, created_at, id FROM payments WHERE +status = 'RJCT' AND created_at >= 0 AND created_at < 9 AND (created_at, id) < (5, 'x')
       ORDER BY created_at DESC, id DESC LIMIT 10`,
    );
    expect(byStatus).toMatch(/USING INDEX payments_created/);
    expect(byStatus).not.toMatch(/TEMP B-TREE/);
    const all = plan(
      `SELECT snapshot, created_at, id FROM payments WHERE (created_at, id) < (5, 'x') ORDER BY created_at DESC, id DESC LIMIT 10`,
    );
    expect(all).toMatch(/USING INDEX payments_created/);
    expect(all).not.toMatch(/TEMP B-TREE/);
  });
});
