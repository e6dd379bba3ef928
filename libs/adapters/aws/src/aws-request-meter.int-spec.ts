// SPDX-License-Identifier: Apache-2.0
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startAwsEngines, type AwsEngines } from '../../../../test/support/aws-engines.js';
import { AwsRequestMeter, type AwsUsage } from './aws-request-meter.js';

const requests = (u: AwsUsage, operation: string, outcome: 'ok' | 'error' = 'ok') =>
  u.requests.find((r) => r.operation === operation && r.outcome === outcome)?.count ?? 0;

describe('AwsRequestMeter (DynamoDB Local, fauxqs SQS)', () => {
  let engines: AwsEngines;
  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;
  let meter: AwsRequestMeter;
  const TableName = 'meter-test';
  const item = (pk: string, bytes: number) => ({ pk: { S: pk }, v: { S: 'x'.repeat(bytes) } });

  beforeAll(async () => {
    engines = await startAwsEngines({ secretsManager: false });
    meter = new AwsRequestMeter();
    const common = { region: engines.region, credentials: engines.credentials };
    dynamodb = meter.attach(new DynamoDBClient({ ...common, endpoint: engines.dynamodb!.endpoint }), 'dynamodb');
    sqs = meter.attach(new SQSClient({ ...common, endpoint: engines.fauxqs!.endpoint }), 'sqs');
    await dynamodb.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
  }, 120_000);
  afterAll(async () => {
    dynamodb?.destroy();
    sqs?.destroy();
    await engines?.stop();
  });

  it('adds up the write and read units DynamoDB reports, by operation kind', async () => {
    const before = meter.usage();
    // a 2.5 KB item: 3 write units; its eventually consistent read: 0.5 read unit, a strongly consistent one 1
    await dynamodb.send(new PutItemCommand({ TableName, Item: item('a', 2500) }));
    await dynamodb.send(new GetItemCommand({ TableName, Key: { pk: { S: 'a' } } }));
    await dynamodb.send(new GetItemCommand({ TableName, Key: { pk: { S: 'a' } }, ConsistentRead: true }));
    // the same item in a transaction: twice the units (6). DynamoDB Local reports multi-item transactions
    // below AWS's rule (2 units for two or three small items), so the test keeps to one item
    await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName, Item: item('b', 2500) } }] }));
    const after = meter.usage();
    expect(after.capacity.write - before.capacity.write).toBe(3 + 6);
    expect(after.capacity.read - before.capacity.read).toBe(1.5);
    expect(requests(after, 'PutItem') - requests(before, 'PutItem')).toBe(1);
    expect(requests(after, 'GetItem') - requests(before, 'GetItem')).toBe(2);
    expect(requests(after, 'TransactWriteItems') - requests(before, 'TransactWriteItems')).toBe(1);
    expect(after.requests.every((r) => r.service === 'dynamodb' || r.service === 'sqs')).toBe(true);
  });

  it("leaves a caller's own ReturnConsumedCapacity alone, and hands the caller what the table answered", async () => {
    const before = meter.usage();
    const res = await dynamodb.send(new PutItemCommand({ TableName, Item: item('d', 10), ReturnConsumedCapacity: 'NONE' }));
    expect(res.ConsumedCapacity).toBeUndefined();
    const asked = await dynamodb.send(new GetItemCommand({ TableName, Key: { pk: { S: 'd' } } }));
    expect(asked.Item?.pk?.S).toBe('d');
    const after = meter.usage();
    expect(after.capacity.write).toBe(before.capacity.write);
    expect(after.capacity.read - before.capacity.read).toBe(0.5);
  });

  it('counts a refused call as an error request and passes the error on', async () => {
    const before = meter.usage();
    await expect(
      dynamodb.send(new PutItemCommand({ TableName, Item: item('a', 10), ConditionExpression: 'attribute_not_exists(pk)' })),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const after = meter.usage();
    expect(requests(after, 'PutItem', 'error') - requests(before, 'PutItem', 'error')).toBe(1);
    expect(requests(after, 'PutItem')).toBe(requests(before, 'PutItem'));
  });

  it('counts SQS requests by operation, an empty receive included', async () => {
    const capacityBefore = meter.usage().capacity;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'meter-test' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'one' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
    const u = meter.usage();
    expect(u.requests.filter((r) => r.service === 'sqs').map((r) => [r.operation, r.count])).toEqual([
      ['CreateQueue', 1],
      ['SendMessage', 1],
      ['ReceiveMessage', 2],
    ]);
    // SQS calls add no DynamoDB units
    expect(u.capacity).toEqual(capacityBefore);
  });
});
