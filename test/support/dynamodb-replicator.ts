// SPDX-License-Identifier: Apache-2.0
/**
 * A test replicator between DynamoDB Local tables, built on DynamoDB Streams: a STAND-IN for DynamoDB global
 * tables in the two-region tests (`CONSISTENCY=eventual`, issue 15). It is test support, not a product: it runs
 * inside the test process, keeps its bookkeeping in memory, and is only as faithful as described here.
 *
 * What it does, for every pair of regions (tables) it joins:
 *  - Reads each table's stream (all shards, from TRIM_HORIZON; a child shard after its parent), every `pollMs`.
 *    The tables need a stream with NEW_AND_OLD_IMAGES (`ensureStoreTable(client, table, { streams: true })` or
 *    `provisionAwsResources({ ..., streams: true })`).
 *  - Asynchronous with a configurable lag: a write read from region X's stream is applied to every other
 *    region `lagMs` after the replicator first read it (so at least `lagMs`, and at most about
 *    `lagMs + pollMs` plus the engines' latency, after the write). DynamoDB Local truncates
 *    `ApproximateCreationDateTime` to the minute, so the time of a write is the moment its record was first
 *    read, never earlier than `ApproximateCreationDateTime`.
 *  - INSERT and MODIFY are applied as a PutItem of the new image (the whole item, like global tables);
 *    REMOVE as a DeleteItem. Each item is replicated on its own: a TransactWriteItems in one region arrives
 *    in the other item by item, not atomically, which is also what global tables do (transactions are
 *    atomic only in the region where they ran).
 *  - Last writer wins. Every write gets a stamp `(time ms, region id, stream sequence number)`, compared in
 *    that order; the stamp is computed once, from the source's stream record, and shipped with the write, so
 *    both tables decide the same way. A local write never gets a stamp lower than the version it replaced
 *    in its own region (a write that follows a replicated one wins over it, like a Lamport clock). Items the
 *    replicator writes carry the stamp in `_lww` (sortable string, used in the write's condition), `_lww_ts`
 *    (N, ms) and `_lww_region` (S). The gateway's own writes do not carry stamps; the replicator knows their
 *    stamps from the streams (in memory, per key).
 *  - A replicated put or delete is conditional (`_lww` absent or older). A local write that lands between
 *    the replicator's check and its write can still be overwritten by an older replicated write; the
 *    replicator sees it in the stream (the local write's record comes before the echo of its own write, whose
 *    old image is the local version) and repairs it: the newer local version is written back with its stamp,
 *    and it reaches the other region as usual. So two concurrent writes to one key in two regions converge to
 *    the same item (the one with the higher stamp) in both tables, apart from the `_lww*` attributes, which
 *    only the copies the replicator wrote carry.
 *  - Echoes: the stream records of its own writes are recognised and never shipped back: a put by its `_lww`
 *    changing between the old and the new image (the gateway never changes `_lww`: its puts drop it, its
 *    updates keep it), a delete because the replicator remembers the deletes it made until it reads them back.
 *  - `pause(regionId)` holds what comes FROM that region (a partition in one direction; pause both for a full
 *    partition); the held writes are applied after `resume`. Reading the paused region's stream goes on.
 *  - A failing read or write (an engine down) is reported through `onError` and retried with a back-off; a
 *    write waits at its place, so writes to one key stay in order.
 *
 * Like global tables, last writer wins discards the losing one of two concurrent writes to an item, whatever
 * the gateway's conditions said in its own region (a uniqueness key created in both regions, two version
 * checks that both passed): that is why, in `eventual` mode, only a payment's home region writes it.
 *
 * Not like global tables: the stamp's time is the replicator's clock when it read the record, not the
 * service's; TTL deletions are replicated like any delete; items written with `_lww` attributes by anything
 * else than the replicator (a backup restored with `importTable`) are taken for its echoes; nothing survives a
 * restart of the replicator (its per-key memory and stream positions are in this process); a region whose
 * engine restarts empty is joined again by a new replicator started `from: 'now'` and backfilled with
 * `seedReplica` (below).
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecordEnvelope,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';

export interface ReplicatedRegion {
  /** Region id, as in `REGION_ID`: letters, digits, `_` and `-`. */
  readonly id: string;
  /** DynamoDB (and Streams) endpoint, e.g. DynamoDB Local's `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly table: string;
}

export interface ReplicatorOptions {
  /** At least two regions; every write in one is applied to all the others. */
  readonly regions: readonly ReplicatedRegion[];
  /** How long after a write is read it is applied elsewhere (default 200 ms). */
  readonly lagMs?: number;
  /** Stream polling interval (default 100 ms). */
  readonly pollMs?: number;
  /** Signing region for the clients (DynamoDB Local accepts any). */
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** Failures (an engine down, an unexpected answer); the replicator retries. Default: ignored. */
  readonly onError?: (error: Error, context: string) => void;
  /** Writes in flight at once, across keys (default 16; one key's writes are always in order). */
  readonly concurrency?: number;
  /**
   * Where to start reading the streams: `start` (default: every record the streams hold) or `now` (the shards
   * that exist at the first poll are read from LATEST; shards that appear later from their start). `now` is for
   * joining a region that comes back empty: start the replicator, then `seedReplica` (below).
   */
  readonly from?: 'start' | 'now';
}

