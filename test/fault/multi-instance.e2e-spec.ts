// SPDX-License-Identifier: Apache-2.0
/**
 * Many instances, one truth on AWS: three gateway processes share DynamoDB Local (store), one SQS FIFO queue on
 * fauxqs (work queue + DLQ), S3 on fauxqs (archive) and the Secrets Manager fake (token-signing key); the scenario
 * (one SIGKILLed midway, none settled twice) is test/support/multi-instance.ts.
 */
import { randomUUID } from 'node:crypto';
import { provisionAwsResources } from '../../scripts/aws-provision.js';
import { startAwsEngines, type AwsEngines } from '../support/aws-engines.js';
import { runMultiInstance } from '../support/multi-instance.js';
import { startSimulator, tempDir, type NodeProcess } from '../support/processes.js';

const TOTAL = Number(process.env.MULTI_PAYMENTS ?? 3000);

let engines: AwsEngines | null = null;
let sim: NodeProcess | null = null;
const gateways: NodeProcess[] = [];
/** Set when the test ends (also by a timeout): the client loops stop. */
let over = false;

afterAll(async () => {
  over = true;
  await Promise.allSettled(gateways.map((g) => g.kill('SIGKILL')));
  await sim?.kill();
  await engines?.stop();
});

it(`three instances on DynamoDB + SQS move ${TOTAL} payments, one is SIGKILLed midway, none is settled twice`, async () => {
  const t0 = Date.now();
  const phases: string[] = [];
  const phase = (name: string) => phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  engines = await startAwsEngines();
  phase('engines');
  const aws = engines.env();
  const run = randomUUID().slice(0, 8);
  const table = `clearway-${run}`;
  const bucket = `clearway-${run}`;
  const queues = await provisionAwsResources({
    region: engines.region,
    credentials: engines.credentials,
    endpoints: { dynamodb: aws.AWS_ENDPOINT_URL_DYNAMODB!, sqs: aws.AWS_ENDPOINT_URL_SQS!, s3: aws.AWS_ENDPOINT_URL_S3! },
    table,
    queueName: `multi-${run}`,
    bucket,
    maxAttempts: 8,
  });
  sim = await startSimulator({ SIM_LATENCY_MS: '2' });

  const env = {
    ...aws,
    STORE: 'dynamodb',
    QUEUE: 'sqs',
    SECRETS: 'aws',
    ARCHIVE: 's3',
    DYNAMODB_TABLE: table,
    SQS_QUEUE_URL: queues.queueUrl,
    SQS_DLQ_URL: queues.deadLetterQueueUrl,
    S3_BUCKET: bucket,
    S3_FORCE_PATH_STYLE: 'true',
    SECRETS_PREFIX: `clearway-${run}/`,
    JOB_MAX_ATTEMPTS: '8',
    LEGACY_HOST_URL: sim.url,
    // one issuer for all instances: a token from one is accepted by the others (shared signing key)
    AUTH_ISSUER: 'http://clearway.multi-instance.test',
    // the outbox relay (every SWEEP_INTERVAL_MS) and the visibility timeout recover the killed instance's
    // work; the stranded-work sweeper is the last resort, and the SLA must not end payments of a slow run
    RECOVERY_AFTER_SECONDS: '30',
    SWEEP_INTERVAL_MS: '2000',
    SLA_SECONDS: '1800',
    JOB_VISIBILITY_MS: '5000',
    WORKER_CONCURRENCY: '16',
    SQS_WAIT_SECONDS: '1',
  };
  await runMultiInstance({
    label: 'DynamoDB + SQS',
    total: TOTAL,
    sim,
    envOf: (i) => ({ ...env, DATA_DIR: tempDir(`multi-${i}`) }),
    readyKeys: ['dynamodb', 'sqs', 'sqs-dlq', 's3', 'secretsmanager'],
    gateways,
    over: () => over,
    phase,
    phases,
  });
}, 600_000);
