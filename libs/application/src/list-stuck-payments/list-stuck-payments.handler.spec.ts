// SPDX-License-Identifier: Apache-2.0
import { FakeClock, FakeQueue, FakeRepository } from '../testing/in-memory.fakes.js';
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { ListStuckPaymentsHandler } from './list-stuck-payments.handler.js';
import { ListStuckPaymentsQuery } from './list-stuck-payments.query.js';

describe('ListStuckPaymentsHandler', () => {
  it('lists non-terminal payments older than the threshold, oldest first, with their live job, in pages', async () => {
    const clock = new FakeClock(new Date('2026-11-22T11:00:00Z'));
    const repo = new FakeRepository();
    const queue = new FakeQueue();
    const at = (m: number) => `2026-11-22T10:${String(m).padStart(2, '0')}:00.000Z`;
    const stored = [
      paymentSnapshot({ id: 'old-1', clientId: 'bank-a', status: 'ACTC', updatedAt: at(1), msgId: '1', endToEndId: '1' }),
      paymentSnapshot({ id: 'old-2', clientId: 'bank-b', status: 'RCVD', updatedAt: at(2), msgId: '2', endToEndId: '2' }),
      paymentSnapshot({ id: 'settled', status: 'ACSC', updatedAt: at(0), msgId: '3', endToEndId: '3' }),
      paymentSnapshot({ id: 'recent', status: 'ACTC', updatedAt: '2026-11-22T10:59:30.000Z', msgId: '4', endToEndId: '4' }),
    ];
    for (const p of stored) await repo.create(p, { msgIdEndToEndId: p.msgId }, []);
    queue.live = new Map([['old-2', { type: 'payment.process', attempts: 0, carriedOn: false }]]);
    const handler = new ListStuckPaymentsHandler(repo, queue, clock);

    const first = await handler.execute(new ListStuckPaymentsQuery(300, 1));
    expect(first.items).toEqual([{ payment: expect.objectContaining({ id: 'old-1' }), liveJob: null }]);
    expect(first.complete).toBe(true);
    const second = await handler.execute(new ListStuckPaymentsQuery(300, 1, first.nextCursor));
    expect(second.items).toEqual([
      {
        payment: expect.objectContaining({ id: 'old-2', clientId: 'bank-b' }),
        liveJob: expect.objectContaining({ type: 'payment.process' }),
      },
    ]);
    expect(second.nextCursor).toBeNull();

    // SQS cannot tell: the live job is unknown (undefined), not "none"
    queue.live = null;
    const sqs = await handler.execute(new ListStuckPaymentsQuery(10, 10));
    expect(sqs.items.map((i) => [i.payment.id, i.liveJob])).toEqual([
      ['old-1', undefined],
      ['old-2', undefined],
      ['recent', undefined],
    ]);
  });
});
