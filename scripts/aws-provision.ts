// SPDX-License-Identifier: Apache-2.0
/**
 * Creates what the gateway's AWS adapters need (idempotent): the DynamoDB table, the FIFO work queue with
 * its FIFO dead-letter queue, and the S3 bucket. Used by `npm run aws:local`, the multi-instance test and
 * the compose profile `aws` (`node dist/scripts/aws-provision.js`); in a real account use infrastructure as
 * code with the same attributes (docs/sqs-work-queue.md, docs/aws.md).
 *
 * Run as a program it reads AWS_REGION, the SDK's AWS_ENDPOINT_URL_<SERVICE> variables, DYNAMODB_TABLE,
 * SQS_QUEUE_NAME (base name, without .fifo), S3_BUCKET and JOB_MAX_ATTEMPTS, retries until the engines
 * answer (containers start in any order), and prints the resulting settings as KEY=value lines.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsWorkQueues, ensureArchiveBucket, ensureStoreTable, type SqsWorkQueueUrls } from '#adapters/aws';

export interface AwsProvisionSpec {
  region: string;
  endpoints: { dynamodb?: string; sqs?: string; s3?: string };
  /** Static credentials (local engines); the SDK's default chain when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  table: string;
  /** Base name: `<queueName>.fifo` and `<queueName>-dlq.fifo`. */
  queueName: string;
  bucket: string;
  maxAttempts: number;
  /** Enable the table's stream (new and old images) for the two-region tests' replicator; default off. */
  streams?: boolean;
}

export async function provisionAwsResources(spec: AwsProvisionSpec): Promise<SqsWorkQueueUrls> {
  const common = { region: spec.region, ...(spec.credentials ? { credentials: spec.credentials } : {}) };
  const sqs = new SQSClient({ ...common, ...(spec.endpoints.sqs ? { endpoint: spec.endpoints.sqs } : {}) });
  const s3 = new S3Client({ ...common, ...(spec.endpoints.s3 ? { endpoint: spec.endpoints.s3, forcePathStyle: true } : {}) });
  const dynamodb = new DynamoDBClient({ ...common, ...(spec.endpoints.dynamodb ? { endpoint: spec.endpoints.dynamodb } : {}) });
  try {
    const [urls] = await Promise.all([
      createSqsWorkQueues(sqs, { name: spec.queueName, maxAttempts: spec.maxAttempts }),
      ensureStoreTable(dynamodb, spec.table, { streams: spec.streams ?? false }),
      ensureArchiveBucket(s3, spec.bucket),
    ]);
    return urls;
  } finally {
    sqs.destroy();
    s3.destroy();
    dynamodb.destroy();
  }
}

async function main(): Promise<void> {
  const env = process.env;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('AWS_REGION is required');
  const spec: AwsProvisionSpec = {
    region,
    endpoints: {
      ...(env.AWS_ENDPOINT_URL_DYNAMODB ? { dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB } : {}),
      ...(env.AWS_ENDPOINT_URL_SQS ? { sqs: env.AWS_ENDPOINT_URL_SQS } : {}),
      ...(env.AWS_ENDPOINT_URL_S3 ? { s3: env.AWS_ENDPOINT_URL_S3 } : {}),
    },
    table: env.DYNAMODB_TABLE || 'clearway',
    queueName: (env.SQS_QUEUE_NAME || 'clearway-jobs').replace(/\.fifo$/, ''),
    bucket: env.S3_BUCKET || 'clearway-archive',
    maxAttempts: Number(env.JOB_MAX_ATTEMPTS || 8),
  };
  let urls: SqsWorkQueueUrls | undefined;
  for (let attempt = 1; !urls; attempt++) {
    try {
      urls = await provisionAwsResources(spec);
    } catch (e) {
      if (attempt >= 30) throw e;
      process.stderr.write(`aws-provision: not ready yet (${(e as Error).message}), retrying\n`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  process.stdout.write(
    [
      `DYNAMODB_TABLE=${spec.table}`,
      `SQS_QUEUE_URL=${urls.queueUrl}`,
      `SQS_DLQ_URL=${urls.deadLetterQueueUrl}`,
      `S3_BUCKET=${spec.bucket}`,
      '',
    ].join('\n'),
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  main().catch((e: unknown) => {
    process.stderr.write(`aws-provision: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
