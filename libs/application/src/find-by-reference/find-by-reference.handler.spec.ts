// SPDX-License-Identifier: Apache-2.0
import { FakeRepository } from '../testing/in-memory.fakes.js';
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { FindByReferenceHandler } from './find-by-reference.handler.js';
import { FindByReferenceQuery } from './find-by-reference.query.js';

describe('FindByReferenceHandler', () => {
  it("finds every client's transactions by UETR (any case), MsgId or EndToEndId, and nothing for a blank one", async () => {
    const repo = new FakeRepository();
    const a = paymentSnapshot({ id: 'a', clientId: 'bank-a', uetr: '5b8b7e3f-3c1f-4d8e-9a4b-2f1e0c9d8a71', msgId: 'M', endToEndId: 'E' });
    const b = paymentSnapshot({
      id: 'b',
      clientId: 'bank-b',
      uetr: null,
      msgId: 'M',
      endToEndId: 'E',
      createdAt: '2026-11-22T10:00:01.000Z',
    });
    for (const p of [b, a]) await repo.create(p, { uetr: p.uetr, msgIdEndToEndId: 'M|E' }, []);
    const handler = new FindByReferenceHandler(repo);
    const ids = async (q: FindByReferenceQuery) => (await handler.execute(q)).map((p) => p.id);
    await expect(ids(new FindByReferenceQuery({ uetr: a.uetr!.toUpperCase() }, 10))).resolves.toEqual(['a']);
    await expect(ids(new FindByReferenceQuery({ msgId: 'M' }, 10))).resolves.toEqual(['a', 'b']);
    await expect(ids(new FindByReferenceQuery({ endToEndId: 'E' }, 1))).resolves.toEqual(['a']);
    await expect(ids(new FindByReferenceQuery({ endToEndId: ' ' }, 10))).resolves.toEqual([]);
  });
});
