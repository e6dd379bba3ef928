// SPDX-License-Identifier: Apache-2.0
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { RegionFencedError, type RegionRecord, type RegionRegistry, type RegionStatus } from '#application';
import { type Item, keyOf, keys, N, num, REGION_LEASE_SORT_PREFIX, REGION_PARTITION, S, str } from './dynamodb-table.js';

/** Optimistic rounds of a heartbeat or a status change before it gives up (each lost round means a peer wrote). */
const MAX_ROUNDS = 10;

/** A status change that lost its optimistic race too often: someone keeps writing the record. */
export class RegionRegistryContentionError extends Error {
  readonly code = 'REGION.CONTENTION';
  constructor(readonly region: string) {
    super(`region ${region}: its record kept changing under ${MAX_ROUNDS} attempts to write it; try again`);
    this.name = 'RegionRegistryContentionError';
  }
}

/**
 * The regions' records (issue 15) in the store's table, two items each under one partition (`REGIONS`): the
 * status (`REGION#<id>`: status, epoch, taker, who changed it) and the heartbeat lease (`LEASE#<id>`). A deployment
 * has a handful of regions, so `list` is a single strongly consistent query and no index is written.
 *
 * The lease has an item of its own so that each item has the writers it can afford. The lease is written only by
 * the region itself, every few seconds; the status only by an operator or a taker, rarely. On an eventually
 * consistent global table (last writer wins per item) a heartbeat therefore never undoes a takeover or an
 * operator's change made in another region, and a payment's write can check the status item (epoch fencing)
 * without racing the heartbeats. Every status change is a conditional write — a takeover on `epoch = :expected`,
 * an operator's change on the epoch and status it read — so it holds between instances and, on a table whose
 * conditional writes hold across regions, between regions; on an eventually consistent table, against the
 * writer's own replica.
 */