export interface ReplicatorStats {
  /** Replicated puts and deletes applied to a target table. */
  shipped: number;
  /** Replicated writes not applied because the target already had a newer version of the item. */
  skippedOlder: number;
  /** Stream records of the replicator's own writes, recognised and not shipped back. */
  echoesSkipped: number;
  /** Local versions written back after an older replicated write overwrote them (see the file header). */
  repairs: number;
  /** Stream records read, all regions. */
  read: number;
  /** Writes read and not yet applied (waiting for the lag, held by a pause, or in flight). */
  pending: number;
  /** `Date.now()` of the last applied write, or null. */
  lastShippedAt: number | null;
  /**
   * Operations on keys queued or running: stream records read and not yet handled, and shipments due and not yet
   * applied. It grows when the replicator falls behind its sources (a test can hold its load on it).
   */
  backlog: number;
  /** Completed polls of each region's stream (all shards), by region id. */
  polls: Record<string, number>;
}

export interface Replicator {
  /** Stops polling and shipping, waits for writes in flight (pending ones are dropped). Idempotent. */
  stop(): Promise<void>;
  /** Holds writes FROM this region until `resume` (reading its stream goes on). */
  pause(regionId: string): void;
  resume(regionId: string): void;
  stats(): ReplicatorStats;
  /**
   * Resolves when every record read so far has been applied (or skipped), nothing is in flight, and one full
   * poll of every stream, started after that, read nothing new. Rejects after `timeoutMs`. While a region
   * is paused and has held writes, it does not resolve.
   */
  caughtUp(timeoutMs: number): Promise<void>;
}

/** The replicator's attributes on the items it writes. */
export const LWW_STAMP = '_lww';
export const LWW_TS = '_lww_ts';
export const LWW_REGION = '_lww_region';
const LWW_ATTRIBUTES = [LWW_STAMP, LWW_TS, LWW_REGION] as const;

/** An item without the replicator's attributes (to compare the two tables' copies). */
export function withoutReplicatorAttributes(item: Record<string, AttributeValue>): Record<string, AttributeValue> {
  const out = { ...item };
  for (const a of LWW_ATTRIBUTES) delete out[a];
  return out;
}

type Item = Record<string, AttributeValue>;
interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

/** A version of one key in one region, as the stream shows it. */
interface Version {
  /** `encodeStamp(...)`: string order is last-writer-wins order. */
  readonly stamp: string;
  readonly ts: number;
  readonly deleted: boolean;
}

interface Shipment {
  readonly key: string;
  readonly keyAttributes: Item;
  /** The item to put, or null for a delete. */
  readonly image: Item | null;
  readonly stamp: string;
  readonly ts: number;
  readonly source: string;
  readonly target: RegionState;
  readonly dueAt: number;
}

interface ShardState {
  readonly id: string;
  readonly parent: string | undefined;
  iterator: string | undefined;
  lastSequence: string | undefined;
  done: boolean;
  /** Read from LATEST (a shard found at the first poll of a replicator started `from: 'now'`). */
  latest: boolean;
}

