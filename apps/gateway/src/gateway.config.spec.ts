import { ConfigError, loadAdapterSelection, loadGatewayConfig } from './gateway.config.js';

const AWS_ALL = {
  STORE: 'dynamodb',
  QUEUE: 'sqs',
  SECRETS: 'aws',
  ARCHIVE: 's3',
  AWS_REGION: 'eu-central-1',
  DYNAMODB_TABLE: 'clearway',
  SQS_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/clearway-jobs.fifo',
  SQS_DLQ_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/clearway-jobs-dlq.fifo',
  S3_BUCKET: 'clearway-archive',
};

describe('adapter selection (STORE, QUEUE, SECRETS, ARCHIVE)', () => {
  it('defaults to the embedded adapters and needs no AWS setting', () => {
    const a = loadGatewayConfig({}).adapters;
    expect(a).toMatchObject({ store: 'embedded', queue: 'embedded', secrets: 'file', archive: 'embedded' });
    expect(a.aws.region).toBeNull();
  });

  it('reads every AWS setting, the SDK endpoint variables and the documented defaults', () => {
    const a = loadAdapterSelection({
      ...AWS_ALL,
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9999',
    });
    expect(a).toMatchObject({ store: 'dynamodb', queue: 'sqs', secrets: 'aws', archive: 's3' });
    expect(a.aws).toMatchObject({
      region: 'eu-central-1',
      dynamodbTable: 'clearway',
      sqsQueue: AWS_ALL.SQS_QUEUE_URL,
      sqsDeadLetterQueue: AWS_ALL.SQS_DLQ_URL,
      s3Bucket: 'clearway-archive',
      s3Prefix: '',
      secretsPrefix: 'clearway/',
      sqsWaitSeconds: 1,
      secretsCacheSeconds: 300,
      // service-specific endpoint first, then the SDK's global AWS_ENDPOINT_URL
      endpoints: {
        dynamodb: 'http://127.0.0.1:8000',
        sqs: 'http://127.0.0.1:4566',
        s3: 'http://127.0.0.1:9999',
        secretsManager: 'http://127.0.0.1:9999',
      },
    });
  });

  it('accepts queue names instead of URLs, and AWS_DEFAULT_REGION', () => {
    const { SQS_QUEUE_URL: _u, SQS_DLQ_URL: _d, AWS_REGION: _r, ...rest } = AWS_ALL;
    const a = loadAdapterSelection({ ...rest, AWS_DEFAULT_REGION: 'us-east-2', SQS_QUEUE_NAME: 'jobs.fifo', SQS_DLQ_NAME: 'jobs-dlq.fifo' });
    expect(a.aws).toMatchObject({ region: 'us-east-2', sqsQueue: 'jobs.fifo', sqsDeadLetterQueue: 'jobs-dlq.fifo' });
  });

  it.each([
    ['AWS_REGION', /^AWS_REGION is required when an adapter runs on AWS/],
    ['DYNAMODB_TABLE', /^DYNAMODB_TABLE is required when STORE=dynamodb$/],
    ['SQS_QUEUE_URL', /^SQS_QUEUE_URL \(or SQS_QUEUE_NAME\) is required when QUEUE=sqs$/],
    ['SQS_DLQ_URL', /^SQS_DLQ_URL \(or SQS_DLQ_NAME\) is required when QUEUE=sqs$/],
    ['S3_BUCKET', /^S3_BUCKET is required when ARCHIVE=s3$/],
  ])('fails fast naming %s when it is missing', (missing, message) => {
    const env: Record<string, string> = { ...AWS_ALL };
    delete env[missing];
    expect(() => loadGatewayConfig(env)).toThrow(ConfigError);
    expect(() => loadGatewayConfig(env)).toThrow(message);
  });

  it('refuses unknown adapters, non-FIFO queues, bad endpoints and QUEUE=sqs on the embedded store', () => {
    expect(() => loadAdapterSelection({ STORE: 'postgres' })).toThrow('STORE must be one of embedded, dynamodb, got "postgres"');
    expect(() => loadAdapterSelection({ ...AWS_ALL, SQS_QUEUE_URL: 'https://sqs.x/1/jobs' })).toThrow(/FIFO/);
    expect(() => loadAdapterSelection({ ...AWS_ALL, AWS_ENDPOINT_URL_SQS: 'localhost:4566' })).toThrow(
      'AWS_ENDPOINT_URL_SQS must be an http(s) URL, got "localhost:4566"',
    );
    expect(() => loadAdapterSelection({ ...AWS_ALL, STORE: 'embedded' })).toThrow(/QUEUE=sqs needs STORE=dynamodb/);
    expect(() => loadAdapterSelection({ ...AWS_ALL, SQS_WAIT_SECONDS: '21' })).toThrow(/SQS_WAIT_SECONDS/);
  });

  it('lets single ports move to AWS (DynamoDB store with the embedded queue, S3 archive alone)', () => {
    expect(loadAdapterSelection({ STORE: 'dynamodb', AWS_REGION: 'eu-west-1', DYNAMODB_TABLE: 't' })).toMatchObject({
      store: 'dynamodb',
      queue: 'embedded',
    });
    expect(loadAdapterSelection({ ARCHIVE: 's3', AWS_REGION: 'eu-west-1', S3_BUCKET: 'b' }).archive).toBe('s3');
  });
});
