// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run aws:local`: the AWS engines on this machine, in the foreground, for running the gateway with
 * STORE=dynamodb QUEUE=sqs SECRETS=aws ARCHIVE=s3 without an AWS account.
 *
 * Starts DynamoDB Local, fauxqs (SQS + S3) and the Secrets Manager fake on free loopback ports
 * (test/support/aws-engines.ts), creates the table, the FIFO work queue with its dead-letter queue, and the
 * bucket, and once all is ready prints the environment for the gateway as `KEY=value` lines on stdout
 * (nothing else goes to stdout; progress goes to stderr). Ctrl-C or SIGTERM stops the engines and exits 0.
 *
 *   npm run aws:local | tee /tmp/aws.env      # in one terminal
 *   set -a; . /tmp/aws.env; set +a; npm start  # in another
 *
 * Names can be chosen with DYNAMODB_TABLE, SQS_QUEUE_NAME (base name, without .fifo), S3_BUCKET,
 * SECRETS_PREFIX and JOB_MAX_ATTEMPTS (the queue's RedrivePolicy maxReceiveCount).
 */
import { startAwsEngines, type AwsEngines } from '../test/support/aws-engines.js';
import { provisionAwsResources } from './aws-provision.js';

const say = (line: string) => process.stderr.write(`aws:local: ${line}\n`);

async function main(): Promise<void> {
  const table = process.env.DYNAMODB_TABLE || 'clearway';
  const queueName = (process.env.SQS_QUEUE_NAME || 'clearway-jobs').replace(/\.fifo$/, '');
  const bucket = process.env.S3_BUCKET || 'clearway-archive';
  const secretsPrefix = process.env.SECRETS_PREFIX || 'clearway/';
  const maxAttempts = Number(process.env.JOB_MAX_ATTEMPTS || 8);

  say('starting DynamoDB Local, fauxqs (SQS + S3) and the Secrets Manager fake ...');
  let engines: AwsEngines | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping the engines`);
    await engines?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  engines = await startAwsEngines();
  const env = engines.env();
  const urls = await provisionAwsResources({
    region: engines.region,
    credentials: engines.credentials,
    endpoints: { dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB!, sqs: env.AWS_ENDPOINT_URL_SQS!, s3: env.AWS_ENDPOINT_URL_S3! },
    table,
    queueName,
    bucket,
    maxAttempts,
  });
  if (stopping) return;

  const out: Record<string, string> = {
    STORE: 'dynamodb',
    QUEUE: 'sqs',
    SECRETS: 'aws',
    ARCHIVE: 's3',
    ...env,
    DYNAMODB_TABLE: table,
    SQS_QUEUE_URL: urls.queueUrl,
    SQS_DLQ_URL: urls.deadLetterQueueUrl,
    JOB_MAX_ATTEMPTS: String(maxAttempts),
    S3_BUCKET: bucket,
    S3_FORCE_PATH_STYLE: 'true',
    SECRETS_PREFIX: secretsPrefix,
  };
  process.stdout.write(
    Object.entries(out)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  say('ready; Ctrl-C or SIGTERM stops the engines');
  // Keep running until a signal arrives (the engines' child processes keep the event loop alive).
  setInterval(() => {}, 1 << 30);
}

main().catch(async (e: unknown) => {
  say(`failed: ${(e as Error).message}`);
  process.exit(1);
});