interface RegionState {
  readonly spec: ReplicatedRegion;
  readonly ddb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  streamArn: string | undefined;
  /** When the shard list was last read (it is re-read every second, and when a shard ends). */
  shardsReadAt: number;
  readonly shards: Map<string, ShardState>;
  /** Key → the latest version of the key in this region's table, in stream order. */
  readonly current: Map<string, Version>;
  /** Key → the replicator's own writes to this table not yet read back: `P<stamp>` or `D<stamp>`. */
  readonly ownWrites: Map<string, string[]>;
  /** Writes from this region to the others, in stream order. */
  readonly outbox: Shipment[];
  paused: boolean;
  /** Start time of the latest poll that read nothing (0 after a poll that read something or failed). */
  lastEmptyPollStartedAt: number;
  consecutiveErrors: number;
}

const REGION_ID = /^[A-Za-z0-9_-]+$/;

/** `<ms, 15 digits>#<region>#<sequence, 40 digits>`; '#' sorts below every region id character. */
function encodeStamp(ts: number, region: string, sequence: string): string {
  return `${String(ts).padStart(15, '0')}#${region}#${sequence.padStart(40, '0')}`;
}

function keyOfRecord(keys: Item): string {
  return JSON.stringify(
    Object.keys(keys)
      .sort()
      .map((name) => [name, keys[name]]),
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function startReplicator(options: ReplicatorOptions): Replicator {
  const lagMs = options.lagMs ?? 200;
  const pollMs = options.pollMs ?? 100;
  const concurrency = options.concurrency ?? 16;
  const onError = options.onError ?? (() => undefined);
  if (options.regions.length < 2) throw new Error('the replicator joins at least two regions');
  const ids = new Set<string>();
  for (const r of options.regions) {
    if (!REGION_ID.test(r.id)) throw new Error(`region id ${JSON.stringify(r.id)}: letters, digits, _ and - only`);
    if (ids.has(r.id)) throw new Error(`region id ${r.id} twice`);
    ids.add(r.id);
  }
  if (!(lagMs >= 0) || !(pollMs > 0)) throw new Error('lagMs must be >= 0 and pollMs > 0');

  const clientConfig = { region: options.region, credentials: options.credentials, maxAttempts: 1 };
  const regions = new Map<string, RegionState>(
    options.regions.map((spec) => [
      spec.id,
      {
        spec,
        ddb: new DynamoDBClient({ ...clientConfig, endpoint: spec.endpoint }),
        streams: new DynamoDBStreamsClient({ ...clientConfig, endpoint: spec.endpoint }),
        streamArn: undefined,
        shardsReadAt: 0,
        shards: new Map(),
        current: new Map(),
        ownWrites: new Map(),
        outbox: [],
        paused: false,
        lastEmptyPollStartedAt: 0,
        consecutiveErrors: 0,
      },
    ]),
  );
  const stats: ReplicatorStats = {
    shipped: 0,
    skippedOlder: 0,
    echoesSkipped: 0,
    repairs: 0,
    read: 0,
    pending: 0,
    lastShippedAt: null,
    backlog: 0,
    polls: Object.fromEntries(options.regions.map((r) => [r.id, 0])),
  };
  let stopped = false;
  /** Operations queued or running on key chains. */
  let inFlight = 0;

  const report = (e: unknown, context: string): void => {
    try {
      onError(e instanceof Error ? e : new Error(String(e)), context);
    } catch {
      // a throwing onError must not stop the replicator
    }
  };

  // ---------------------------------------------------------------------------------------------------
  // one chain of operations per key (both regions): a key's records and writes are handled in order

  const chains = new Map<string, Promise<void>>();
  let slots = concurrency;
  const waiters: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (slots > 0) {
      slots--;
      return;
    }
    await new Promise<void>((r) => waiters.push(r));
  };
  const release = (): void => {
    const next = waiters.shift();
    if (next) next();
    else slots++;
  };

  function onKey(key: string, op: () => Promise<void>): void {
    inFlight++;
    const run = (chains.get(key) ?? Promise.resolve()).then(async () => {
      try {
        await op();
      } catch (e) {
        report(e, `key ${key}`);
      } finally {
        inFlight--;
      }
    });
    chains.set(key, run);
    void run.then(() => {
      if (chains.get(key) === run) chains.delete(key);
    });
  }

  /** Runs one write, retrying failures other than a failed condition until it succeeds or the replicator stops. */
  async function write<T>(context: string, send: () => Promise<T>): Promise<T | 'condition-failed' | 'stopped'> {
    for (let attempt = 0; ; attempt++) {
      if (stopped) return 'stopped';
      await acquire();
      try {
        return await send();
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return 'condition-failed';
        report(e, context);
      } finally {
        release();
      }
      await sleep(Math.min(50 * 2 ** attempt, 1_000));
    }
  }

  function rememberOwnWrite(region: RegionState, key: string, tag: string): void {
    const list = region.ownWrites.get(key);
    if (list) list.push(tag);
    else region.ownWrites.set(key, [tag]);
  }

  function takeOwnWrite(region: RegionState, key: string, tag: string): boolean {
    const list = region.ownWrites.get(key);
    const i = list?.indexOf(tag) ?? -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) region.ownWrites.delete(key);
    return true;
  }

  const stamped = (image: Item, stamp: string, ts: number, source: string): Item => ({
    ...withoutReplicatorAttributes(image),
    [LWW_STAMP]: { S: stamp },
    [LWW_TS]: { N: String(ts) },
    [LWW_REGION]: { S: source },
  });

  async function putIfOlder(
    target: RegionState,
    key: string,
    item: Item,
    stamp: string,
    condition: 'older' | { equals: string } | 'absent',
    hashKey: string,
  ): Promise<boolean> {
    const cond: Condition =
      condition === 'older'
        ? {
            ConditionExpression: 'attribute_not_exists(#lww) OR #lww < :stamp',
            ExpressionAttributeNames: { '#lww': LWW_STAMP },
            ExpressionAttributeValues: { ':stamp': { S: stamp } },
          }
        : condition === 'absent'
          ? { ConditionExpression: 'attribute_not_exists(#h)', ExpressionAttributeNames: { '#h': hashKey } }
          : {
              ConditionExpression: '#lww = :was',
              ExpressionAttributeNames: { '#lww': LWW_STAMP },
              ExpressionAttributeValues: { ':was': { S: condition.equals } },
            };
    const r = await write(`put to ${target.spec.id}`, () =>
      target.ddb.send(new PutItemCommand({ TableName: target.spec.table, Item: item, ...cond })),
    );
    if (r === 'condition-failed' || r === 'stopped') return false;
    rememberOwnWrite(target, key, `P${stamp}`);
    return true;
  }

  async function deleteIf(
    target: RegionState,
    key: string,
    keyAttributes: Item,
    stamp: string,
    condition: 'older' | { equals: string },
    hashKey: string,
  ): Promise<boolean> {
    const cond: Condition =
      condition === 'older'
        ? {
            ConditionExpression: 'attribute_exists(#h) AND (attribute_not_exists(#lww) OR #lww < :stamp)',
            ExpressionAttributeNames: { '#h': hashKey, '#lww': LWW_STAMP },
            ExpressionAttributeValues: { ':stamp': { S: stamp } },
          }
        : {
            ConditionExpression: '#lww = :was',
            ExpressionAttributeNames: { '#lww': LWW_STAMP },
            ExpressionAttributeValues: { ':was': { S: condition.equals } },
          };
    const r = await write(`delete in ${target.spec.id}`, () =>
      target.ddb.send(new DeleteItemCommand({ TableName: target.spec.table, Key: keyAttributes, ...cond })),
    );
    if (r === 'condition-failed' || r === 'stopped') return false;
    rememberOwnWrite(target, key, `D${stamp}`);
    return true;
  }

  // ---------------------------------------------------------------------------------------------------
  // a record read from a region's stream

  function handleRecord(region: RegionState, record: StreamRecordEnvelope, readAt: number): void {
    const data = record.dynamodb;
    const keyAttributes = data?.Keys as Item | undefined;
    const sequence = data?.SequenceNumber;
    if (!data || !keyAttributes || !sequence || !record.eventName) {
      report(new Error(`a stream record without keys or sequence number: ${JSON.stringify(record)}`), `stream of ${region.spec.id}`);
      return;
    }
    const key = keyOfRecord(keyAttributes);
    const hashKey = Object.keys(keyAttributes).sort()[0] ?? 'pk';
    const approx = data.ApproximateCreationDateTime?.getTime() ?? 0;
    const newImage = data.NewImage as Item | undefined;
    const oldImage = data.OldImage as Item | undefined;
    const removed = record.eventName === 'REMOVE';
    onKey(key, async () => {
      const prev = region.current.get(key);
      // 1. an echo of the replicator's own write?
      let echo: string | undefined;
      if (removed) {
        const list = region.ownWrites.get(key);
        const tag = list?.find((t) => t.startsWith('D'));
        if (tag !== undefined && takeOwnWrite(region, key, tag)) echo = tag.slice(1);
      } else {
        // the gateway never changes `_lww` (its puts drop it, its updates keep it): a changed stamp is ours
        const stampNow = newImage?.[LWW_STAMP]?.S;
        const stampBefore = oldImage?.[LWW_STAMP]?.S;
        if (stampNow !== undefined && stampNow !== stampBefore) {
          takeOwnWrite(region, key, `P${stampNow}`);
          echo = stampNow;
        }
      }
      if (echo !== undefined) {
        stats.echoesSkipped++;
        if (prev !== undefined && prev.stamp > echo) {
          // the replicator overwrote a newer local version it had not read yet: write that version back
          stats.repairs++;
          if (prev.deleted) {
            await deleteIf(region, key, keyAttributes, prev.stamp, { equals: echo }, hashKey);
          } else if (oldImage) {
            const item = stamped(oldImage, prev.stamp, prev.ts, region.spec.id);
            await putIfOlder(region, key, item, prev.stamp, removed ? 'absent' : { equals: echo }, hashKey);
          }
          return; // `current` stays the local version
        }
        region.current.set(key, { stamp: echo, ts: Number(echo.slice(0, 15)), deleted: removed });
        return;
      }
      // 2. a local write: stamp it (never below the version it replaced) and ship it to the other regions
      let ts = Math.max(readAt, approx);
      let stamp = encodeStamp(ts, region.spec.id, sequence);
      if (prev !== undefined && stamp <= prev.stamp) {
        ts = prev.ts + 1;
        stamp = encodeStamp(ts, region.spec.id, sequence);
      }
      region.current.set(key, { stamp, ts, deleted: removed });
      const image = removed ? null : (newImage ?? null);
      if (!removed && image === null) {
        report(
          new Error(`a ${record.eventName} record without a new image (the stream must have NEW_AND_OLD_IMAGES)`),
          `stream of ${region.spec.id}`,
        );
        return;
      }
      for (const other of regions.values()) {
        if (other === region) continue;
        region.outbox.push({ key, keyAttributes, image, stamp, ts, source: region.spec.id, target: other, dueAt: readAt + lagMs });
        stats.pending++;
      }
      wakeShipper();
    });
  }

  async function apply(target: RegionState, s: Shipment): Promise<void> {
    const hashKey = Object.keys(s.keyAttributes).sort()[0] ?? 'pk';
    const known = target.current.get(s.key);
    let done: boolean;
    if (known !== undefined && known.stamp >= s.stamp) {
      done = false;
    } else if (s.image) {
      done = await putIfOlder(target, s.key, stamped(s.image, s.stamp, s.ts, s.source), s.stamp, 'older', hashKey);
    } else {
      done = await deleteIf(target, s.key, s.keyAttributes, s.stamp, 'older', hashKey);
    }
    if (stopped) return;
    if (done) {
      stats.shipped++;
      stats.lastShippedAt = Date.now();
    } else {
      stats.skippedOlder++;
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // shipping: each region's outbox in order, when due and not paused

  let wake: (() => void) | undefined;
  function wakeShipper(): void {
    wake?.();
  }

  async function shipLoop(): Promise<void> {
    while (!stopped) {
      const now = Date.now();
      let nextDue = Infinity;
      for (const source of regions.values()) {
        if (source.paused) continue;
        while (source.outbox.length > 0 && source.outbox[0]!.dueAt <= now) {
          const s = source.outbox.shift()!;
          onKey(s.key, async () => {
            try {
              await apply(s.target, s);
            } finally {
              stats.pending--;
            }
          });
        }
        if (source.outbox.length > 0) nextDue = Math.min(nextDue, source.outbox[0]!.dueAt);
      }
      const wait = Number.isFinite(nextDue) ? Math.max(1, nextDue - Date.now()) : pollMs;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.min(wait, pollMs));
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      wake = undefined;
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // polling a region's stream

  async function refreshShards(region: RegionState): Promise<void> {
    if (region.streamArn !== undefined && Date.now() - region.shardsReadAt < 1_000) return;
    const { Table } = await region.ddb.send(new DescribeTableCommand({ TableName: region.spec.table }));
    const arn = Table?.LatestStreamArn;
    if (!arn || Table?.StreamSpecification?.StreamEnabled !== true) {
      throw new Error(`table ${region.spec.table} in region ${region.spec.id} has no stream (create it with streams: true)`);
    }
    if (Table.StreamSpecification.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
      throw new Error(`table ${region.spec.table} in region ${region.spec.id}: the stream must have NEW_AND_OLD_IMAGES`);
    }
    if (arn !== region.streamArn) {
      region.streamArn = arn;
      region.shards.clear();
    }
    let start: string | undefined;
    const found: Shard[] = [];
    do {
      const { StreamDescription } = await region.streams.send(new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: start }));
      found.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    const first = region.shardsReadAt === 0;
    for (const shard of found) {
      if (shard.ShardId && !region.shards.has(shard.ShardId)) {
        region.shards.set(shard.ShardId, {
          id: shard.ShardId,
          parent: shard.ParentShardId,
          iterator: undefined,
          lastSequence: undefined,
          done: false,
          latest: first && options.from === 'now',
        });
      }
    }
    region.shardsReadAt = Date.now();
  }

  /** One poll of every readable shard; returns how many records it read. */
  async function pollOnce(region: RegionState): Promise<number> {
    await refreshShards(region);
    const arn = region.streamArn!;
    let read = 0;
    for (const shard of region.shards.values()) {
      if (shard.done || stopped) continue;
      const parent = shard.parent === undefined ? undefined : region.shards.get(shard.parent);
      if (parent !== undefined && !parent.done) continue; // the parent's records come first
      if (shard.iterator === undefined) {
        const { ShardIterator } = await region.streams.send(
          new GetShardIteratorCommand(
            shard.lastSequence === undefined
              ? { StreamArn: arn, ShardId: shard.id, ShardIteratorType: shard.latest ? 'LATEST' : 'TRIM_HORIZON' }
              : { StreamArn: arn, ShardId: shard.id, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastSequence },
          ),
        );
        if (!ShardIterator) {
          shard.done = true;
          continue;
        }
        shard.iterator = ShardIterator;
      }
      for (let page = 0; page < 10 && shard.iterator !== undefined && !stopped; page++) {
        let answer;
        try {
          answer = await region.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }));
        } catch (e) {
          if (e instanceof ExpiredIteratorException) {
            shard.iterator = undefined; // a fresh one after the last sequence number, next poll
            break;
          }
          if (e instanceof TrimmedDataAccessException) {
            // DynamoDB Local answers this for a TRIM_HORIZON iterator of a shard that has no record yet: harmless
            // before the first record; after it, records were lost
            if (shard.lastSequence !== undefined) report(e, `stream of ${region.spec.id}: records trimmed before they were read`);
            shard.iterator = undefined;
            shard.lastSequence = undefined;
            break;
          }
          throw e;
        }
        const readAt = Date.now();
        const records = answer.Records ?? [];
        for (const record of records) {
          handleRecord(region, record, readAt);
          shard.lastSequence = record.dynamodb?.SequenceNumber ?? shard.lastSequence;
        }
        read += records.length;
        stats.read += records.length;
        if (answer.NextShardIterator) shard.iterator = answer.NextShardIterator;
        else {
          shard.iterator = undefined;
          shard.done = true;
          region.shardsReadAt = 0; // its children, if any, at the next poll
        }
        if (records.length === 0) break;
      }
    }
    return read;
  }

  async function pollLoop(region: RegionState): Promise<void> {
    while (!stopped) {
      const startedAt = Date.now();
      let read = 0;
      try {
        read = await pollOnce(region);
        region.consecutiveErrors = 0;
        region.lastEmptyPollStartedAt = read === 0 ? startedAt : 0;
        stats.polls[region.spec.id]!++;
      } catch (e) {
        if (stopped) break;
        region.consecutiveErrors++;
        region.lastEmptyPollStartedAt = 0;
        report(e, `stream of ${region.spec.id}`);
      }
      if (read === 0) await sleep(region.consecutiveErrors > 0 ? Math.min(pollMs * 2 ** region.consecutiveErrors, 2_000) : pollMs);
    }
  }

  const loops = [...[...regions.values()].map((r) => pollLoop(r)), shipLoop()];
  let stopping: Promise<void> | undefined;

  return {
    stop() {
      stopping ??= (async () => {
        stopped = true;
        wakeShipper();
        await Promise.allSettled(loops);
        await Promise.allSettled([...chains.values()]);
        for (const r of regions.values()) {
          r.ddb.destroy();
          r.streams.destroy();
        }
      })();
      return stopping;
    },
    pause(regionId) {
      const r = regions.get(regionId);
      if (!r) throw new Error(`no region ${regionId}`);
      r.paused = true;
    },
    resume(regionId) {
      const r = regions.get(regionId);
      if (!r) throw new Error(`no region ${regionId}`);
      r.paused = false;
      wakeShipper();
    },
    stats() {
      return { ...stats, backlog: inFlight, polls: { ...stats.polls } };
    },
    async caughtUp(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let idleSince: number | undefined;
      for (;;) {
        if (stopped) throw new Error('the replicator is stopped');
        const idle = stats.pending === 0 && inFlight === 0;
        if (!idle) idleSince = undefined;
        else {
          idleSince ??= Date.now();
          const since = idleSince;
          if ([...regions.values()].every((r) => r.lastEmptyPollStartedAt > since)) return;
        }
        if (Date.now() > deadline) {
          const s = { ...stats, inFlight, held: [...regions.values()].filter((r) => r.paused).map((r) => r.spec.id) };
          throw new Error(`the replicator did not catch up within ${timeoutMs} ms: ${JSON.stringify(s)}`);
        }
        await sleep(Math.min(20, pollMs));
      }
    },
  };
}

