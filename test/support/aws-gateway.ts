// SPDX-License-Identifier: Apache-2.0
/**
 * A gateway on the local AWS engines: DynamoDB Local, fauxqs (SQS FIFO and S3) and the Secrets Manager fake,
 * started and provisioned (the table, the work queue with its dead-letter queue, the bucket), and the gateway's
 * settings for them (STORE=dynamodb QUEUE=sqs ARCHIVE=s3 SECRETS=aws). Used by the bench's `--profile aws` and
 * the AWS metrics e2e test.
 */
import { provisionAwsResources } from '../../scripts/aws-provision.js';
import { startAwsEngines, type AwsEngines } from './aws-engines.js';

export async function startProvisionedAwsEngines(label: string): Promise<{ engines: AwsEngines; env: Record<string, string> }> {
  const engines = await startAwsEngines();
  try {
    const endpoints = engines.env();
    const names = { table: `clearway-${label}`, queueName: `clearway-${label}-jobs`, bucket: `clearway-${label}-archive` };
    const urls = await provisionAwsResources({
      region: engines.region,
      credentials: engines.credentials,
      endpoints: {
        dynamodb: endpoints.AWS_ENDPOINT_URL_DYNAMODB!,
        sqs: endpoints.AWS_ENDPOINT_URL_SQS!,
        s3: endpoints.AWS_ENDPOINT_URL_S3!,
      },
      ...names,
      maxAttempts: 8,
    });
    return {
      engines,
      env: {
        ...endpoints,
        STORE: 'dynamodb',
        QUEUE: 'sqs',
        ARCHIVE: 's3',
        SECRETS: 'aws',
        DYNAMODB_TABLE: names.table,
        SQS_QUEUE_URL: urls.queueUrl,
        SQS_DLQ_URL: urls.deadLetterQueueUrl,
        JOB_MAX_ATTEMPTS: '8',
        S3_BUCKET: names.bucket,
        S3_FORCE_PATH_STYLE: 'true',
        SECRETS_PREFIX: `clearway-${label}/`,
      },
    };
  } catch (e) {
    await engines.stop();
    throw e;
  }
}
