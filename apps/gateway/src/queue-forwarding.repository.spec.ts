// SPDX-License-Identifier: Apache-2.0
import type { Job } from '#application';
import type { PaymentSnapshot } from '#domain';
import { FakeQueue, FakeRepository } from '../../../libs/application/src/testing/in-memory.fakes.js';
import { QueueForwardingRepository } from './queue-forwarding.repository.js';

function payment(id: string): PaymentSnapshot {
  const at = '2026-11-22T10:00:00.000Z';
  return {
    id,
    clientId: 'bank-a',
    messageType: 'pacs.008.001.08',
    msgId: `M-${id}`,
    creationDateTime: at,
    instrId: null,
    endToEndId: `E-${id}`,
    txId: null,
    uetr: null,
    amount: { value: '1.00', currency: 'EUR' },
    settlementDate: '2026-11-22',
    settlementMethod: 'CLRG',
    chargeBearer: 'SLEV',
    debtorName: 'D',
    debtorAccount: 'DE89370400440532013000',
    debtorAgent: 'COBADEFFXXX',
    creditorName: 'C',
    creditorAccount: 'FR1420041010050500013M02606',
    creditorAgent: 'BNPAFRPPXXX',
    instructingAgent: null,
    instructedAgent: null,
    appHeader: null,
    status: 'RCVD',
    reason: null,
    history: [{ status: 'RCVD', at }],
    version: 0,
    createdAt: at,
    updatedAt: at,
  } as PaymentSnapshot;
}

const job = (tx: string, step: string): Job => ({
  type: 'payment.process',
  transactionId: tx,
  groupKey: tx,
  deduplicationId: `${tx}:${step}`,
});
const tick = () => new Promise((r) => setImmediate(r));

describe('QueueForwardingRepository', () => {
  let inner: FakeRepository;
  let queue: FakeQueue;
  let completed: Job[][];
  let notified: number;
  let repo: QueueForwardingRepository;

  beforeEach(() => {
    inner = new FakeRepository();
    queue = new FakeQueue();
    completed = [];
    notified = 0;
    repo = new QueueForwardingRepository(inner, queue, {
      signal: { notify: () => notified++ },
      outbox: { complete: async (jobs) => void completed.push(jobs as Job[]) },
    });
  });

  it('hands the jobs of a committed create and update to the queue, wakes the workers and clears the outbox in one call', async () => {
    await expect(repo.create(payment('t1'), { msgIdEndToEndId: 'm1' }, [job('t1', 'process')])).resolves.toEqual({ kind: 'created' });
    await expect(repo.update({ ...payment('t1'), version: 1, status: 'ACTC' }, 1, [job('t1', 'release')])).resolves.toBe(true);
    expect(queue.enqueued.map((j) => j.deduplicationId)).toEqual(['t1:process', 't1:release']);
    expect(inner.jobs).toHaveLength(2); // the store got them too (its outbox)
    expect(notified).toBe(2);
    await tick();
    expect(completed).toEqual([[job('t1', 'process'), job('t1', 'release')]]);
  });

  it('sends nothing for a duplicate or a lost race', async () => {
    await repo.create(payment('t1'), { msgIdEndToEndId: 'm1' }, [job('t1', 'process')]);
    const dup = await repo.create(payment('t2'), { msgIdEndToEndId: 'm1' }, [job('t2', 'process')]);
    expect(dup.kind).toBe('duplicate');
    await expect(repo.update({ ...payment('t1'), status: 'ACTC' }, 7, [job('t1', 'release')])).resolves.toBe(false);
    expect(queue.enqueued.map((j) => j.deduplicationId)).toEqual(['t1:process']);
    await tick();
    expect(completed).toEqual([[job('t1', 'process')]]);
  });

  it('keeps the committed change when the queue refuses, leaving the jobs in the outbox for the relay', async () => {
    queue.enqueue = async () => {
      throw new Error('SQS is down');
    };
    await expect(repo.create(payment('t1'), { msgIdEndToEndId: 'm1' }, [job('t1', 'process')])).resolves.toEqual({ kind: 'created' });
    await tick();
    expect(await inner.get('t1')).not.toBeNull();
    expect(completed).toEqual([]);
    expect(notified).toBe(0);
  });
});
