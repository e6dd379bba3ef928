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
import { type Item, keyOf, keys, N, num, REGION_PARTITION, REGION_SORT_PREFIX, S, str } from './dynamodb-table.js';

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
 * The regions' records (issue 15) in the store's table, one item each under one partition (`REGIONS`,
 * `REGION#<id>`): a deployment has a handful of regions, so `list` is a single strongly consistent query and
 * no index is written. Every change is a conditional write — a heartbeat on `status <> down` (or on the status
 * it read), a takeover on `epoch = :expected`, an operator's change on the epoch and status it read — so it
 * holds between instances and, on a table whose conditional writes hold across regions (multi-Region strong
 * consistency, or one shared table), between regions. On an eventually consistent global table each region's
 * conditions hold only against its own replica.
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
      // the steady state, one write: only the lease moves, the status stays as stored, never on a down region
      const renewed = await this.update(region, {
        UpdateExpression: 'SET heartbeatAt = :at, leaseUntil = :lease',
        ConditionExpression: 'attribute_exists(pk) AND #status <> :down',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':at': S(now), ':lease': S(lease), ':down': S('down') },
      });
      if (renewed) return renewed;
      const current = await this.get(region);
      if (current?.status === 'down') throw new RegionFencedError(region, current);
      if (current) continue; // it changed under us: renew again
      const created: RegionRecord = {
        id: region,
        status: 'healthy',
        epoch: 1,
        heartbeatAt: now,
        leaseUntil: lease,
        takenOverBy: null,
        changedBy: 'heartbeat',
        changedAt: now,
      };
      if (await this.create(created)) return created;
    }
    throw new RegionRegistryContentionError(region);
  }

  async list(): Promise<RegionRecord[]> {
    const out: RegionRecord[] = [];
    let start: Item | undefined;
    do {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': S(REGION_PARTITION), ':prefix': S(REGION_SORT_PREFIX) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      out.push(...(res.Items ?? []).map(recordOf));
      start = res.LastEvaluatedKey;
    } while (start);
    // the sort keys are percent-encoded: order by the ids themselves
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async get(region: string): Promise<RegionRecord | null> {
    const res = await this.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: keyOf(keys.region(region)), ConsistentRead: true }),
    );
    return res.Item ? recordOf(res.Item) : null;
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
      const current = await this.get(region);
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
        // on what was read: a heartbeat may renew the lease meanwhile (it keeps both), a takeover may not
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
      return recordOf(res.Attributes!);
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return null;
      throw e;
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
    ...(r.heartbeatAt !== null ? { heartbeatAt: S(r.heartbeatAt) } : {}),
    ...(r.leaseUntil !== null ? { leaseUntil: S(r.leaseUntil) } : {}),
    ...(r.takenOverBy !== null ? { takenOverBy: S(r.takenOverBy) } : {}),
    changedBy: S(r.changedBy),
    changedAt: S(r.changedAt),
  };
}

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
