// SPDX-License-Identifier: Apache-2.0
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { Item } from './dynamodb-table.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads items by key with strongly consistent reads, 100 keys a call, retrying unprocessed keys. */
export async function batchGet(client: DynamoDBClient, table: string, keys: Item[]): Promise<Item[]> {
  const out: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Item[] = keys.slice(i, i + 100);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
      if (attempt > 10) throw new Error(`BatchGetItem on ${table}: keys left unprocessed after ${attempt} tries`);
      const res = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
      out.push(...(res.Responses?.[table] ?? []));
      pending = res.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return out;
}

/** Deletes items by key, 25 a call, retrying unprocessed ones. */
export async function batchDelete(client: DynamoDBClient, table: string, all: Item[]): Promise<void> {
  // one request may not name a key twice
  const keys = [...new Map(all.map((k) => [`${k.pk?.S}\u0000${k.sk?.S}`, k])).values()];
  for (let i = 0; i < keys.length; i += 25) {
    let pending = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
      if (attempt > 10) throw new Error(`BatchWriteItem on ${table}: items left unprocessed after ${attempt} tries`);
      const res = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = (res.UnprocessedItems?.[table] ?? []).flatMap((w) =>
        w.DeleteRequest?.Key ? [{ DeleteRequest: { Key: w.DeleteRequest.Key } }] : [],
      );
    }
  }
}

/**
 * Runs a query page by page until `want` items passed `accept` (after the FilterExpression) or the key range
 * is exhausted. `Limit` bounds items read per page, not items returned, hence the loop.
 */
export async function queryUpTo(
  client: DynamoDBClient,
  input: QueryCommandInput,
  want: number,
  accept: (item: Item) => boolean = () => true,
): Promise<Item[]> {
  const out: Item[] = [];
  let start: Item | undefined;
  do {
    const res = await client.send(
      new QueryCommand({ ...input, Limit: Math.min(Math.max(want - out.length, 10), 1000), ExclusiveStartKey: start }),
    );
    for (const item of res.Items ?? []) {
      if (accept(item)) out.push(item);
      if (out.length >= want) return out;
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

export type CancellationCode = string | undefined;

/**
 * Runs TransactWriteItems, retrying while it was cancelled only by conflicts with other transactions in
 * flight on the same items (`TransactionConflict`). Returns null on success, or the cancellation reasons
 * when a condition failed.
 */
export async function transactWrite(
  client: DynamoDBClient,
  items: TransactWriteItem[],
): Promise<{ code: CancellationCode; item: Item | undefined }[] | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return null;
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) throw e;
      const reasons = (e.CancellationReasons ?? []).map((r) => ({ code: r.Code, item: r.Item }));
      const conditionFailed = reasons.some((r) => r.code === 'ConditionalCheckFailed');
      const conflict = reasons.some((r) => r.code === 'TransactionConflict') || reasons.length === 0;
      if (conditionFailed || !conflict || attempt >= 8) {
        if (conditionFailed) return reasons;
        throw e;
      }
      await sleep(Math.random() * Math.min(500, 10 * 2 ** attempt));
    }
  }
}
