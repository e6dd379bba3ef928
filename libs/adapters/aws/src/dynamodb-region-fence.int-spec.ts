// SPDX-License-Identifier: Apache-2.0
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { RegionFencedWriteError, RegionNotHomeError, RegionOwnership, type RegionRecord } from '#application';
import { startAwsEngines, type AwsEngines } from '../../../../test/support/aws-engines.js';
import { keysOf, sampleJob, samplePayment } from '../../../application/src/testing/contracts/contract.fixtures.js';
import { ensureStoreTable } from './aws-resources.js';
import { DynamoDbOutbox } from './dynamodb-outbox.js';
import { DynamoDbPeerReplicas } from './dynamodb-peer-replicas.adapter.js';
import { keyOf, keys } from './dynamodb-table.js';
import { DynamoDbTransactionRepository } from './dynamodb-transaction-repository.adapter.js';

const record = (id: string, over: Partial<RegionRecord> = {}): RegionRecord => ({
  id,
  status: 'healthy',
  epoch: 1,
  heartbeatAt: null,
  leaseUntil: null,
  takenOverBy: null,
  changedBy: 'heartbeat',
  changedAt: '2026-12-06T00:00:00.000Z',
  ...over,
});

/** CONSISTENCY=eventual on DynamoDB Local: the epoch every payment write carries, and the outbox per home region. */
describe('DynamoDB store with a region fence (CONSISTENCY=eventual)', () => {
  let engines: AwsEngines;
  let client: DynamoDBClient;
  let n = 0;

  beforeAll(async () => {
    engines = await startAwsEngines({ fauxqs: false, secretsManager: false });
    client = new DynamoDBClient({ region: engines.region, credentials: engines.credentials, endpoint: engines.dynamodb!.endpoint });
  }, 120_000);
  afterAll(async () => {
    client?.destroy();
    await engines?.stop();
  });

  /** Region a and region b writing one table (as each would its replica), each with its ownership. */
  const setUp = async () => {
    const tableName = `clearway-fence-${++n}`;
    await ensureStoreTable(client, tableName);
    const a = new RegionOwnership('a');
    const b = new RegionOwnership('b');
    a.update(record('a'), new Map());
    b.update(record('b'), new Map());
    return {
      tableName,
      a,
      b,
      storeA: new DynamoDbTransactionRepository(client, { tableName, fence: a }),
      storeB: new DynamoDbTransactionRepository(client, { tableName, fence: b }),
      outbox: new DynamoDbOutbox(client, { tableName }),
      item: async (id: string) =>
        (await client.send(new GetItemCommand({ TableName: tableName, Key: keyOf(keys.payment(id)), ConsistentRead: true }))).Item,
    };
  };

  it('stamps every write with the home region epoch and its writer, and keeps the outbox per home region', async () => {
    const { storeA, outbox, item } = await setUp();
    const p = samplePayment({ homeRegion: 'a' });
    const job = sampleJob({ transactionId: p.id });
    await expect(storeA.create(p, keysOf(p), [job])).resolves.toEqual({ kind: 'created' });
    expect(await item(p.id)).toMatchObject({ regionEpoch: { N: '1' }, regionHolder: { S: 'a' } });
    // the outbox of a's payments is a's: b's relay never claims a replicated copy of it
    await expect(outbox.claim(10, 30_000, ['b'])).resolves.toEqual([]);
    await expect(outbox.claim(10, 30_000)).resolves.toEqual([]); // nor a relay that names no region
    const claimed = await outbox.claim(10, 30_000, ['a']);
    expect(claimed.map((c) => c.job.deduplicationId)).toEqual([job.deduplicationId]);
  });

  it('refuses a write on a payment of a region this one does not act for, before writing anything', async () => {
    const { storeA, storeB, item } = await setUp();
    const p = samplePayment({ homeRegion: 'a' });
    await storeA.create(p, keysOf(p), []);
    const before = await item(p.id);
    await expect(storeB.update({ ...p, status: 'ACTC' }, 1, [])).rejects.toThrow(RegionNotHomeError);
    expect(await item(p.id)).toEqual(before);
    const q = samplePayment({ homeRegion: 'a' });
    await expect(storeB.create(q, keysOf(q), [])).rejects.toThrow(/belongs to region a/);
    expect(await item(q.id)).toBeUndefined();
  });

  it('lets the taker write at the takeover epoch, then fences the returning region, until it is brought back', async () => {
    const { a, b, storeA, storeB, item } = await setUp();
    const p = samplePayment({ homeRegion: 'a' });
    await storeA.create(p, keysOf(p), []);
    // b took a over (epoch 2); a has not heard of it yet (its record still says epoch 1)
    b.update(record('b'), new Map([['a', 2]]));
    await expect(storeB.update({ ...p, status: 'ACTC' }, 1, [sampleJob({ transactionId: p.id })])).resolves.toBe(true);
    expect(await item(p.id)).toMatchObject({ version: { N: '2' }, regionEpoch: { N: '2' }, regionHolder: { S: 'b' } });
    // a, on the version it would read now, is refused by the epoch b's write carries
    await expect(storeA.update({ ...p, status: 'RJCT' }, 2, [])).rejects.toThrow(RegionFencedWriteError);
    await expect(storeA.update({ ...p, status: 'RJCT' }, 2, [])).rejects.toThrow(/written at epoch 2 of region a \(by b\)/);
    expect(await item(p.id)).toMatchObject({ version: { N: '2' }, regionHolder: { S: 'b' } });
    // a stale version at the right epoch is an ordinary conflict (false), not a fence
    await expect(storeB.update({ ...p, status: 'ACSP' }, 1, [])).resolves.toBe(false);
    // a fenced region creates nothing
    a.update(record('a', { status: 'down', epoch: 2, takenOverBy: 'b' }), new Map());
    const q = samplePayment({ homeRegion: 'a' });
    await expect(storeA.create(q, keysOf(q), [])).rejects.toThrow(RegionFencedWriteError);
    // brought back (epoch 3): a acts again, and b, which let go, is refused
    a.update(record('a', { epoch: 3 }), new Map());
    b.update(record('b'), new Map());
    await expect(storeA.update({ ...p, status: 'ACSP' }, 2, [])).resolves.toBe(true);
    expect(await item(p.id)).toMatchObject({ version: { N: '3' }, regionEpoch: { N: '3' }, regionHolder: { S: 'a' } });
    b.update(record('b'), new Map([['a', 2]])); // even if b still believed it held a
    await expect(storeB.update({ ...p, status: 'ACSC' }, 3, [])).rejects.toThrow(RegionFencedWriteError);
  });

  it("reads a peer's replica for X-Consistency: global", async () => {
    const { tableName, storeA } = await setUp();
    const replicas = new DynamoDbPeerReplicas(new Map([['b', client]]), { tableName });
    const p = samplePayment({ homeRegion: 'a' });
    await expect(replicas.holds('b', p.id)).resolves.toBe(false);
    await storeA.create(p, keysOf(p), []);
    await expect(replicas.holds('b', p.id)).resolves.toBe(true);
    await expect(replicas.holds('c', p.id)).rejects.toThrow(/no replica client for peer region c/);
  });
});
