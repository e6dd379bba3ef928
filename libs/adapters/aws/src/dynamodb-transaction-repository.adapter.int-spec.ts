// SPDX-License-Identifier: Apache-2.0
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startAwsEngines, type AwsEngines } from '../../../../test/support/aws-engines.js';
import { transactionRepositoryContract } from '../../../application/src/testing/contracts/transaction-repository.contract.js';
import { ledgerStoreContract } from '../../../application/src/testing/contracts/ledger-store.contract.js';
import { keysOf, sampleJob, samplePayment } from '../../../application/src/testing/contracts/contract.fixtures.js';
import { ensureStoreTable } from './aws-resources.js';
import { exportTable, importTable } from './dynamodb-backup.js';
import { DynamoDbLedgerStore } from './dynamodb-ledger-store.adapter.js';
import { DynamoDbOutbox } from './dynamodb-outbox.js';
import { GSI_BY_CLIENT, GSI_BY_SHARD, keys, shardOf } from './dynamodb-table.js';
import { DynamoDbTransactionRepository } from './dynamodb-transaction-repository.adapter.js';
import type { Job } from '#application';

class ManualClock {
  constructor(public ms = Date.parse('2026-11-22T10:00:00.000Z')) {}
  now(): Date {
    return new Date(this.ms);
  }
}

