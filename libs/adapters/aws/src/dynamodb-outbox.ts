// SPDX-License-Identifier: Apache-2.0
import { ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Clock, Job, JobPayload, JobType } from '#application';
import { batchDelete, queryUpTo } from './dynamodb-ops.js';
import {
  GSI_BY_SHARD,
  gsi,
  type Item,
  keyOf,
  keys,
  N,
  padMs,
  resolveShards,
  S,
  type ShardCounts,
  shardOf,
  str,
  TTL_ATTRIBUTE,
} from './dynamodb-table.js';

/** A job waiting in the outbox (committed with a state change, not yet handed to the work queue). */
export interface OutboxEntry {
  job: Job;
  /** When it was committed. */
  enqueuedAt: string;
  /** How many times a relay claimed it (1 on the first claim). */
  claims: number;
}

interface StoredJob {
  type: JobType;
  transactionId: string;
  groupKey: string;
  deduplicationId: string;
  notBefore?: string;
  payload?: JobPayload;
}

/**
 * The outbox item of a job: `TX#<transactionId>` / `OUTBOX#<dedupId>`, listed through the byShard index
 * under `OUTBOX#<s>` (s from the transaction id) sorted by the time it is due (`notBefore`, else now), with
 * a TTL (`expiresAt`) so that items nobody completes do not pile up.
 */
export const DEFAULT_OUTBOX_TTL_SECONDS = 7 * 86_400;

export function outboxItem(job: Job, nowMs: number, outboxShards: number, ttlSeconds = DEFAULT_OUTBOX_TTL_SECONDS, region?: string): Item {
  const stored: StoredJob = {
    type: job.type,
    transactionId: job.transactionId,
    groupKey: job.groupKey,
    deduplicationId: job.deduplicationId,
    ...(job.notBefore ? { notBefore: job.notBefore.toISOString() } : {}),
    ...(job.payload ? { payload: job.payload } : {}),
  };
  const due = job.notBefore ? Math.max(job.notBefore.getTime(), 0) : nowMs;
  return {
    ...keyOf(keys.outbox(job.transactionId, job.deduplicationId)),
    kind: S('outbox'),
    job: S(JSON.stringify(stored)),
    enqueuedAt: S(new Date(nowMs).toISOString()),
    claims: N(0),
    // a job nobody relayed or completed is deleted by DynamoDB's TTL after a week (the sweeper re-drives
    // its payment long before that)
    [TTL_ATTRIBUTE]: N(Math.floor(nowMs / 1000) + ttlSeconds),
    gsi2pk: S(gsi.outbox(shardOf(job.transactionId, outboxShards), region)),
    gsi2sk: S(`${padMs(due)}#${job.deduplicationId}`),
  };
}

function jobOf(item: Item): Job {
  const s = JSON.parse(str(item, 'job')!) as StoredJob;
  return {
    type: s.type,
    transactionId: s.transactionId,
    groupKey: s.groupKey,
    deduplicationId: s.deduplicationId,
    ...(s.notBefore ? { notBefore: new Date(s.notBefore) } : {}),
    ...(s.payload ? { payload: s.payload } : {}),
  };
}

/**
 * The relay's side of the outbox. Jobs are written by DynamoDbTransactionRepository in the same
 * TransactWriteItems as the state change that produced them; a relay (the SQS work queue's) claims due
 * ones, sends them, and completes them (deletes the items). A claim is a lease: the item's index sort key
 * moves to the lease's end, so a relay that dies after claiming leaves the job due again when the lease
 * runs out; a job sent twice is harmless (SQS FIFO and the queue deduplicate by deduplication id, and
 * every step is a conditional write on the payment's version).
 */
export class DynamoDbOutbox {
  private readonly shards: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: { tableName: string; shards?: Partial<ShardCounts>; clock?: Clock },
  ) {
    this.shards = resolveShards(options.shards).outbox;
  }

  /**
   * Claims up to `limit` due jobs for `leaseMs`: they are not handed to another claimer until the lease ends.
   * Shards are read in a rotating order so that no shard starves. `regions` (CONSISTENCY=eventual): only the
   * jobs of payments of these home regions (the outbox is kept per home region; a region relays the jobs of the
   * regions it owns, never a replicated copy of another region's).
   */
  async claim(limit: number, leaseMs: number, regions?: readonly string[]): Promise<OutboxEntry[]> {
    const now = this.now();
    const hi = padMs(now + 1);
    const out: OutboxEntry[] = [];
    const partitions = regions === undefined ? [undefined] : [...regions];
    const slots = partitions.length * this.shards;
    const start = Math.floor(Math.random() * slots);
    for (let i = 0; i < slots && out.length < limit; i++) {
      const slot = (start + i) % slots;
      const shard = slot % this.shards;
      const region = partitions[Math.floor(slot / this.shards)];
      const candidates = await queryUpTo(
        this.client,
        {
          TableName: this.options.tableName,
          IndexName: GSI_BY_SHARD,
          KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :hi',
          ExpressionAttributeValues: { ':pk': S(gsi.outbox(shard, region)), ':hi': S(hi) },
        },
        limit - out.length,
      );
      for (const c of candidates) {
        const claimed = await this.claimOne(c, now, leaseMs);
        if (claimed) out.push(claimed);
      }
    }
    return out;
  }

  /** Deletes the outbox items of jobs that reached the work queue (idempotent). */
  async complete(jobs: Pick<Job, 'transactionId' | 'deduplicationId'>[]): Promise<void> {
    await batchDelete(
      this.client,
      this.options.tableName,
      jobs.map((j) => keyOf(keys.outbox(j.transactionId, j.deduplicationId))),
    );
  }

  private async claimOne(indexItem: Item, now: number, leaseMs: number): Promise<OutboxEntry | null> {
    const oldSk = str(indexItem, 'gsi2sk')!;
    const dedup = oldSk.slice(oldSk.indexOf('#') + 1);
    try {
      const res = await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { pk: indexItem.pk!, sk: indexItem.sk! },
          UpdateExpression: 'SET gsi2sk = :sk, claims = claims + :one, claimedAt = :now',
          ConditionExpression: 'gsi2sk = :old',
          ExpressionAttributeValues: {
            ':sk': S(`${padMs(now + Math.max(leaseMs, 1))}#${dedup}`),
            ':old': S(oldSk),
            ':one': N(1),
            ':now': S(new Date(now).toISOString()),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = res.Attributes!;
      return { job: jobOf(item), enqueuedAt: str(item, 'enqueuedAt')!, claims: Number(item.claims?.N ?? '1') };
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return null; // another relay took it, or it is gone
      throw e;
    }
  }

  private now(): number {
    return this.options.clock ? this.options.clock.now().getTime() : Date.now();
  }
}
