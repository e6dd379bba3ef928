// SPDX-License-Identifier: Apache-2.0
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import { FakeRepository } from '../testing/in-memory.fakes.js';
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { ListAllPaymentsHandler } from './list-all-payments.handler.js';
import { ListAllPaymentsQuery } from './list-all-payments.query.js';

describe('ListAllPaymentsHandler', () => {
  const create = async (repo: FakeRepository, id: string, clientId: string, createdAt: string, status: 'ACSC' | 'RJCT') => {
    const p = paymentSnapshot({ id, clientId, createdAt, updatedAt: createdAt, status, msgId: `M-${id}`, uetr: null });
    await repo.create(p, { msgIdEndToEndId: `M-${id}|E` }, []);
  };

  it("pages through every client's payments newest first, with the status and time filters", async () => {
    const repo = new FakeRepository();
    await create(repo, 'a', 'bank-a', '2026-11-22T10:00:00.000Z', 'ACSC');
    await create(repo, 'b', 'bank-b', '2026-11-22T11:00:00.000Z', 'RJCT');
    await create(repo, 'c', 'bank-a', '2026-11-22T12:00:00.000Z', 'RJCT');
    const handler = new ListAllPaymentsHandler(repo);

    const first = await handler.execute(new ListAllPaymentsQuery({ limit: 2 }));
    expect(first.items.map((p) => [p.id, p.clientId])).toEqual([
      ['c', 'bank-a'],
      ['b', 'bank-b'],
    ]);
    const second = await handler.execute(new ListAllPaymentsQuery({ limit: 2, cursor: first.nextCursor }));
    expect(second).toMatchObject({ items: [{ id: 'a' }], nextCursor: null });

    const rejected = await handler.execute(new ListAllPaymentsQuery({ status: 'RJCT', limit: 10 }));
    expect(rejected.items.map((p) => p.id)).toEqual(['c', 'b']);
    const ranged = await handler.execute(
      new ListAllPaymentsQuery({ from: new Date('2026-11-22T10:30:00.000Z'), to: new Date('2026-11-22T12:00:00.000Z'), limit: 10 }),
    );
    expect(ranged.items.map((p) => p.id)).toEqual(['b']);
  });

  it('clamps the page size to 1..500 and answers an empty range without asking the store', async () => {
    const asked: unknown[] = [];
    const repo = {
      listAll: async (filter: unknown) => {
        asked.push(filter);
        return { items: [], nextCursor: null };
      },
    } as unknown as TransactionRepository;
    const handler = new ListAllPaymentsHandler(repo);
    await handler.execute(new ListAllPaymentsQuery({ limit: 100_000, status: 'RJCT' }));
    await handler.execute(new ListAllPaymentsQuery({ limit: 0 }));
    expect(asked).toEqual([{ limit: 500, status: 'RJCT' }, { limit: 1 }]);
    const at = new Date('2026-11-22T10:00:00.000Z');
    await expect(handler.execute(new ListAllPaymentsQuery({ from: at, to: at, limit: 10 }))).resolves.toEqual({
      items: [],
      nextCursor: null,
    });
    expect(asked).toHaveLength(2);
  });
});
