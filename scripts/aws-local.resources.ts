import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { AwsEngines } from '../test/support/aws-engines.js';

/**
 * Creates the DynamoDB table and the S3 bucket on the local engines (idempotent), for `npm run aws:local`
 * and the multi-instance test. The work queues are created by `createSqsWorkQueues` (#adapters/aws).
 */
export async function createLocalTableAndBucket(engines: AwsEngines, names: { table: string; bucket: string }): Promise<void> {
  const env = engines.env();
  const s3 = new S3Client({
    region: engines.region,
    endpoint: env.AWS_ENDPOINT_URL_S3!,
    credentials: engines.credentials,
    forcePathStyle: true,
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: names.bucket })).catch((e: unknown) => {
      if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((e as Error).name)) throw e;
    });
  } finally {
    s3.destroy();
  }
  void names.table; // TODO(aws-data merge): create the table with the DynamoDB store's own helper
}
