// SPDX-License-Identifier: Apache-2.0
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AwsConfigError } from './aws.errors.js';

export interface SqsWorkQueuesSpec {
  /** Base name: the work queue is `<name>.fifo`, its dead-letter queue `<name>-dlq.fifo`. */
  name: string;
  /** RedrivePolicy maxReceiveCount: deliveries before SQS moves a job to the DLQ. Equal to JOB_MAX_ATTEMPTS. */
  maxAttempts: number;
  /** Queue-wide default visibility timeout in seconds (receive sets its own). Default 30. */
  visibilityTimeoutSeconds?: number;
  /**
   * High-throughput FIFO (DeduplicationScope=messageGroup, FifoThroughputLimit=perMessageGroupId): the
   * throughput limit applies per message group (one payment) instead of per queue. Default true.
   */
  highThroughput?: boolean;
}

export interface SqsWorkQueueUrls {
  queueUrl: string;
  deadLetterQueueUrl: string;
}

/** Retention: 4 days for jobs (SQS default), 14 days (the maximum) for dead letters. */
const JOB_RETENTION_SECONDS = 4 * 86_400;
const DEAD_LETTER_RETENTION_SECONDS = 14 * 86_400;

/**
 * The queue attributes Clearway expects (also the reference for infrastructure as code). Idempotent:
 * CreateQueue answers with the existing queue when the attributes match.
 */
export function workQueueAttributes(spec: SqsWorkQueuesSpec, deadLetterArn: string): Record<string, string> {
  const attributes: Record<string, string> = {
    FifoQueue: 'true',
    ContentBasedDeduplication: 'false',
    VisibilityTimeout: String(spec.visibilityTimeoutSeconds ?? 30),
    MessageRetentionPeriod: String(JOB_RETENTION_SECONDS),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: spec.maxAttempts }),
  };
  if (spec.highThroughput ?? true) {
    attributes.DeduplicationScope = 'messageGroup';
    attributes.FifoThroughputLimit = 'perMessageGroupId';
  }
  return attributes;
}

/** Creates (or finds) the FIFO work queue and its FIFO dead-letter queue; used by aws:local and tests. */
export async function createSqsWorkQueues(client: SQSClient, spec: SqsWorkQueuesSpec): Promise<SqsWorkQueueUrls> {
  if (!/^[A-Za-z0-9_-]{1,70}$/.test(spec.name)) {
    throw new Error(`queue base name must be 1-70 characters of A-Z a-z 0-9 _ -, got "${spec.name}"`);
  }
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: `${spec.name}-dlq.fifo`,
      Attributes: {
        FifoQueue: 'true',
        ContentBasedDeduplication: 'false',
        MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_SECONDS),
      },
    }),
  );
  const deadLetterQueueUrl = dlq.QueueUrl!;
  const arn = await client.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }));
  const main = await client.send(
    new CreateQueueCommand({
      QueueName: `${spec.name}.fifo`,
      Attributes: workQueueAttributes(spec, arn.Attributes!.QueueArn!),
    }),
  );
  return { queueUrl: main.QueueUrl!, deadLetterQueueUrl };
}

/** A queue URL from a URL or a name (GetQueueUrl), as SQS_QUEUE_URL / SQS_QUEUE_NAME allow either. */
export async function resolveQueueUrl(client: SQSClient, urlOrName: string): Promise<string> {
  if (/^https?:\/\//.test(urlOrName)) return urlOrName;
  const out = await client.send(new GetQueueUrlCommand({ QueueName: urlOrName }));
  if (!out.QueueUrl) throw new Error(`SQS queue ${urlOrName} not found`);
  return out.QueueUrl;
}

/**
 * Reads the work queue's RedrivePolicy: it must send dead letters to SQS_DLQ_URL. Its maxReceiveCount is the
 * number of deliveries a job gets; when it differs from JOB_MAX_ATTEMPTS the queue wins (and we say so).
 */
export async function checkRedrivePolicy(
  client: SQSClient,
  queueUrl: string,
  dlqUrl: string,
  maxAttempts: number,
  warn: (message: string) => void,
): Promise<number> {
  const [main, dlq] = await Promise.all([
    client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy', 'FifoQueue'] })),
    client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] })),
  ]);
  if (main.Attributes?.FifoQueue !== 'true') throw new AwsConfigError(`SQS queue ${queueUrl} is not a FIFO queue`);
  const raw = main.Attributes?.RedrivePolicy;
  if (!raw)
    throw new AwsConfigError(`SQS queue ${queueUrl} has no RedrivePolicy; set one with deadLetterTargetArn = the DLQ (SQS_DLQ_URL)`);
  const policy = JSON.parse(raw) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  if (policy.deadLetterTargetArn !== dlq.Attributes?.QueueArn) {
    throw new AwsConfigError(
      `the RedrivePolicy of ${queueUrl} sends dead letters to ${policy.deadLetterTargetArn}, not to SQS_DLQ_URL (${dlq.Attributes?.QueueArn})`,
    );
  }
  const count = Number(policy.maxReceiveCount);
  if (Number.isInteger(count) && count >= 1 && count !== maxAttempts) {
    warn(`JOB_MAX_ATTEMPTS is ${maxAttempts} but the queue's RedrivePolicy maxReceiveCount is ${count}: using ${count}`);
    return count;
  }
  return maxAttempts;
}
