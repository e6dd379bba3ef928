// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot } from '#domain';
import type { TransactionRepository } from '../../ports/transaction-repository.port.js';
import type { Job } from '../../ports/work-queue.port.js';
import { jobKey, keysOf, sampleJob, samplePayment } from './contract.fixtures.js';
import { contractTest, SETUP_TIMEOUT_MS } from './contract.fixtures.js';

/** What a store under test gives the contract: a fresh, empty store per test. */
export interface TransactionRepositoryHarness {
  repository: TransactionRepository;
  /**
   * The jobs the store committed together with its writes since the last call (the embedded store's work
   * queue, the DynamoDB store's outbox), taking them so the next call sees only new ones.
   */
  takeCommittedJobs(): Promise<Job[]>;
  close(): Promise<void>;
}

/**
 * The TransactionRepository port's contract: registers jest tests that run unchanged against every adapter.
 * Call it inside a `describe` of an `*.int-spec.ts` that runs the real engine.
 */
export function transactionRepositoryContract(open: () => Promise<TransactionRepositoryHarness>): void {
  describe('TransactionRepository contract', () => {
    const it = contractTest;
    let h: TransactionRepositoryHarness;
    let repo: TransactionRepository;

    beforeEach(async () => {
      h = await open();
      repo = h.repository;
    }, SETUP_TIMEOUT_MS);
    afterEach(async () => {
      await h?.close();
    });

    const jobKeys = async () => (await h.takeCommittedJobs()).map(jobKey).sort();

    it('creates a payment at version 1 and reads it back whole', async () => {
      const p = samplePayment();
      await expect(repo.create(p, keysOf(p), [])).resolves.toEqual({ kind: 'created' });
      await expect(repo.get(p.id)).resolves.toEqual({ ...p, version: 1 });
      await expect(repo.get('00000000-0000-4000-8000-000000000000')).resolves.toBeNull();
    });

    it('keeps snapshot fields it does not know (new optional fields flow through untouched)', async () => {
      const p = {
        ...samplePayment(),
        kind: 'payment',
        channel: 'api',
        decisions: [{ action: 'hold', at: '2025-01-15T10:00:00.000Z', by: 'gateway', rule: 'big' }],
        hold: { rule: 'big', at: '2025-01-15T10:00:00.000Z' },
        futureField: { nested: ['a', 1, true, null], text: 'ünïcödé ✓ <&>' },
      } as PaymentSnapshot;
      await repo.create(p, keysOf(p), []);
      await expect(repo.get(p.id)).resolves.toEqual({ ...p, version: 1 });
      const next = { ...p, status: 'ACTC', futureField: { changed: true } } as PaymentSnapshot;
      await expect(repo.update(next, 1, [])).resolves.toBe(true);
      await expect(repo.get(p.id)).resolves.toEqual({ ...next, version: 2 });
    });

    it("finds a client's transaction by its UETR (any case) or by its MsgId|EndToEndId, and nothing else", async () => {
      const p = samplePayment();
      await repo.create(p, keysOf(p), []);
      await expect(repo.findId({ clientId: p.clientId, uetr: p.uetr!.toUpperCase() })).resolves.toBe(p.id);
      await expect(repo.findId({ clientId: 'someone-else', uetr: p.uetr! })).resolves.toBeNull();
      await expect(repo.findId({ clientId: p.clientId, msgIdEndToEndId: `${p.msgId}|${p.endToEndId}` })).resolves.toBe(p.id);
      await expect(repo.findId({ clientId: 'someone-else', msgIdEndToEndId: `${p.msgId}|${p.endToEndId}` })).resolves.toBeNull();
      await expect(repo.findId({ clientId: p.clientId, uetr: '00000000-0000-4000-8000-000000000000' })).resolves.toBeNull();
    });

    it("finds every client's transactions by UETR (any case), MsgId or EndToEndId for the operator, oldest first", async () => {
      const a = samplePayment({ clientId: 'client-a', createdAt: '2025-01-15T10:00:00.000Z' });
      // another client's payment with the same MsgId and EndToEndId (keys are per client), created later
      const b = samplePayment({ clientId: 'client-b', msgId: a.msgId, endToEndId: a.endToEndId, createdAt: '2025-01-15T11:00:00.000Z' });
      const other = samplePayment({ clientId: 'client-b' });
      for (const p of [b, a, other]) await repo.create(p, keysOf(p), []);
      const ids = async (ref: Parameters<TransactionRepository['findByReference']>[0], limit = 10) =>
        (await repo.findByReference(ref, limit)).map((p) => p.id);
      await expect(ids({ uetr: a.uetr!.toUpperCase() })).resolves.toEqual([a.id]);
      await expect(ids({ uetr: b.uetr! })).resolves.toEqual([b.id]);
      await expect(ids({ msgId: a.msgId })).resolves.toEqual([a.id, b.id]);
      await expect(ids({ endToEndId: a.endToEndId })).resolves.toEqual([a.id, b.id]);
      await expect(ids({ endToEndId: a.endToEndId }, 1)).resolves.toEqual([a.id]);
      await expect(ids({ msgId: a.msgId.toLowerCase() })).resolves.toEqual([]);
      await expect(ids({ msgId: a.msgId.slice(0, -1) })).resolves.toEqual([]);
      await expect(ids({ uetr: '00000000-0000-4000-8000-000000000000' })).resolves.toEqual([]);
      // the answer is the stored transaction, as it stands now
      await repo.update({ ...a, status: 'ACTC' }, 1, []);
      await expect(repo.findByReference({ uetr: a.uetr! }, 10)).resolves.toEqual([{ ...a, status: 'ACTC', version: 2 }]);
    });

    it('refuses a second payment with the same id', async () => {
      const p = samplePayment();
      await repo.create(p, keysOf(p), []);
      const again = { ...samplePayment(), id: p.id };
      await expect(repo.create(again, keysOf(again), [])).rejects.toMatchObject({ code: 'STORE.TRANSACTION_ID_TAKEN' });
      await expect(repo.get(p.id)).resolves.toEqual({ ...p, version: 1 });
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
      await expect(jobKeys()).resolves.toEqual([]);
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
      // none of the refused attempts took a key: a fresh payment with the refused idempotency key k2 goes in
      const fresh = samplePayment();
      await expect(repo.create(fresh, keysOf(fresh, { key: 'k2', requestHash: 'h' }), [])).resolves.toEqual({
        kind: 'created',
      });
    });

    it('treats the UETR as unique per client (case-insensitively): another client can neither block nor find it', async () => {
      const p = samplePayment();
      await repo.create(p, keysOf(p), []);
      const again = samplePayment({ uetr: p.uetr!.toUpperCase() });
      await expect(repo.create(again, keysOf(again), [])).resolves.toEqual({
        kind: 'duplicate',
        by: 'uetr',
        existingId: p.id,
        sameRequest: false,
      });
      const q = samplePayment({ clientId: 'client-b', uetr: p.uetr!.toUpperCase() });
      await expect(repo.create(q, keysOf(q), [])).resolves.toEqual({ kind: 'created' });
      await expect(repo.findId({ clientId: 'client-b', uetr: p.uetr! })).resolves.toBe(q.id);
      await expect(repo.findId({ clientId: p.clientId, uetr: p.uetr! })).resolves.toBe(p.id);
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

    it('keeps key parts apart: a separator inside a client id cannot make two keys equal', async () => {
      const a = samplePayment({ clientId: 'bank#x', msgId: 'y', endToEndId: 'z' });
      const b = samplePayment({ clientId: 'bank', msgId: 'x#y', endToEndId: 'z' });
      await expect(repo.create(a, keysOf(a, { key: 'x#k', requestHash: 'h' }), [])).resolves.toEqual({ kind: 'created' });
      await expect(repo.create(b, { ...keysOf(b, { key: 'x#x#k', requestHash: 'h' }), msgIdEndToEndId: 'x#y|z' }, [])).resolves.toEqual({
        kind: 'created',
      });
    });

    it('lets exactly one of concurrent creates with the same UETR in, and names it to the others', async () => {
      const uetr = samplePayment().uetr;
      const racers = Array.from({ length: 6 }, () => samplePayment({ uetr }));
      const results = await Promise.all(racers.map((p) => repo.create(p, keysOf(p), [sampleJob({ transactionId: p.id })])));
      const winners = racers.filter((_, i) => results[i]!.kind === 'created');
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.kind === 'duplicate') expect(r).toEqual({ kind: 'duplicate', by: 'uetr', existingId: winners[0]!.id, sameRequest: false });
      }
      await expect(jobKeys()).resolves.toHaveLength(1);
      const stored = await Promise.all(racers.map((p) => repo.get(p.id)));
      expect(stored.filter(Boolean).map((p) => p!.id)).toEqual([winners[0]!.id]);
    });

    it('accepts payments without a UETR (null UETRs never collide)', async () => {
      const a = samplePayment({ uetr: null });
      const b = samplePayment({ uetr: null });
      await expect(repo.create(a, keysOf(a), [])).resolves.toEqual({ kind: 'created' });
      await expect(repo.create(b, keysOf(b), [])).resolves.toEqual({ kind: 'created' });
    });

    it('commits the jobs of a create with it, and none of a refused create', async () => {
      const p = samplePayment();
      const job = sampleJob({ transactionId: p.id, groupKey: p.id });
      await repo.create(p, keysOf(p), [job]);
      await expect(jobKeys()).resolves.toEqual([jobKey(job)]);
      const dup = samplePayment({ msgId: p.msgId, endToEndId: p.endToEndId });
      await repo.create(dup, keysOf(dup), [sampleJob({ transactionId: dup.id })]);
      await expect(jobKeys()).resolves.toEqual([]);
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
      // only the winner's job was committed
      await expect(jobKeys()).resolves.toEqual([jobKey(results[0] ? jobA : jobB)]);
      // a stale version keeps failing; the current one works
      await expect(repo.update({ ...stored, status: 'ACSP' }, 1, [])).resolves.toBe(false);
      await expect(repo.update({ ...stored, status: 'ACSP' }, 2, [])).resolves.toBe(true);
      await expect(repo.get(p.id)).resolves.toMatchObject({ version: 3, status: 'ACSP' });
      await expect(repo.update({ ...stored, id: '00000000-0000-4000-8000-000000000001' }, 1, [])).resolves.toBe(false);
    });

    it('commits several jobs of one update together, and none of a refused update', async () => {
      const p = samplePayment();
      await repo.create(p, keysOf(p), []);
      const jobs = [sampleJob({ transactionId: p.id }), sampleJob({ transactionId: p.id, type: 'payment.release' })];
      await expect(repo.update({ ...p, status: 'ACTC' }, 1, jobs)).resolves.toBe(true);
      await expect(repo.update({ ...p, status: 'RJCT' }, 1, [sampleJob({ transactionId: p.id })])).resolves.toBe(false);
      await expect(jobKeys()).resolves.toEqual(jobs.map(jobKey).sort());
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
      expect(rejected.items.map((p) => p.id).sort()).toEqual(
        mine
          .filter((p) => p.status === 'RJCT')
          .map((p) => p.id)
          .sort(),
      );
      expect(rejected.nextCursor).toBeNull();

      const from = new Date(base + 2 * 60_000);
      const to = new Date(base + 5 * 60_000);
      const ranged = await repo.list({ clientId: 'client-a', from, to, limit: 100 });
      expect(ranged.items.map((p) => p.id).sort()).toEqual(
        mine
          .filter((p) => Date.parse(p.createdAt) >= from.getTime() && Date.parse(p.createdAt) < to.getTime())
          .map((p) => p.id)
          .sort(),
      );
      expect(ranged.items).toHaveLength(6);

      // a cursor page within a time range and a status
      const firstRejected = await repo.list({ clientId: 'client-a', status: 'RJCT', limit: 2 });
      const restRejected = await repo.list({ clientId: 'client-a', status: 'RJCT', limit: 100, cursor: firstRejected.nextCursor });
      expect([...firstRejected.items, ...restRejected.items].map((p) => p.id)).toEqual(
        expected.filter((id) => mine.find((p) => p.id === id)!.status === 'RJCT'),
      );

      const b = await repo.list({ clientId: 'client-b', limit: 10 });
      expect(b.items.map((p) => p.id)).toEqual([theirs.id]);
      await expect(repo.list({ clientId: 'client-c', limit: 10 })).resolves.toEqual({ items: [], nextCursor: null });

      await expect(repo.list({ clientId: 'client-a', limit: 5, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'PAGINATION.INVALID_CURSOR',
      });
    });

    it("lists every client's payments for the operator: filters, and cursor pages holding each match exactly once", async () => {
      const base = Date.parse('2025-04-01T00:00:00.000Z');
      const all: PaymentSnapshot[] = [];
      for (let i = 0; i < 23; i++) {
        // three clients, pairs sharing a createdAt, every fourth rejected
        const at = new Date(base + Math.floor(i / 2) * 60_000).toISOString();
        const p = samplePayment({
          clientId: ['client-a', 'client-b', 'client-c'][i % 3],
          createdAt: at,
          updatedAt: at,
          status: i % 4 === 1 ? 'RJCT' : 'ACSC',
        });
        all.push(p);
        await repo.create(p, keysOf(p), []);
      }
      const pages = async (filter: Omit<Parameters<TransactionRepository['listAll']>[0], 'cursor'>) => {
        const seen: PaymentSnapshot[] = [];
        let cursor: string | null = null;
        let n = 0;
        do {
          const page = await repo.listAll({ ...filter, cursor });
          expect(page.items.length).toBeLessThanOrEqual(filter.limit);
          seen.push(...page.items);
          cursor = page.nextCursor;
          if (++n > 50) throw new Error('listAll never ends');
        } while (cursor);
        return { ids: seen.map((p) => p.id), pages: n, seen };
      };
      const sorted = (ps: PaymentSnapshot[]) => ps.map((p) => p.id).sort();

      const everything = await pages({ limit: 5 });
      expect(everything.ids).toHaveLength(new Set(everything.ids).size); // no overlap
      expect([...everything.ids].sort()).toEqual(sorted(all));
      expect(everything.pages).toBeGreaterThanOrEqual(5);
      expect(everything.seen.find((p) => p.id === all[4]!.id)).toEqual({ ...all[4], version: 1 });

      const rejected = await pages({ status: 'RJCT', limit: 3 });
      expect([...rejected.ids].sort()).toEqual(sorted(all.filter((p) => p.status === 'RJCT')));
      expect(new Set(rejected.seen.map((p) => p.clientId)).size).toBe(3);

      const from = new Date(base + 2 * 60_000);
      const to = new Date(base + 6 * 60_000);
      const ranged = await pages({ from, to, status: 'ACSC', limit: 2 });
      expect([...ranged.ids].sort()).toEqual(
        sorted(
          all.filter((p) => p.status === 'ACSC' && Date.parse(p.createdAt) >= from.getTime() && Date.parse(p.createdAt) < to.getTime()),
        ),
      );
      expect(ranged.ids.length).toBeGreaterThan(0);

      await expect(repo.listAll({ status: 'PDNG', limit: 10 })).resolves.toEqual({ items: [], nextCursor: null });
      await expect(repo.listAll({ limit: 5, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'PAGINATION.INVALID_CURSOR' });
    });

    it('finds stale payments of the given statuses, oldest first', async () => {
      const mk = async (status: PaymentSnapshot['status'], updatedAt: string) => {
        const p = samplePayment({ status, createdAt: '2025-01-01T00:00:00.000Z', updatedAt });
        await repo.create(p, keysOf(p), []);
        return p;
      };
      const old2 = await mk('ACSP', '2025-01-01T00:02:00.000Z');
      const old1 = await mk('PDNG', '2025-01-01T00:01:00.000Z');
      const old3 = await mk('RCVD', '2025-01-01T00:03:00.000Z');
      await mk('ACSC', '2025-01-01T00:00:30.000Z'); // terminal: not asked for
      await mk('ACSP', '2025-01-01T00:10:00.000Z'); // too recent
      const before = new Date('2025-01-01T00:05:00.000Z');
      const stale = await repo.findStale(['PDNG', 'ACSP', 'RCVD', 'ACTC'], before, 10);
      expect(stale.map((p) => p.id)).toEqual([old1.id, old2.id, old3.id]);
      await expect(repo.findStale(['PDNG', 'ACSP', 'RCVD'], before, 2)).resolves.toEqual([
        { ...old1, version: 1 },
        { ...old2, version: 1 },
      ]);
      await expect(repo.findStale(['ACSP'], before, 10)).resolves.toMatchObject([{ id: old2.id }]);
      await expect(repo.findStale([], new Date(), 10)).resolves.toEqual([]);

      // a payment that moves on (terminal, or updated after `before`) is no longer stale
      await repo.update({ ...old1, status: 'RJCT', updatedAt: '2025-01-01T00:04:00.000Z' }, 1, []);
      await repo.update({ ...old2, status: 'ACSP', updatedAt: '2025-01-01T00:06:00.000Z' }, 1, []);
      const after = await repo.findStale(['PDNG', 'ACSP', 'RCVD', 'ACTC'], before, 10);
      expect(after.map((p) => p.id)).toEqual([old3.id]);
    });

    it('answers ping', async () => {
      await expect(repo.ping()).resolves.toBeUndefined();
    });
  });
}
