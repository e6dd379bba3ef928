// SPDX-License-Identifier: Apache-2.0
export * from './aws.errors.js';
export * from './dynamodb-table.js';
export * from './aws-resources.js';
export * from './dynamodb-transaction-repository.adapter.js';
export * from './dynamodb-outbox.js';
export * from './dynamodb-ledger-store.adapter.js';
export * from './dynamodb-peer-replicas.adapter.js';
export * from './dynamodb-region-registry.adapter.js';
export * from './s3-message-archive.adapter.js';
export * from './aws-secret-store.adapter.js';
export * from './aws-adapters.module.js';
export * from './aws-request-meter.js';
export * from './dynamodb-backup.js';
export * from './sqs-work-queue.adapter.js';
export * from './sqs-queues.setup.js';

/** The SDK clients the composition root creates for the adapters (so that only this library imports the SDK). */
export { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export { SQSClient } from '@aws-sdk/client-sqs';
