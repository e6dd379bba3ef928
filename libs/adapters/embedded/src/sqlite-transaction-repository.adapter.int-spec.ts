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
});
