// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describeWorkQueueContract } from '../../../application/src/testing/contracts/work-queue.contract.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startFauxqs, type EngineProcess } from '../../../../test/support/aws-engines.js';
import { createSqsWorkQueues } from './sqs-queues.setup.js';
import { SqsWorkQueue } from './sqs-work-queue.adapter.js';

let fauxqs: EngineProcess;
beforeAll(async () => {
  fauxqs = await startFauxqs();
});
afterAll(async () => {
  await fauxqs?.stop();
});

describeWorkQueueContract('SqsWorkQueue (FIFO queue + DLQ on fauxqs)', async ({ maxAttempts }) => {
  const client = new SQSClient({ region: LOCAL_REGION, endpoint: fauxqs.endpoint, credentials: LOCAL_CREDENTIALS });
  const urls = await createSqsWorkQueues(client, { name: `contract-${randomUUID().slice(0, 8)}`, maxAttempts });
  const queues: SqsWorkQueue[] = [];
  const make = () => {
    // fauxqs is one server: short polls see everything, so the dead-letter scans need no long poll.
    const q = new SqsWorkQueue({ client, ...urls, maxAttempts, deadLetterScanWaitSeconds: 0 });
    queues.push(q);
    return q;
  };
  return {
    queue: make(),
    peer: async () => make(),
    close: async () => {
      for (const q of queues) await q.close();
      client.destroy();
    },
  };
});