describe('DynamoDB store (DynamoDB Local)', () => {
  let engines: AwsEngines;
  let client: DynamoDBClient;
  let n = 0;

  beforeAll(async () => {
    engines = await startAwsEngines({ fauxqs: false, secretsManager: false });
    client = new DynamoDBClient({
      region: engines.region,
      credentials: engines.credentials,
      endpoint: engines.dynamodb!.endpoint,
    });
  }, 120_000);
  afterAll(async () => {
    client?.destroy();
    await engines?.stop();
  });

  /** A fresh table per test: tests never see each other's items. */
  const freshTable = async () => {
    const tableName = `clearway-test-${++n}`;
    await ensureStoreTable(client, tableName);
    return tableName;
  };

  transactionRepositoryContract(async () => {
    const tableName = await freshTable();
    const repository = new DynamoDbTransactionRepository(client, { tableName });
    const outbox = new DynamoDbOutbox(client, { tableName });
    return {
      repository,
      async takeCommittedJobs(): Promise<Job[]> {
        const claimed = await outbox.claim(1000, 60_000);
        await outbox.complete(claimed.map((c) => c.job));
        return claimed.map((c) => c.job);
      },
      close: async () => {},
    };
  });

  ledgerStoreContract(async () => {
    const tableName = await freshTable();
    return {
      ledger: new DynamoDbLedgerStore(client, { tableName }),
      repository: new DynamoDbTransactionRepository(client, { tableName }),
      close: async () => {},
    };
  });

  describe('single-table layout', () => {
    it('creates the table idempotently with both indexes and the TTL attribute', async () => {
      const tableName = await freshTable();
      await ensureStoreTable(client, tableName);
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      expect(Table!.GlobalSecondaryIndexes!.map((g) => g.IndexName).sort()).toEqual([GSI_BY_CLIENT, GSI_BY_SHARD]);
      expect(Table!.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
    });

    it('writes a payment, its uniqueness keys and its outbox jobs as separate high-cardinality items', async () => {
      const tableName = await freshTable();
      const repo = new DynamoDbTransactionRepository(client, { tableName });
      const p = samplePayment({ clientId: 'bank#1' });
      const job = sampleJob({ transactionId: p.id });
      await repo.create(p, keysOf(p, { key: 'idem-7', requestHash: 'h' }), [job]);
      const { Items } = await client.send(new ScanCommand({ TableName: tableName }));
      const pks = Items!.map((i) => `${i.pk!.S} ${i.sk!.S}`).sort();
      expect(pks).toEqual(
        [
          `E2E#bank%231#${encodeURIComponent(`${p.msgId}|${p.endToEndId}`)} KEY`,
          `IDEM#bank%231#idem-7 KEY`,
          `TX#${p.id} OUTBOX#${encodeURIComponent(job.deduplicationId)}`,
          `TX#${p.id} TX`,
          `UETR#bank%231#${p.uetr} KEY`,
        ].sort(),
      );
      // every partition key names one payment or one key: no time bucket, no status, no shared hot key
      for (const i of Items!) expect(i.pk!.S).not.toMatch(/^(DUE|OUTBOX|CLIENT|STATUS|DAY|HOUR)/);
    });

    it('spreads due payments over the DUE shards and drops terminal ones from the index (sparse)', async () => {
      const tableName = await freshTable();
      const repo = new DynamoDbTransactionRepository(client, { tableName, shards: { due: 4 } });
      const payments = Array.from({ length: 40 }, () => samplePayment());
      for (const p of payments) await repo.create(p, keysOf(p), []);
      const perShard: number[] = [];
      for (let s = 0; s < 4; s++) {
        const res = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: GSI_BY_SHARD,
            KeyConditionExpression: 'gsi2pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: `DUE#${s}` } },
          }),
        );
        perShard.push(res.Count ?? 0);
      }
      expect(perShard.reduce((a, b) => a + b, 0)).toBe(40);
      expect(perShard.every((c) => c > 0)).toBe(true);
      expect(perShard).toEqual([0, 1, 2, 3].map((s) => payments.filter((p) => shardOf(p.id, 4) === s).length));

      const done = payments[0]!;
      await repo.update({ ...done, status: 'RJCT' }, 1, []);
      const item = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: keys.payment(done.id).pk }, sk: { S: 'TX' } } }),
      );
      expect(item.Item!.gsi2pk).toBeUndefined();
      expect(item.Item!.expiresAt).toBeUndefined(); // no retention configured: kept forever
    });

    it('sets the TTL attribute on terminal payments and their keys when a retention is configured', async () => {
      const tableName = await freshTable();
      const repo = new DynamoDbTransactionRepository(client, { tableName, retentionDays: 30 });
      const p = samplePayment({ createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
      await repo.create(p, keysOf(p), []);
      const get = async (k: { pk: string; sk: string }) =>
        (await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: k.pk }, sk: { S: k.sk } } }))).Item!;
      expect((await get(keys.payment(p.id))).expiresAt).toBeUndefined(); // not while it is in flight
      expect((await get(keys.uetr(p.clientId, p.uetr!))).expiresAt).toEqual({ N: String(Date.parse('2026-01-31T00:00:00.000Z') / 1000) });
      await repo.update({ ...p, status: 'ACSC', updatedAt: '2026-01-02T00:00:00.000Z' }, 1, []);
      expect((await get(keys.payment(p.id))).expiresAt).toEqual({ N: String(Date.parse('2026-02-01T00:00:00.000Z') / 1000) });
    });
  });

  describe('lookups by uniqueness key', () => {
    it('finds a client\u2019s transaction id by UETR (any case) or by its MsgId|EndToEndId, and null otherwise', async () => {
      const tableName = await freshTable();
      const repo = new DynamoDbTransactionRepository(client, { tableName });
      const p = samplePayment({ clientId: 'bank#1' });
      await repo.create(p, keysOf(p), []);
      await expect(repo.findId({ clientId: 'bank#1', uetr: p.uetr!.toUpperCase() })).resolves.toBe(p.id);
      await expect(repo.findId({ clientId: 'bank', uetr: p.uetr! })).resolves.toBeNull();
      await expect(repo.findId({ clientId: 'bank#1', msgIdEndToEndId: `${p.msgId}|${p.endToEndId}` })).resolves.toBe(p.id);
      await expect(repo.findId({ clientId: 'bank', msgIdEndToEndId: `${p.msgId}|${p.endToEndId}` })).resolves.toBeNull();
      await expect(repo.findId({ clientId: 'bank#1', uetr: '00000000-0000-4000-8000-000000000000' })).resolves.toBeNull();
    });
  });

  describe('outbox relay', () => {
    it('hands a claimed job to no other claimer until its lease ends, and completes it for good', async () => {
      const tableName = await freshTable();
      const clock = new ManualClock();
      const repo = new DynamoDbTransactionRepository(client, { tableName, clock });
      const relayA = new DynamoDbOutbox(client, { tableName, clock });
      const relayB = new DynamoDbOutbox(client, { tableName, clock });
      const p = samplePayment();
      const job = sampleJob({ transactionId: p.id });
      const later = sampleJob({ transactionId: p.id, notBefore: new Date(clock.ms + 60_000) });
      await repo.create(p, keysOf(p), [job, later]);

      const first = await relayA.claim(10, 30_000);
      expect(first).toEqual([{ job, enqueuedAt: clock.now().toISOString(), claims: 1 }]);
      await expect(relayB.claim(10, 30_000)).resolves.toEqual([]); // leased; `later` not due yet

      clock.ms += 30_001; // relay A died: the lease ran out
      const again = await relayB.claim(10, 30_000);
      expect(again).toEqual([{ job, enqueuedAt: expect.any(String), claims: 2 }]);
      await relayB.complete([job]);

      clock.ms += 30_000; // `later` is due now; `job` is gone for good
      const due = await relayA.claim(10, 30_000);
      expect(due.map((e) => e.job)).toEqual([later]);
      expect(due[0]!.job.notBefore).toEqual(later.notBefore);
      await relayA.complete([later, later]); // idempotent
      clock.ms += 120_000;
      await expect(relayA.claim(10, 30_000)).resolves.toEqual([]);
    });

    it('tells listeners of committed jobs right after the commit, and not of refused writes', async () => {
      const tableName = await freshTable();
      const seen: Job[][] = [];
      const repo = new DynamoDbTransactionRepository(client, { tableName, onJobsCommitted: (jobs) => seen.push(jobs) });
      repo.addJobsCommittedListener(() => {
        throw new Error('a broken listener does not fail the write');
      });
      const p = samplePayment();
      const job = sampleJob({ transactionId: p.id });
      await expect(repo.create(p, keysOf(p), [job, { ...job }])).resolves.toEqual({ kind: 'created' });
      await repo.update({ ...p, status: 'RJCT' }, 5, [sampleJob({ transactionId: p.id })]);
      expect(seen).toEqual([[job]]);
    });
  });

  describe('without outbox items (jobs handed over after the commit, the sweeper as recovery)', () => {
    it('writes no outbox item, still tells listeners, and keeps the version condition', async () => {
      const tableName = await freshTable();
      const seen: Job[][] = [];
      const repo = new DynamoDbTransactionRepository(client, { tableName, outbox: false, onJobsCommitted: (j) => seen.push(j) });
      const p = samplePayment();
      const job = sampleJob({ transactionId: p.id });
      const next = sampleJob({ transactionId: p.id, type: 'payment.release' });
      await repo.create(p, keysOf(p), [job]);
      await expect(repo.update({ ...p, status: 'ACTC' }, 1, [next])).resolves.toBe(true);
      await expect(repo.update({ ...p, status: 'RJCT' }, 1, [sampleJob()])).resolves.toBe(false);
      expect(seen).toEqual([[job], [next]]);
      const { Items } = await client.send(new ScanCommand({ TableName: tableName }));
      expect(Items!.filter((i) => i.sk!.S!.startsWith('OUTBOX#'))).toEqual([]);
    });
  });

  describe('backup and restore (JSON lines)', () => {
    it('restores every item exactly into a fresh table, and the store works on it', async () => {
      const source = await freshTable();
      const repo = new DynamoDbTransactionRepository(client, { tableName: source });
      const ledger = new DynamoDbLedgerStore(client, { tableName: source });
      await ledger.openAccounts([{ id: 'A', currency: 'EUR', balance: 2n ** 63n - 1n }], false);
      const payments = Array.from({ length: 30 }, () => samplePayment());
      for (const p of payments)
        await repo.create(p, keysOf(p, { key: `k-${p.id}`, requestHash: 'h' }), [sampleJob({ transactionId: p.id })]);
      await repo.update({ ...payments[0]!, status: 'ACSC' }, 1, []);

      const lines: string[] = [];
      for await (const line of exportTable(client, source, { segments: 3, now: new Date('2026-11-22T00:00:00Z') })) lines.push(line);
      expect(JSON.parse(lines[0]!)).toEqual({
        format: 'clearway-dynamodb-jsonl',
        version: 1,
        table: source,
        exportedAt: '2026-11-22T00:00:00.000Z',
      });
      // 30 payments x (payment, idempotency key, UETR, MsgId+E2E, outbox job) + 1 account
      expect(lines).toHaveLength(1 + 30 * 5 + 1);

      const target = await freshTable();
      await expect(importTable(client, target, lines)).resolves.toBe(30 * 5 + 1);
      const dump = async (t: string) =>
        ((await client.send(new ScanCommand({ TableName: t }))).Items ?? []).map((i) => JSON.stringify(i, Object.keys(i).sort())).sort();
      expect(await dump(target)).toEqual(await dump(source));

      const restored = new DynamoDbTransactionRepository(client, { tableName: target });
      await expect(restored.get(payments[0]!.id)).resolves.toMatchObject({ status: 'ACSC', version: 2 });
      await expect(
        restored.create(payments[1]!, keysOf(payments[1]!, { key: `k-${payments[1]!.id}`, requestHash: 'h' }), []),
      ).resolves.toMatchObject({
        kind: 'duplicate',
        by: 'idempotency-key',
        sameRequest: true,
      });
      await expect(new DynamoDbLedgerStore(client, { tableName: target }).getAccount('A')).resolves.toMatchObject({
        balance: 2n ** 63n - 1n,
      });
      const stale = await restored.findStale(['RCVD'], new Date('2030-01-01T00:00:00Z'), 100);
      expect(stale).toHaveLength(29);
    });

    it('refuses input that is not a Clearway backup', async () => {
      const target = await freshTable();
      await expect(importTable(client, target, ['{"pk":{"S":"x"},"sk":{"S":"y"}}'])).rejects.toThrow(/not a Clearway DynamoDB backup/);
      await expect(importTable(client, target, [])).rejects.toThrow(/empty backup/);
      await expect(importTable(client, target, ['{"format":"clearway-dynamodb-jsonl","version":1}', 'garbage'])).rejects.toThrow(
        /line 2 is not JSON/,
      );
    });
  });
});