/**
 * Copies every item of `from` into `to` (an empty table of a region that came back, already joined by a replicator
 * started `from: 'now'` whose streams have been polled once): the backfill a new global-table replica gets. An item
 * the replicator already brought is kept (it is newer); each copy carries the lowest stamp, so the replicator takes
 * its stream record for an echo of its own (never ships it back) and any later write to the key wins over it.
 * Returns how many items were copied.
 */
export async function seedReplica(
  from: { endpoint: string; table: string },
  to: { endpoint: string; table: string },
  options: { region: string; credentials: { accessKeyId: string; secretAccessKey: string } },
): Promise<number> {
  const config = { region: options.region, credentials: options.credentials };
  const source = new DynamoDBClient({ ...config, endpoint: from.endpoint });
  const target = new DynamoDBClient({ ...config, endpoint: to.endpoint });
  const seed = encodeStamp(0, 'seed', '0');
  let copied = 0;
  try {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await source.send(new ScanCommand({ TableName: from.table, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        try {
          await target.send(
            new PutItemCommand({
              TableName: to.table,
              Item: { ...item, [LWW_STAMP]: { S: seed }, [LWW_TS]: { N: '0' }, [LWW_REGION]: { S: 'seed' } },
              ConditionExpression: 'attribute_not_exists(#k)',
              ExpressionAttributeNames: { '#k': Object.keys(item).includes('pk') ? 'pk' : Object.keys(item).sort()[0]! },
            }),
          );
          copied++;
        } catch (e) {
          if (!(e instanceof ConditionalCheckFailedException)) throw e;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    source.destroy();
    target.destroy();
  }
  return copied;
}