export class DynamoDbRegionRegistry implements RegionRegistry {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: { tableName: string },
  ) {}

  async heartbeat(region: string, at: Date, leaseUntil: Date): Promise<RegionRecord> {
    const now = at.toISOString();
    const lease = leaseUntil.toISOString();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let status = await this.status(region);
      if (!status) {
        const created: RegionRecord = {
          id: region,
          status: 'healthy',
          epoch: 1,
          heartbeatAt: null,
          leaseUntil: null,
          takenOverBy: null,
          changedBy: 'heartbeat',
          changedAt: now,
        };
        if (!(await this.create(created))) continue; // created meanwhile: read it again
        status = created;
      }
      // a region that is down is not revived by its heartbeat: only an operator's `up` brings it back
      if (status.status === 'down') throw new RegionFencedError(region, withLease(status, await this.lease(region)));
      await this.renewLease(region, now, lease);
      return { ...status, heartbeatAt: now, leaseUntil: lease };
    }
    throw new RegionRegistryContentionError(region);
  }

  async list(): Promise<RegionRecord[]> {
    const statuses = new Map<string, RegionRecord>();
    const leases = new Map<string, Lease>();
    let start: Item | undefined;
    do {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': S(REGION_PARTITION) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of res.Items ?? []) {
        if (str(item, 'sk')!.startsWith(REGION_LEASE_SORT_PREFIX)) leases.set(str(item, 'id')!, leaseOf(item));
        else statuses.set(str(item, 'id')!, recordOf(item));
      }
      start = res.LastEvaluatedKey;
    } while (start);
    // the sort keys are percent-encoded: order by the ids themselves
    return [...statuses.values()]
      .map((r) => withLease(r, leases.get(r.id) ?? null))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async get(region: string): Promise<RegionRecord | null> {
    const [status, lease] = await Promise.all([this.status(region), this.lease(region)]);
    return status ? withLease(status, lease) : null;
  }

  async takeOver(region: string, expectedEpoch: number, takenOverBy: string, by: string, at: Date): Promise<RegionRecord | null> {
    return this.update(region, {
      UpdateExpression: 'SET #status = :down, epoch = epoch + :one, takenOverBy = :taker, changedBy = :by, changedAt = :at',
      // a missing item has no epoch: the condition fails, as for a stale one
      ConditionExpression: 'epoch = :expected',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':down': S('down'),
        ':one': N(1),
        ':taker': S(takenOverBy),
        ':by': S(by),
        ':at': S(at.toISOString()),
        ':expected': N(expectedEpoch),
      },
    });
  }

  async setStatus(region: string, status: RegionStatus, by: string, at: Date): Promise<RegionRecord> {
    const now = at.toISOString();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await this.status(region);
      if (!current) {
        const created: RegionRecord = {
          id: region,
          status,
          epoch: 1,
          heartbeatAt: null,
          leaseUntil: null,
          takenOverBy: null,
          changedBy: by,
          changedAt: now,
        };
        if (await this.create(created)) return created;
        continue;
      }
      // leaving `down` is coming back: a fresh epoch and no taker, so what the region held before stays fenced
      const back = current.status === 'down' && status !== 'down';
      const changed = await this.update(region, {
        UpdateExpression:
          'SET #status = :status, epoch = :epoch, changedBy = :by, changedAt = :at' + (status === 'down' ? '' : ' REMOVE takenOverBy'),
        // on what was read: a takeover or another operator's change in between makes it read again
        ConditionExpression: 'epoch = :read AND #status = :readStatus',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': S(status),
          ':epoch': N(back ? current.epoch + 1 : current.epoch),
          ':by': S(by),
          ':at': S(now),
          ':read': N(current.epoch),
          ':readStatus': S(current.status),
        },
      });
      if (changed) return changed;
    }
    throw new RegionRegistryContentionError(region);
  }

  /** An UpdateItem on the region's item; the record after it, or null when its condition failed. */
  private async update(
    region: string,
    input: Pick<
      UpdateItemCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<RegionRecord | null> {
    try {
      const res = await this.client.send(
        new UpdateItemCommand({ TableName: this.options.tableName, Key: keyOf(keys.region(region)), ReturnValues: 'ALL_NEW', ...input }),
      );
      return withLease(recordOf(res.Attributes!), await this.lease(region));
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return null;
      throw e;
    }
  }

  /** The status item alone (no lease), strongly consistent. */
  private async status(region: string): Promise<RegionRecord | null> {
    const res = await this.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: keyOf(keys.region(region)), ConsistentRead: true }),
    );
    return res.Item ? recordOf(res.Item) : null;
  }

  private async lease(region: string): Promise<Lease | null> {
    const res = await this.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: keyOf(keys.regionLease(region)), ConsistentRead: true }),
    );
    return res.Item ? leaseOf(res.Item) : null;
  }

  /** Moves the lease forward (never back: several instances of a region beat, a slow one may come last). */
  private async renewLease(region: string, at: string, leaseUntil: string): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            ...keyOf(keys.regionLease(region)),
            kind: S('region-lease'),
            id: S(region),
            heartbeatAt: S(at),
            leaseUntil: S(leaseUntil),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :lease',
          ExpressionAttributeValues: { ':lease': S(leaseUntil) },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e; // another instance beat later
    }
  }

  /** Puts a new record unless the region has one; false when it had. */
  private async create(record: RegionRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: itemOf(record),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }
}

function itemOf(r: RegionRecord): Item {
  return {
    ...keyOf(keys.region(r.id)),
    kind: S('region'),
    id: S(r.id),
    status: S(r.status),
    epoch: N(r.epoch),
    ...(r.takenOverBy !== null ? { takenOverBy: S(r.takenOverBy) } : {}),
    changedBy: S(r.changedBy),
    changedAt: S(r.changedAt),
  };
}

interface Lease {
  heartbeatAt: string | null;
  leaseUntil: string | null;
}

function leaseOf(item: Item): Lease {
  return { heartbeatAt: str(item, 'heartbeatAt') ?? null, leaseUntil: str(item, 'leaseUntil') ?? null };
}

function withLease(r: RegionRecord, lease: Lease | null): RegionRecord {
  return lease ? { ...r, heartbeatAt: lease.heartbeatAt, leaseUntil: lease.leaseUntil } : r;
}

/** A status item (the lease fields come from the lease item: withLease). */
function recordOf(item: Item): RegionRecord {
  const epoch = Number(num(item, 'epoch'));
  if (!Number.isSafeInteger(epoch)) throw new Error(`region item ${str(item, 'sk')} has no integer epoch`);
  return {
    id: str(item, 'id')!,
    status: str(item, 'status') as RegionStatus,
    epoch,
    heartbeatAt: str(item, 'heartbeatAt') ?? null,
    leaseUntil: str(item, 'leaseUntil') ?? null,
    takenOverBy: str(item, 'takenOverBy') ?? null,
    changedBy: str(item, 'changedBy')!,
    changedAt: str(item, 'changedAt')!,
  };
}
