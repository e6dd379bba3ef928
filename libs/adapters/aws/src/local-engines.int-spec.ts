// SPDX-License-Identifier: Apache-2.0
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runningEngineProcesses, startAwsEngines, type AwsEngines } from '../../../../test/support/aws-engines.js';

/** The local engines the AWS adapters are tested against: they start, answer the real SDK clients, and stop. */
describe('local AWS engines (DynamoDB Local, fauxqs, the Secrets Manager fake)', () => {
  let engines: AwsEngines;

  beforeAll(async () => {
    engines = await startAwsEngines();
  }, 120_000);

  afterAll(async () => {
    await engines?.stop();
  });

  const config = () => ({ region: engines.region, credentials: engines.credentials });

  it('prints the SDK standard endpoint variables for every engine, all on the loopback interface', () => {
    const env = engines.env();
    for (const key of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_SECRETS_MANAGER']) {
      expect(env[key]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(env.AWS_REGION).toBe('us-east-1');
  });

  it('DynamoDB Local answers the SDK', async () => {
    const ddb = new DynamoDBClient({ ...config(), endpoint: engines.dynamodb!.endpoint });
    await ddb.send(
      new CreateTableCommand({
        TableName: 'engines-check',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const out = await ddb.send(new ListTablesCommand({}));
    expect(out.TableNames).toContain('engines-check');
    ddb.destroy();
  });

  it('fauxqs serves SQS and S3 on one endpoint', async () => {
    const sqs = new SQSClient({ ...config(), endpoint: engines.fauxqs!.endpoint });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'engines-check' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(got.Messages?.[0]?.Body).toBe('hello');
    sqs.destroy();

    const s3 = new S3Client({ ...config(), endpoint: engines.fauxqs!.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'engines-check' }));
    await s3.send(new PutObjectCommand({ Bucket: 'engines-check', Key: 'a/b.xml', Body: '<x/>' }));
    const obj = await s3.send(new GetObjectCommand({ Bucket: 'engines-check', Key: 'a/b.xml' }));
    expect(await obj.Body!.transformToString()).toBe('<x/>');
    s3.destroy();
  });

  it('the Secrets Manager fake speaks the JSON protocol the real client uses, with rotation stages', async () => {
    const sm = new SecretsManagerClient({ ...config(), endpoint: engines.secretsManager!.endpoint });
    const created = await sm.send(new CreateSecretCommand({ Name: 'clearway/check', SecretString: 'v1' }));
    await expect(sm.send(new CreateSecretCommand({ Name: 'clearway/check', SecretString: 'again' }))).rejects.toBeInstanceOf(
      ResourceExistsException,
    );
    const first = await sm.send(new GetSecretValueCommand({ SecretId: 'clearway/check' }));
    expect(first).toMatchObject({ SecretString: 'v1', VersionId: created.VersionId, VersionStages: ['AWSCURRENT'] });
    expect(first.CreatedDate).toBeInstanceOf(Date);

    const put = await sm.send(new PutSecretValueCommand({ SecretId: first.ARN, SecretString: 'v2' }));
    expect(put.VersionId).not.toBe(created.VersionId);
    const current = await sm.send(new GetSecretValueCommand({ SecretId: 'clearway/check' }));
    const previous = await sm.send(new GetSecretValueCommand({ SecretId: 'clearway/check', VersionStage: 'AWSPREVIOUS' }));
    expect([current.SecretString, previous.SecretString]).toEqual(['v2', 'v1']);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'clearway/check' }));
    expect(described.VersionIdsToStages).toEqual({ [created.VersionId!]: ['AWSPREVIOUS'], [put.VersionId!]: ['AWSCURRENT'] });

    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'clearway/none' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(engines.secretsManager!.calls('GetSecretValue')).toBe(4);
    sm.destroy();
  });

  it('stop() leaves nothing listening', async () => {
    const { dynamodb, fauxqs, secretsManager } = engines;
    expect(runningEngineProcesses()).toBe(2);
    await engines.stop();
    expect(runningEngineProcesses()).toBe(0);
    for (const url of [dynamodb!.endpoint, fauxqs!.endpoint, `${secretsManager!.endpoint}/health`]) {
      await expect(fetch(url, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    }
  });

  it('fails loudly, naming the cause, when Java is missing, and leaves no other engine running', async () => {
    const err = await startAwsEngines({ java: '/nonexistent/bin/java' }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/DynamoDB Local needs Java 17 or newer.*\/nonexistent\/bin\/java/s);
    // fauxqs was started beside it and has been stopped again
    expect(runningEngineProcesses()).toBe(0);
  });
});
