// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsWorkQueues, DynamoDbOutbox, DynamoDbTransactionRepository, ensureStoreTable, SqsWorkQueue } from '#adapters/aws';
import { keysOf, sampleJob, samplePayment } from '../../../../libs/application/src/testing/contracts/contract.fixtures.js';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
  startFauxqs,
  type EngineProcess,
} from '../../../../test/support/aws-engines.js';
import { loadConfiguration } from '../config/configuration.js';
import { QueueForwardingRepository } from '../queue-forwarding.repository.js';
import { OutboxRelay } from './outbox-relay.service.js';

/**
 * The crash gap between DynamoDB and SQS, on the real engines: a state change committed with its jobs in the
 * outbox, but the process died before handing them to the queue. Another instance's relay sends them.
 */
describe('OutboxRelay (DynamoDB Local + fauxqs)', () => {
  let dynamo: EngineProcess;
  let fauxqs: EngineProcess;
  let ddb: DynamoDBClient;
  let sqs: SQSClient;
  let store: DynamoDbTransactionRepository;
  let outbox: DynamoDbOutbox;
  let queue: SqsWorkQueue;
  let relay: OutboxRelay;
  let wakeups = 0;

  beforeAll(async () => {
    [dynamo, fauxqs] = await Promise.all([startDynamoDbLocal(), startFauxqs()]);
    ddb = new DynamoDBClient({ region: LOCAL_REGION, endpoint: dynamo.endpoint, credentials: LOCAL_CREDENTIALS });
    sqs = new SQSClient({ region: LOCAL_REGION, endpoint: fauxqs.endpoint, credentials: LOCAL_CREDENTIALS });
    const tableName = `relay-${randomUUID().slice(0, 8)}`;
    await ensureStoreTable(ddb, tableName);
    const urls = await createSqsWorkQueues(sqs, { name: tableName, maxAttempts: 3 });
    store = new DynamoDbTransactionRepository(ddb, { tableName });
    outbox = new DynamoDbOutbox(ddb, { tableName });
    queue = new SqsWorkQueue({ client: sqs, ...urls, maxAttempts: 3, deadLetterScanWaitSeconds: 0 });
    relay = new OutboxRelay(outbox, queue, { notify: () => wakeups++ }, loadConfiguration({}).worker);
  }, 120_000);
  afterAll(async () => {
    await queue?.close();
    ddb?.destroy();
    sqs?.destroy();
    await Promise.allSettled([dynamo?.stop(), fauxqs?.stop()]);
  });

  it('sends the jobs a dead process left in the outbox, once', async () => {
    const p = samplePayment();
    const job = sampleJob({ transactionId: p.id, groupKey: p.id });
    // the store commits payment + outbox item; the process "dies" before the hand-over
    await expect(store.create(p, keysOf(p), [job])).resolves.toEqual({ kind: 'created' });
    await expect(queue.receive(10, 5000)).resolves.toEqual([]);

    await expect(relay.relay()).resolves.toBe(1);
    expect(wakeups).toBe(1);
    const [got] = await queue.receive(10, 5000);
    expect(got!.job).toEqual(job);
    await queue.ack(got!.receipt);
    await expect(relay.relay()).resolves.toBe(0); // completed: nothing left
  }, 60_000);

  it('finds nothing to relay after a normal hand-over (QueueForwardingRepository clears the outbox)', async () => {
    const forwarding = new QueueForwardingRepository(store, queue, { outbox });
    const p = samplePayment();
    const job = sampleJob({ transactionId: p.id, groupKey: p.id });
    await forwarding.create(p, keysOf(p), [job]);
    const [got] = await queue.receive(10, 5000);
    expect(got!.job).toEqual(job);
    await queue.ack(got!.receipt);
    // the outbox cleanup is not awaited by the write: wait until the relay finds nothing
    let left = -1;
    for (let i = 0; i < 50 && left !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = (await outbox.claim(10, 1)).length;
    }
    expect(left).toBe(0);
  }, 60_000);
});
