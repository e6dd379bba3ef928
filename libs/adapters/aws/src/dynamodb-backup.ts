// SPDX-License-Identifier: Apache-2.0
import { BatchWriteItemCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from './dynamodb-table.js';

/** First line of a backup file. */
export interface BackupHeader {
  format: 'clearway-dynamodb-jsonl';
  version: 1;
  table: string;
  exportedAt: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Exports every item of the store's table as JSON lines: a header line, then one item per line in
 * DynamoDB's own attribute-value JSON (`{"pk":{"S":"TX#…"},"balance":{"N":"100"}}`), so numbers keep every
 * digit and nothing is re-typed. A parallel Scan with strongly consistent reads; it is not a point-in-time
 * snapshot of the whole table (items written during the export may or may not be in it) — each item is
 * whole, and on restore the sweepers re-drive whatever was in flight. For a point-in-time copy on AWS use
 * PITR or an on-demand backup (docs/aws.md).
 */
export async function* exportTable(
  client: DynamoDBClient,
  table: string,
  options: { segments?: number; now?: Date } = {},
): AsyncGenerator<string> {
  const header: BackupHeader = {
    format: 'clearway-dynamodb-jsonl',
    version: 1,
    table,
    exportedAt: (options.now ?? new Date()).toISOString(),
  };
  yield JSON.stringify(header);
  const segments = Math.max(1, Math.min(options.segments ?? 4, 64));
  for (let segment = 0; segment < segments; segment++) {
    let start: Item | undefined;
    do {
      const res = await client.send(
        new ScanCommand({
          TableName: table,
          Segment: segment,
          TotalSegments: segments,
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) yield JSON.stringify(item);
      start = res.LastEvaluatedKey;
    } while (start);
  }
}

/**
 * Imports a backup made by exportTable into `table` (normally a new, empty table made by
 * ensureStoreTable): items are written as they are, 25 a request, overwriting items with the same key.
 * Returns the number of items written. Refuses input that is not such a backup.
 */
export async function importTable(client: DynamoDBClient, table: string, lines: AsyncIterable<string> | Iterable<string>): Promise<number> {
  let header: BackupHeader | null = null;
  let batch: Item[] = [];
  let written = 0;
  let lineNo = 0;
  const flush = async () => {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    batch = [];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
      if (attempt > 10) throw new Error(`restore into ${table}: items left unprocessed after ${attempt} tries`);
      const res = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = (res.UnprocessedItems?.[table] ?? []).flatMap((w) =>
        w.PutRequest?.Item ? [{ PutRequest: { Item: w.PutRequest.Item } }] : [],
      );
    }
  };
  for await (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`backup line ${lineNo} is not JSON`);
    }
    if (header === null) {
      const h = value as Partial<BackupHeader>;
      if (h?.format !== 'clearway-dynamodb-jsonl' || h.version !== 1) {
        throw new Error('not a Clearway DynamoDB backup (the first line must be its header)');
      }
      header = h as BackupHeader;
      continue;
    }
    const item = value as Item;
    if (typeof item !== 'object' || item === null || !item.pk?.S || !item.sk?.S) {
      throw new Error(`backup line ${lineNo} is not an item with pk and sk`);
    }
    batch.push(item);
    written++;
    if (batch.length === 25) await flush();
  }
  if (header === null) throw new Error('empty backup');
  if (batch.length > 0) await flush();
  return written;
}
