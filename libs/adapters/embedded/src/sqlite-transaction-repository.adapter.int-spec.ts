import { EmbeddedDatabase } from './embedded-database.js';
import { InvalidCursorError, SqliteTransactionRepository } from './sqlite-transaction-repository.adapter.js';
import { SqliteWorkQueue } from './sqlite-work-queue.adapter.js';
import { keysOf, sampleJob, samplePayment, tempDataDir } from './testing/embedded.fixtures.js';
import type { PaymentSnapshot } from '#domain';

describe('SqliteTransactionRepository (real SQLite file)', () => {
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

  it('creates a payment at version 1 and reads it back', async () => {
    const p = samplePayment();
    await expect(repo.create(p, keysOf(p), [])).resolves.toEqual({ kind: 'created' });
    const stored = await repo.get(p.id);
    expect(stored).toEqual({ ...p, version: 1 });
    await expect(repo.get('nope')).resolves.toBeNull();
  });

  it('reports an idempotency-key duplicate, telling same and different requests apart, and writes nothing', async () => {
    const p = samplePayment();
    await repo.create(p, keysOf(p, { key: 'idem-1', requestHash: 'h1' }), []);
    const again = samplePayment();
    await expect(
      repo.create(again, keysOf(again, { key: 'idem-1', requestHash: 'h1' }), [sampleJob({ transactionId: again.id })]),
    ).resolves.toEqual({ kind: 'duplicate', by: 'idempotency-key', existingId: p.id, sameRequest: true });
    await expect(repo.create(again, keysOf(again, { key: 'idem-1', requestHash: 'h2' }), [])).resolves.toEqual({
      kind: 'duplicate',
      by: 'idempotency-key',
      existingId: p.id,
      sameRequest: false,
    });
    await expect(repo.get(again.id)).resolves.toBeNull();
    expect((await queue.stats()).ready).toBe(0);
    // the same idempotency key for another client is its own key
    const other = samplePayment({ clientId: 'client-b' });
    await expect(repo.create(other, keysOf(other, { key: 'idem-1', requestHash: 'h1' }), [])).resolves.toEqual({
      kind: 'created',
    });
  });

  it('checks the idempotency key before the UETR and the UETR before msgId+endToEndId', async () => {
    const p = samplePayment();
    await repo.create(p, keysOf(p, { key: 'k', requestHash: 'h' }), []);
    const same = { ...samplePayment(), uetr: p.uetr, msgId: p.msgId, endToEndId: p.endToEndId };
    await expect(repo.create(same, keysOf(same, { key: 'k', requestHash: 'h' }), [])).resolves.toMatchObject({
      by: 'idempotency-key',
    });
    await expect(repo.create(same, keysOf(same, { key: 'k2', requestHash: 'h' }), [])).resolves.toMatchObject({
      by: 'uetr',
    });
    await expect(repo.create(same, keysOf({ ...same, uetr: null }), [])).resolves.toMatchObject({
      by: 'msgid-endtoendid',
    });
  });

  it('treats the UETR as unique across clients (case-insensitively)', async () => {
    const p = samplePayment();
    await repo.create(p, keysOf(p), []);
    const q = samplePayment({ clientId: 'client-b', uetr: p.uetr!.toUpperCase() });
    await expect(repo.create(q, keysOf(q), [])).resolves.toEqual({
      kind: 'duplicate',
      by: 'uetr',
      existingId: p.id,
      sameRequest: false,
    });
  });

  it('treats msgId+endToEndId as unique per client only', async () => {
    const p = samplePayment();
    await repo.create(p, keysOf(p), []);
    const sameClient = samplePayment({ msgId: p.msgId, endToEndId: p.endToEndId });
    await expect(repo.create(sameClient, keysOf(sameClient), [])).resolves.toEqual({
      kind: 'duplicate',
      by: 'msgid-endtoendid',
      existingId: p.id,
      sameRequest: false,
    });
    const otherClient = samplePayment({ clientId: 'client-b', msgId: p.msgId, endToEndId: p.endToEndId });
    await expect(repo.create(otherClient, keysOf(otherClient), [])).resolves.toEqual({ kind: 'created' });
  });

  it('accepts payments without a UETR (null UETRs never collide)', async () => {
    const a = samplePayment({ uetr: null });
    const b = samplePayment({ uetr: null });
    await expect(repo.create(a, keysOf(a), [])).resolves.toEqual({ kind: 'created' });
    await expect(repo.create(b, keysOf(b), [])).resolves.toEqual({ kind: 'created' });
  });

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

  it('updates conditionally on the version: of two writers from the same version exactly one wins', async () => {
    const p = samplePayment();
    await repo.create(p, keysOf(p), []);
    const v1 = (await repo.get(p.id))!;
    const a: PaymentSnapshot = { ...v1, status: 'ACTC', updatedAt: '2025-01-15T10:00:01.000Z' };
    const b: PaymentSnapshot = { ...v1, status: 'RJCT', updatedAt: '2025-01-15T10:00:02.000Z' };
    const jobA = sampleJob({ transactionId: p.id, type: 'payment.release' });
    const jobB = sampleJob({ transactionId: p.id, type: 'payment.release' });
    const results = await Promise.all([repo.update(a, 1, [jobA]), repo.update(b, 1, [jobB])]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const stored = (await repo.get(p.id))!;
    expect(stored.version).toBe(2);
    expect(stored.status).toBe(results[0] ? 'ACTC' : 'RJCT');
    // only the winner's job was enqueued
    const received = await queue.receive(10, 30_000);
    expect(received.map((r) => r.job.deduplicationId)).toEqual([results[0] ? jobA.deduplicationId : jobB.deduplicationId]);
    // a stale version keeps failing; the current one works
    await expect(repo.update({ ...stored, status: 'ACSP' }, 1, [])).resolves.toBe(false);
    await expect(repo.update({ ...stored, status: 'ACSP' }, 2, [])).resolves.toBe(true);
    await expect(repo.get(p.id)).resolves.toMatchObject({ version: 3, status: 'ACSP' });
    await expect(repo.update({ ...stored, id: 'missing' }, 1, [])).resolves.toBe(false);
  });

  it('lists a client’s payments newest first with filters and cursor pages without overlap', async () => {
    const base = Date.parse('2025-02-01T00:00:00.000Z');
    const mine: PaymentSnapshot[] = [];
    for (let i = 0; i < 25; i++) {
      // pairs share a createdAt so the id tie-break matters
      const at = new Date(base + Math.floor(i / 2) * 60_000).toISOString();
      const p = samplePayment({ createdAt: at, updatedAt: at, status: i % 3 === 0 ? 'RJCT' : 'RCVD' });
      mine.push(p);
      await repo.create(p, keysOf(p), []);
    }
    const theirs = samplePayment({ clientId: 'client-b' });
    await repo.create(theirs, keysOf(theirs), []);

    const expected = [...mine]
      .sort((x, y) => (x.createdAt === y.createdAt ? (x.id < y.id ? 1 : -1) : x.createdAt < y.createdAt ? 1 : -1))
      .map((p) => p.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await repo.list({ clientId: 'client-a', limit: 7, cursor });
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(expected);

    const rejected = await repo.list({ clientId: 'client-a', status: 'RJCT', limit: 100 });
    expect(rejected.items.map((p) => p.id).sort()).toEqual(mine.filter((p) => p.status === 'RJCT').map((p) => p.id).sort());
    expect(rejected.nextCursor).toBeNull();

    const from = new Date(base + 2 * 60_000);
    const to = new Date(base + 5 * 60_000);
    const ranged = await repo.list({ clientId: 'client-a', from, to, limit: 100 });
    expect(ranged.items.map((p) => p.id).sort()).toEqual(
      mine.filter((p) => Date.parse(p.createdAt) >= from.getTime() && Date.parse(p.createdAt) < to.getTime()).map((p) => p.id).sort(),
    );
    expect(ranged.items).toHaveLength(6);

    const b = await repo.list({ clientId: 'client-b', limit: 10 });
    expect(b.items.map((p) => p.id)).toEqual([theirs.id]);

    await expect(repo.list({ clientId: 'client-a', limit: 5, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it('finds stale payments of the given statuses, oldest first', async () => {
    const mk = async (status: PaymentSnapshot['status'], updatedAt: string) => {
      const p = samplePayment({ status, createdAt: '2025-01-01T00:00:00.000Z', updatedAt });
      await repo.create(p, keysOf(p), []);
      return p;
    };
    const old2 = await mk('ACSP', '2025-01-01T00:02:00.000Z');
    const old1 = await mk('PDNG', '2025-01-01T00:01:00.000Z');
    await mk('ACSC', '2025-01-01T00:00:30.000Z'); // terminal: not asked for
    await mk('ACSP', '2025-01-01T00:10:00.000Z'); // too recent
    const stale = await repo.findStale(['PDNG', 'ACSP', 'RCVD', 'ACTC'], new Date('2025-01-01T00:05:00.000Z'), 10);
    expect(stale.map((p) => p.id)).toEqual([old1.id, old2.id]);
    await expect(repo.findStale(['PDNG', 'ACSP'], new Date('2025-01-01T00:05:00.000Z'), 1)).resolves.toHaveLength(1);
    await expect(repo.findStale([], new Date(), 10)).resolves.toEqual([]);
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

  it('answers ping', async () => {
    await expect(repo.ping()).resolves.toBeUndefined();
  });
});
