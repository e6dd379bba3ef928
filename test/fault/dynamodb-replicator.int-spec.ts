// SPDX-License-Identifier: Apache-2.0
/**
 * The test replicator (test/support/dynamodb-replicator.ts, a stand-in for DynamoDB global tables) between two
 * real DynamoDB Local instances, one per region, each with the gateway's table and its stream.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { DynamoDbTransactionRepository, ensureStoreTable } from '#adapters/aws';
import { keysOf, sampleJob, samplePayment } from '../../libs/application/src/testing/contracts/contract.fixtures.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal, type EngineProcess } from '../support/aws-engines.js';
import {
  LWW_REGION,
  LWW_STAMP,
  LWW_TS,
  seedReplica,
  startReplicator,
  withoutReplicatorAttributes,
  type Replicator,
} from '../support/dynamodb-replicator.js';

const TABLE = 'clearway';
const LAG_MS = 500;
const POLL_MS = 50;

type Item = Record<string, AttributeValue>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('test replicator between two DynamoDB Local regions (stand-in for global tables)', () => {
  let engineA: EngineProcess;
  let engineB: EngineProcess;
  let a: DynamoDBClient;
  let b: DynamoDBClient;
  let replicator: Replicator;
  const errors: string[] = [];

  beforeAll(async () => {
    [engineA, engineB] = await Promise.all([startDynamoDbLocal(), startDynamoDbLocal()]);
    const client = (endpoint: string) => new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint });
    a = client(engineA.endpoint);
    b = client(engineB.endpoint);
    await Promise.all([ensureStoreTable(a, TABLE, { streams: true }), ensureStoreTable(b, TABLE, { streams: true })]);
    replicator = startReplicator({
      regions: [
        { id: 'a', endpoint: engineA.endpoint, table: TABLE },
        { id: 'b', endpoint: engineB.endpoint, table: TABLE },
      ],
      lagMs: LAG_MS,
      pollMs: POLL_MS,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      onError: (e, context) => errors.push(`${context}: ${e.message}`),
    });
  }, 120_000);

  afterAll(async () => {
    await replicator?.stop();
    a?.destroy();
    b?.destroy();
    await Promise.allSettled([engineA?.stop(), engineB?.stop()]);
  });

  afterEach(() => {
    const seen = errors.splice(0);
    expect(seen).toEqual([]);
  });

  const key = (name: string): Item => ({ pk: { S: `TEST#${name}` }, sk: { S: 'X' } });
  const get = async (client: DynamoDBClient, k: Item): Promise<Item | undefined> =>
    (await client.send(new GetItemCommand({ TableName: TABLE, Key: k, ConsistentRead: true }))).Item;
  const put = (client: DynamoDBClient, item: Item) => client.send(new PutItemCommand({ TableName: TABLE, Item: item }));
  const plain = (item: Item | undefined) => (item === undefined ? undefined : withoutReplicatorAttributes(item));

  async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`not there within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  it('creates the tables with a NEW_AND_OLD_IMAGES stream, and turns one on for an existing table', async () => {
    const { Table } = await a.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(Table!.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });

    await ensureStoreTable(a, 'no-stream-yet');
    const before = await a.send(new DescribeTableCommand({ TableName: 'no-stream-yet' }));
    expect(before.Table!.StreamSpecification?.StreamEnabled ?? false).toBe(false);
    await ensureStoreTable(a, 'no-stream-yet', { streams: true });
    const after = await a.send(new DescribeTableCommand({ TableName: 'no-stream-yet' }));
    expect(after.Table!.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('applies an insert in A to B no sooner than lagMs after the write, stamped for last-writer-wins', async () => {
    const k = key('insert');
    const item = { ...k, v: { S: 'from a' }, n: { N: '1' } };
    const t0 = Date.now();
    await put(a, item);
    await sleep(LAG_MS / 2);
    expect(await get(b, k)).toBeUndefined();
    const copy = await waitFor(() => get(b, k), 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(LAG_MS);
    expect(plain(copy)).toEqual(item);
    expect(copy[LWW_REGION]).toEqual({ S: 'a' });
    expect(Number(copy[LWW_TS]!.N)).toBeGreaterThanOrEqual(t0);
    expect(copy[LWW_STAMP]!.S).toMatch(/^\d{15}#a#\d{40}$/);
  });

  it('replicates updates and deletes, and a transaction item by item; the gateway reads the copies in B', async () => {
    const k = key('update-delete');
    await put(a, { ...k, v: { S: 'one' } });
    await replicator.caughtUp(10_000);
    await a.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: k,
        UpdateExpression: 'SET v = :v, w = :w',
        ExpressionAttributeValues: { ':v': { S: 'two' }, ':w': { N: '2' } },
      }),
    );
    await replicator.caughtUp(10_000);
    expect(plain(await get(b, k))).toEqual({ ...k, v: { S: 'two' }, w: { N: '2' } });
    expect(plain(await get(a, k))).toEqual(plain(await get(b, k)));

    await a.send(new DeleteItemCommand({ TableName: TABLE, Key: k }));
    await replicator.caughtUp(10_000);
    expect(await get(b, k)).toBeUndefined();

    // the gateway's create: one TransactWriteItems (payment, uniqueness keys, outbox job) in A
    const repoA = new DynamoDbTransactionRepository(a, { tableName: TABLE });
    const repoB = new DynamoDbTransactionRepository(b, { tableName: TABLE });
    const payment = samplePayment();
    expect((await repoA.create(payment, keysOf(payment), [sampleJob({ transactionId: payment.id })])).kind).toBe('created');
    await replicator.caughtUp(10_000);
    expect(await repoB.get(payment.id)).toEqual(await repoA.get(payment.id));
    expect(await repoB.findId({ clientId: payment.clientId, uetr: payment.uetr! })).toBe(payment.id);
    const itemsUnder = async (client: DynamoDBClient) =>
      (
        await client.send(
          new QueryCommand({
            TableName: TABLE,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: `TX#${payment.id}` } },
            ConsistentRead: true,
          }),
        )
      ).Items!.map(plain);
    expect(await itemsUnder(b)).toEqual(await itemsUnder(a));
    expect((await itemsUnder(b)).length).toBeGreaterThanOrEqual(2); // the payment and its outbox job

    // an update through the gateway in B (the copy carries the replicator's attributes) reaches A
    const inB = (await repoB.get(payment.id))!;
    expect(
      await repoB.update(
        { ...inB, status: 'ACTC' as const, history: [...inB.history, { status: 'ACTC' as const, at: inB.createdAt }] },
        inB.version,
        [],
      ),
    ).toBe(true);
    await replicator.caughtUp(10_000);
    const inA = (await repoA.get(payment.id))!;
    expect(inA.status).toBe('ACTC');
    expect(inA.version).toBe(inB.version + 1);
  });

  it('converges concurrent conflicting writes to one key in A and B to the same item in both tables', async () => {
    const shipped = replicator.stats().shipped;
    // 30 keys written in both regions at once; 30 with B's write (or delete) at a random moment in the next
    // 2.5 s: before, while or after A's write reaches B
    const followers = new Set<string>();
    const conflicts: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      const k = key(`conflict-${i}`);
      const delayed = i >= 30;
      conflicts.push(
        (async () => {
          const writeB = async () => {
            if (delayed) await sleep(Math.floor(Math.random() * LAG_MS * 5));
            const sawA = (await get(b, k))?.v?.S === `a${i}`;
            if (i % 5 === 4) await b.send(new DeleteItemCommand({ TableName: TABLE, Key: k }));
            else await put(b, { ...k, v: { S: `b${i}` }, from: { S: 'b' } });
            // a write made after A's write had arrived in B follows it: it must win
            if (sawA) followers.add(`conflict-${i}`);
          };
          await Promise.all([put(a, { ...k, v: { S: `a${i}` }, from: { S: 'a' } }), writeB()]);
        })(),
      );
    }
    await Promise.all(conflicts);
    await replicator.caughtUp(20_000);
    for (let i = 0; i < 60; i++) {
      const k = key(`conflict-${i}`);
      const [inA, inB] = [plain(await get(a, k)), plain(await get(b, k))];
      expect({ key: i, item: inB }).toEqual({ key: i, item: inA });
      if (followers.has(`conflict-${i}`)) {
        expect({ key: i, v: inA?.v?.S }).toEqual({ key: i, v: i % 5 === 4 ? undefined : `b${i}` });
      }
    }
    expect(followers.size).toBeGreaterThan(0);
    expect(replicator.stats().shipped).toBeGreaterThan(shipped);
  }, 40_000);

  it('lets a write that follows a replicated one win, in both tables', async () => {
    const k = key('follows');
    await put(a, { ...k, v: { S: 'first, in a' } });
    await waitFor(() => get(b, k), 10_000);
    await put(b, { ...k, v: { S: 'second, in b' } });
    await replicator.caughtUp(10_000);
    expect(plain(await get(a, k))).toEqual({ ...k, v: { S: 'second, in b' } });
    expect(plain(await get(b, k))).toEqual({ ...k, v: { S: 'second, in b' } });
  });

  it('writes back a newer local version that an older replicated write overwrote before the replicator read it', async () => {
    // its own tables, and a replicator that polls seldom and ships at once: writes in B and in A land just after
    // B's stream was read; whichever is read first is applied at once to the other table, over the other write,
    // which is read later, so it is the newer one: it must be written back, and win in both tables
    const RACE = 'clearway-race';
    await Promise.all([ensureStoreTable(a, RACE, { streams: true }), ensureStoreTable(b, RACE, { streams: true })]);
    const slow = startReplicator({
      regions: [
        { id: 'a', endpoint: engineA.endpoint, table: RACE },
        { id: 'b', endpoint: engineB.endpoint, table: RACE },
      ],
      lagMs: 0,
      pollMs: 1_500,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      onError: (e, context) => errors.push(`slow replicator, ${context}: ${e.message}`),
    });
    const until = async (probe: () => boolean) => waitFor(async () => (probe() ? true : undefined), 10_000);
    const getRace = async (client: DynamoDBClient, k: Item) =>
      (await client.send(new GetItemCommand({ TableName: RACE, Key: k, ConsistentRead: true }))).Item;
    try {
      // both polls may happen to fall between the two writes (then nothing is overwritten): a few tries
      for (let attempt = 0; attempt < 3 && slow.stats().repairs === 0; attempt++) {
        const k = key(`race-${attempt}`);
        const pollsOfB = slow.stats().polls.b!;
        await until(() => slow.stats().polls.b! > pollsOfB);
        await b.send(new PutItemCommand({ TableName: RACE, Item: { ...k, v: { S: 'in b' } } }));
        await a.send(new PutItemCommand({ TableName: RACE, Item: { ...k, v: { S: 'in a' } } }));
        await slow.caughtUp(15_000);
        const [inA, inB] = [await getRace(a, k), await getRace(b, k)];
        expect(plain(inB)).toEqual(plain(inA));
        if (slow.stats().repairs > 0) {
          // one table holds the written-back version, the other its replicated copy: same stamp, and the
          // content is the write of the region the stamp names
          expect(inA![LWW_STAMP]).toEqual(inB![LWW_STAMP]);
          expect(inA!.v).toEqual({ S: `in ${inA![LWW_REGION]!.S}` });
        }
      }
      expect(slow.stats().repairs).toBeGreaterThan(0);
    } finally {
      await slow.stop();
    }
  }, 40_000);

  it('ships nothing back: after a quiet period no record was read or shipped', async () => {
    await replicator.caughtUp(10_000);
    const before = replicator.stats();
    expect(before.echoesSkipped).toBeGreaterThan(0);
    await sleep(3 * LAG_MS + 4 * POLL_MS);
    const after = replicator.stats();
    expect(after.read).toBe(before.read);
    expect(after.shipped).toBe(before.shipped);
    expect(after.pending).toBe(0);
  });

  it('holds writes from a paused region until it is resumed; the other direction goes on', async () => {
    const fromA = key(`paused-a-${randomUUID()}`);
    const fromB = key(`paused-b-${randomUUID()}`);
    replicator.pause('a');
    try {
      await put(a, { ...fromA, v: { S: 'held' } });
      await put(b, { ...fromB, v: { S: 'flows' } });
      await waitFor(() => get(a, fromB), 10_000);
      await expect(replicator.caughtUp(LAG_MS * 2)).rejects.toThrow(/did not catch up/);
      expect(await get(b, fromA)).toBeUndefined();
      expect(replicator.stats().pending).toBe(1);
    } finally {
      replicator.resume('a');
    }
    await replicator.caughtUp(10_000);
    expect(plain(await get(b, fromA))).toEqual({ ...fromA, v: { S: 'held' } });
  });

  it('caughtUp resolves only when every write read so far has been applied', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => key(`batch-${i}-${randomUUID()}`));
    await Promise.all(keys.map((k, i) => put(i % 2 === 0 ? a : b, { ...k, v: { N: String(i) } })));
    await replicator.caughtUp(15_000);
    expect(replicator.stats().pending).toBe(0);
    for (const [i, k] of keys.entries()) {
      expect({ i, item: plain(await get(i % 2 === 0 ? b : a, k)) }).toEqual({ i, item: { ...k, v: { N: String(i) } } });
    }
  }, 30_000);

  it('joins a region that comes back empty: from now, backfilled by seedReplica, later writes win over the copies', async () => {
    const back = `clearway-back-${randomUUID().slice(0, 8)}`;
    await ensureStoreTable(a, back, { streams: true });
    const before = key(`before-${randomUUID()}`);
    await put(b, { ...before, v: { S: 'old' } });
    const rejoined = startReplicator({
      regions: [
        { id: 'a', endpoint: engineA.endpoint, table: back },
        { id: 'b', endpoint: engineB.endpoint, table: TABLE },
      ],
      lagMs: LAG_MS,
      pollMs: POLL_MS,
      from: 'now',
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      onError: (e, context) => errors.push(`rejoined ${context}: ${e.message}`),
    });
    try {
      await waitFor(async () => (Object.values(rejoined.stats().polls).every((n) => n > 0) ? true : undefined), 10_000);
      // nothing of b's history is replayed from its stream: only the backfill brings it
      const copied = await seedReplica(
        { endpoint: engineB.endpoint, table: TABLE },
        { endpoint: engineA.endpoint, table: back },
        { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
      );
      expect(copied).toBeGreaterThan(0);
      const getBack = async (k: Item) => (await a.send(new GetItemCommand({ TableName: back, Key: k, ConsistentRead: true }))).Item;
      expect(plain(await getBack(before))).toEqual({ ...before, v: { S: 'old' } });
      // a later write in b wins over the copy; a write in the returning region reaches b; no copy is shipped back
      await put(b, { ...before, v: { S: 'new' } });
      const fresh = key(`fresh-${randomUUID()}`);
      await a.send(new PutItemCommand({ TableName: back, Item: { ...fresh, v: { S: 'from-a' } } }));
      await waitFor(async () => ((await getBack(before))?.v?.S === 'new' ? true : undefined), 10_000);
      expect(plain(await waitFor(() => get(b, fresh), 10_000))).toEqual({ ...fresh, v: { S: 'from-a' } });
      await rejoined.caughtUp(10_000);
      expect(rejoined.stats().echoesSkipped).toBeGreaterThanOrEqual(copied);
      expect(rejoined.stats().shipped).toBe(2);
    } finally {
      await rejoined.stop();
    }
  }, 60_000);
});
