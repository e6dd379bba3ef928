// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Job, ReceivedJob, WorkQueue } from '#application';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startFauxqs, type EngineProcess } from '../../../../test/support/aws-engines.js';
import { createSqsWorkQueues, resolveQueueUrl, type SqsWorkQueueUrls } from './sqs-queues.setup.js';
import { SqsWorkQueue, sqsToken } from './sqs-work-queue.adapter.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function job(overrides: Partial<Job> = {}): Job {
  const transactionId = overrides.transactionId ?? randomUUID();
  return { type: 'payment.process', transactionId, groupKey: transactionId, deduplicationId: `${transactionId}:process:new`, ...overrides };
}

async function receiveOne(queue: WorkQueue, visibilityMs: number): Promise<ReceivedJob> {
  for (let i = 0; i < 100; i++) {
    const [got] = await queue.receive(1, visibilityMs);
    if (got) return got;
    await sleep(100);
  }
  throw new Error('nothing received');
}

describe('SqsWorkQueue specifics (fauxqs)', () => {
  let fauxqs: EngineProcess;
  let client: SQSClient;
  let urls: SqsWorkQueueUrls;
  const open: SqsWorkQueue[] = [];
  const make = (extra: Partial<ConstructorParameters<typeof SqsWorkQueue>[0]> = {}) => {
    const q = new SqsWorkQueue({ client, ...urls, maxAttempts: 3, deadLetterScanWaitSeconds: 0, ...extra });
    open.push(q);
    return q;
  };

  beforeAll(async () => {
    fauxqs = await startFauxqs();
    client = new SQSClient({ region: LOCAL_REGION, endpoint: fauxqs.endpoint, credentials: LOCAL_CREDENTIALS });
  });
  beforeEach(async () => {
    urls = await createSqsWorkQueues(client, { name: `spec-${randomUUID().slice(0, 8)}`, maxAttempts: 3 });
  });
  afterEach(async () => {
    for (const q of open.splice(0)) await q.close();
  });
  afterAll(async () => {
    client?.destroy();
    await fauxqs?.stop();
  });

  it('creates a high-throughput FIFO queue whose RedrivePolicy points at a FIFO dead-letter queue', async () => {
    const { Attributes: main } = await client.send(new GetQueueAttributesCommand({ QueueUrl: urls.queueUrl, AttributeNames: ['All'] }));
    const { Attributes: dlq } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: urls.deadLetterQueueUrl, AttributeNames: ['All'] }),
    );
    expect(main).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
    expect(JSON.parse(main!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlq!.QueueArn, maxReceiveCount: 3 });
    expect(dlq!.FifoQueue).toBe('true');
    // idempotent, and names resolve to the same URLs
    const again = await createSqsWorkQueues(client, {
      name: urls.queueUrl
        .split('/')
        .pop()!
        .replace(/\.fifo$/, ''),
      maxAttempts: 3,
    });
    expect(again).toEqual(urls);
    await expect(resolveQueueUrl(client, urls.queueUrl.split('/').pop()!)).resolves.toBe(urls.queueUrl);
  });

  it('refuses standard (non-FIFO) queues and a maxAttempts SQS cannot express', () => {
    expect(() => new SqsWorkQueue({ client, queueUrl: 'http://x/q', deadLetterQueueUrl: urls.deadLetterQueueUrl })).toThrow(/FIFO/);
    expect(() => new SqsWorkQueue({ client, ...urls, maxAttempts: 0 })).toThrow(/maxAttempts/);
  });

  it('keeps a long job hidden past its visibility timeout while the holder is alive (visibility extension)', async () => {
    const holder = make({ extendVisibility: { maxMs: 60_000 } });
    const other = make();
    await holder.enqueue([job()]);
    const held = await receiveOne(holder, 2000);
    // three visibility timeouts later nobody else got it: the holder renewed it
    for (let i = 0; i < 6; i++) {
      await sleep(1000);
      await expect(other.receive(10, 2000)).resolves.toEqual([]);
    }
    await holder.ack(held.receipt);
    await expect(other.receive(10, 2000)).resolves.toEqual([]);
    expect(await other.stats()).toMatchObject({ visible: 0, inflight: 0, dead: 0 });
  }, 30_000);

  it('stops extending when the holder goes away, so another consumer gets the job', async () => {
    const holder = make({ extendVisibility: { maxMs: 60_000 } });
    const other = make();
    const j = job();
    await holder.enqueue([j]);
    await receiveOne(holder, 2000);
    await holder.close(); // as a killed process would
    const got = await receiveOne(other, 2000);
    expect(got.job).toEqual(j);
    expect(got.attempt).toBe(2);
  }, 30_000);

  it('extends visibility on demand (extend)', async () => {
    const q = make();
    await q.enqueue([job()]);
    const held = await receiveOne(q, 1000);
    await q.extend(held.receipt, 5000);
    await sleep(1500);
    await expect(q.receive(10, 1000)).resolves.toEqual([]);
    await q.ack(held.receipt);
  }, 30_000);

  it('hashes deduplication and group ids SQS would refuse, and still deduplicates by them', async () => {
    const q = make();
    const long = job({ groupKey: `grüppe ${'x'.repeat(200)}`, deduplicationId: `dedup ${'y'.repeat(300)}` });
    expect(sqsToken(long.deduplicationId)).toMatch(/^[0-9a-f]{64}$/);
    expect(sqsToken('tx-1:process:new')).toBe('tx-1:process:new');
    await q.enqueue([long]);
    await q.enqueue([long]);
    const got = await receiveOne(q, 5000);
    expect(got.job).toEqual(long);
    await q.ack(got.receipt);
    await expect(q.receive(10, 5000)).resolves.toEqual([]);
  });

  it('moves an unreadable message to the dead-letter queue instead of handing it out', async () => {
    const q = make();
    await client.send(
      new SendMessageCommand({ QueueUrl: urls.queueUrl, MessageBody: 'not a job', MessageGroupId: 'g', MessageDeduplicationId: 'junk' }),
    );
    await expect(q.receive(10, 5000)).resolves.toEqual([]);
    expect((await q.stats()).dead).toBe(1);
    await expect(q.listDeadLetters(10)).resolves.toEqual([]); // not a job: not listed as one
  });

  it('redrive sends a job back even inside SQS’s deduplication window', async () => {
    const q = make();
    const j = job();
    await q.enqueue([j]);
    await q.deadLetter((await receiveOne(q, 5000)).receipt, 'poison');
    await q.enqueue([j]); // same deduplication id, within 5 minutes: dropped by SQS
    await expect(q.receive(10, 5000)).resolves.toEqual([]);
    await expect(q.redrive(j.transactionId)).resolves.toBe(1);
    const back = await receiveOne(q, 5000);
    expect(back.job).toEqual(j);
    expect(back.attempt).toBe(1);
  });
});
