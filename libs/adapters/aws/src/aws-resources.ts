// SPDX-License-Identifier: Apache-2.0
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { BucketAlreadyExists, BucketAlreadyOwnedByYou, CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { GSI_BY_CLIENT, GSI_BY_SHARD, TTL_ATTRIBUTE } from './dynamodb-table.js';

export interface StoreTableOptions {
  /**
   * Turn on the table's stream with new and old images (default off). Only the two-region tests ask for it:
   * their replicator (test/support/dynamodb-replicator.ts, a stand-in for global tables) reads it. When the
   * table already exists without a stream, the stream is enabled on it.
   */
  streams?: boolean;
}

/**
 * Creates the store's table when it does not exist (idempotent): on-demand capacity, the `byClient` and
 * `byShard` indexes, the TTL attribute and point-in-time recovery left to the operator (docs/aws.md). Used
 * by tests and `npm run aws:local`; production tables come from infrastructure as code with the same shape.
 */
export async function ensureStoreTable(client: DynamoDBClient, tableName: string, options: StoreTableOptions = {}): Promise<void> {
  const streamSpecification = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } as const;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
          { AttributeName: 'gsi2pk', AttributeType: 'S' },
          { AttributeName: 'gsi2sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: GSI_BY_CLIENT,
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
          },
          {
            IndexName: GSI_BY_SHARD,
            KeySchema: [
              { AttributeName: 'gsi2pk', KeyType: 'HASH' },
              { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
          },
        ],
        ...(options.streams ? { StreamSpecification: streamSpecification } : {}),
      }),
    );
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  await waitActive(client, tableName);
  if (options.streams) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const stream = Table?.StreamSpecification;
    if (stream?.StreamEnabled !== true) {
      await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: streamSpecification }));
      await waitActive(client, tableName);
    } else if (stream.StreamViewType !== streamSpecification.StreamViewType) {
      throw new Error(`table ${tableName} has a ${stream.StreamViewType} stream; the replicator needs NEW_AND_OLD_IMAGES`);
    }
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status !== 'ENABLED' && status !== 'ENABLING') {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  }
}

async function waitActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Creates the archive bucket when it does not exist (idempotent). */
export async function ensureArchiveBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch {
    // not there (or not visible): try to create it
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (e) {
    if (!(e instanceof BucketAlreadyOwnedByYou) && !(e instanceof BucketAlreadyExists)) throw e;
  }
}
