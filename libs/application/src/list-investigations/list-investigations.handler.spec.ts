// SPDX-License-Identifier: Apache-2.0
import { FakeClock, FakeRepository } from '../testing/in-memory.fakes.js';
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { ListAllInvestigationsHandler, ListInvestigationsHandler } from './list-investigations.handler.js';
import { ListAllInvestigationsQuery, ListInvestigationsQuery } from './list-investigations.query.js';

describe('ListInvestigationsHandler and its cross-client variant', () => {
  it("a client sees only its own unknown outcomes; the operator's variant sees every client's, in pages", async () => {
    const clock = new FakeClock(new Date('2026-11-22T11:00:00Z'));
    const repo = new FakeRepository();
    const investigation = { since: '2026-11-22T10:00:00.000Z', inquiries: 1, lastAskedAt: null, lastAnswer: null };
    const stored = [
      paymentSnapshot({
        id: 'a',
        clientId: 'bank-a',
        status: 'PDNG',
        investigation,
        updatedAt: '2026-11-22T10:01:00.000Z',
        msgId: 'a',
        endToEndId: 'a',
      }),
      paymentSnapshot({
        id: 'b',
        clientId: 'bank-b',
        status: 'PDNG',
        investigation,
        updatedAt: '2026-11-22T10:02:00.000Z',
        msgId: 'b',
        endToEndId: 'b',
      }),
      paymentSnapshot({
        id: 'held',
        clientId: 'bank-b',
        status: 'PDNG',
        hold: { rule: 'big', at: '2026-11-22T10:00:00.000Z' },
        msgId: 'h',
        endToEndId: 'h',
      }),
    ];
    for (const p of stored) await repo.create(p, { msgIdEndToEndId: p.msgId }, []);

    const mine = await new ListInvestigationsHandler(repo, clock).execute(new ListInvestigationsQuery('bank-a', 10));
    expect(mine.items.map((p) => p.id)).toEqual(['a']);

    const all = new ListAllInvestigationsHandler(repo, clock);
    const first = await all.execute(new ListAllInvestigationsQuery(1));
    expect(first).toMatchObject({ count: 2, complete: true, items: [expect.objectContaining({ id: 'a' })] });
    const second = await all.execute(new ListAllInvestigationsQuery(1, first.nextCursor));
    expect(second.items.map((p) => p.id)).toEqual(['b']);
    expect(second.nextCursor).toBeNull();
  });
});
