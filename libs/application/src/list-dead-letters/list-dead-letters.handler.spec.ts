// SPDX-License-Identifier: Apache-2.0
import { FakeQueue, FakeRepository } from '../testing/in-memory.fakes.js';
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { ListDeadLettersHandler } from './list-dead-letters.handler.js';
import { ListDeadLettersQuery } from './list-dead-letters.query.js';

describe('ListDeadLettersHandler', () => {
  it("pages every client's dead letters oldest first, each with its transaction's owner and status", async () => {
    const repo = new FakeRepository();
    const queue = new FakeQueue();
    const a = paymentSnapshot({ id: 'a', clientId: 'bank-a', status: 'ACTC', msgId: 'MA', endToEndId: 'EA' });
    await repo.create(a, { msgIdEndToEndId: 'MA|EA' }, []);
    const dl = (id: string, at: string) => ({
      job: { type: 'payment.release' as const, transactionId: id, groupKey: id, deduplicationId: `${id}:release` },
      reason: `failed ${id}`,
      attempts: 8,
      at,
    });
    queue.dead = [dl('gone', '2026-11-22T10:00:02.000Z'), dl('a', '2026-11-22T10:00:01.000Z'), dl('c', '2026-11-22T10:00:03.000Z')];
    const handler = new ListDeadLettersHandler(queue, repo);

    const first = await handler.execute(new ListDeadLettersQuery(2));
    expect(first.items).toEqual([
      {
        transactionId: 'a',
        jobType: 'payment.release',
        reason: 'failed a',
        attempts: 8,
        at: '2026-11-22T10:00:01.000Z',
        clientId: 'bank-a',
        status: 'ACTC',
      },
      {
        transactionId: 'gone',
        jobType: 'payment.release',
        reason: 'failed gone',
        attempts: 8,
        at: '2026-11-22T10:00:02.000Z',
        clientId: null,
        status: null,
      },
    ]);
    expect(first.nextCursor).not.toBeNull();
    const second = await handler.execute(new ListDeadLettersQuery(2, first.nextCursor));
    expect(second.items.map((d) => d.transactionId)).toEqual(['c']);
    expect(second.nextCursor).toBeNull();
    await expect(handler.execute(new ListDeadLettersQuery(2, 'not-a-cursor'))).rejects.toMatchObject({ code: 'PAGINATION.INVALID_CURSOR' });
  });
});
