// SPDX-License-Identifier: Apache-2.0
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { CLOCK, ISO20022_CODEC, MESSAGE_ARCHIVE, TRANSACTION_REPOSITORY, WORK_QUEUE, WORK_QUEUE_SIGNAL } from '../application.tokens.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { FakeArchive, FakeClock, FakeQueue, FakeRepository } from '../testing/in-memory.fakes.js';
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { RedrivePaymentsCommand } from './redrive-payments.command.js';
import { RedrivePaymentsHandler } from './redrive-payments.handler.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

describe('RedrivePaymentsHandler', () => {
  async function setup() {
    const clock = new FakeClock();
    const repo = new FakeRepository();
    const queue = new FakeQueue();
    const signals: string[] = [];
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [
        RedrivePaymentsHandler,
        StatusReportWriter,
        { provide: CLOCK, useValue: clock },
        { provide: TRANSACTION_REPOSITORY, useValue: repo },
        { provide: MESSAGE_ARCHIVE, useValue: new FakeArchive() },
        { provide: WORK_QUEUE, useValue: queue },
        { provide: WORK_QUEUE_SIGNAL, useValue: { notify: () => signals.push('signal') } },
        { provide: ISO20022_CODEC, useValue: { writePacs002: () => '<pacs002/>' } },
      ],
    }).compile();
    await moduleRef.init();
    // A: its release job was dead-lettered; B: stranded in ACTC (no job); C: RCVD with its process job still queued
    const stored = [
      paymentSnapshot({ id: A, clientId: 'bank-a', status: 'ACTC', msgId: 'MA', endToEndId: 'EA', uetr: null }),
      paymentSnapshot({ id: B, clientId: 'bank-b', status: 'ACTC', msgId: 'MB', endToEndId: 'EB', uetr: null }),
      paymentSnapshot({ id: C, clientId: 'bank-b', status: 'RCVD', msgId: 'MC', endToEndId: 'EC', uetr: null }),
    ];
    for (const p of stored) await repo.create(p, { msgIdEndToEndId: `${p.msgId}|${p.endToEndId}` }, []);
    const deadJob = { type: 'payment.release' as const, transactionId: A, groupKey: A, deduplicationId: `${A}:release:initial` };
    queue.dead = [{ job: deadJob, reason: 'host down', attempts: 8, at: '2026-11-22T09:00:00.000Z' }];
    queue.live = new Map([[C, { type: 'payment.process', attempts: 0, carriedOn: false }]]);
    return { clock, repo, queue, signals, bus: moduleRef.get(CommandBus) };
  }

  it('answers in a dry run what it would re-drive and why it skips the others, and changes nothing', async () => {
    const { repo, queue, signals, bus } = await setup();
    const before = await Promise.all([A, B, C].map((id) => repo.get(id)));
    const r = await bus.execute(
      new RedrivePaymentsCommand({ transactionIds: [A, B, C, '00000000-0000-4000-8000-000000000fff'] }, true, 'operator'),
    );
    expect(r).toMatchObject({ dryRun: true, redriven: 2, skipped: 2 });
    expect(r.items).toEqual([
      { transactionId: A, outcome: 'redriven', via: 'dead-letter', jobType: 'payment.release' },
      { transactionId: B, outcome: 'redriven', via: 'next-step', jobType: 'payment.release' },
      { transactionId: C, outcome: 'skipped', reason: expect.stringContaining('live job (payment.process') },
      { transactionId: '00000000-0000-4000-8000-000000000fff', outcome: 'skipped', reason: 'no such transaction' },
    ]);
    expect(queue.dead).toHaveLength(1);
    expect(queue.enqueued).toEqual([]);
    expect(repo.jobs).toEqual([]);
    await expect(Promise.all([A, B, C].map((id) => repo.get(id)))).resolves.toEqual(before);
    expect(signals).toEqual([]);
  });

  it('moves dead letters back, gives a stranded payment its next step in the same write, records who, and never a second live job', async () => {
    const { clock, repo, queue, signals, bus } = await setup();
    clock.advance(30_000);
    const r = await bus.execute(new RedrivePaymentsCommand({ deadLettered: true, stuckOlderThanSeconds: 10 }, false, 'ops-1'));
    expect(r.items).toEqual([
      { transactionId: A, outcome: 'redriven', via: 'dead-letter', jobType: 'payment.release' },
      { transactionId: B, outcome: 'redriven', via: 'next-step', jobType: 'payment.release' },
      { transactionId: C, outcome: 'skipped', reason: expect.stringContaining('live job') },
    ]);
    expect(queue.dead).toEqual([]);
    expect(queue.enqueued.map((j) => j.transactionId)).toEqual([A]);
    expect(repo.jobs).toEqual([
      expect.objectContaining({ type: 'payment.release', transactionId: B, deduplicationId: `${B}:release:redrive-v1` }),
    ]);
    expect((await repo.get(A))!.decisions).toEqual([expect.objectContaining({ action: 'redrive', by: 'operator:ops-1' })]);
    expect((await repo.get(B))!.decisions).toEqual([expect.objectContaining({ action: 'redrive', by: 'operator:ops-1' })]);
    expect((await repo.get(C))!.version).toBe(1);
    expect(signals).toEqual(['signal']);

    // B now has a live job: asking again re-drives nothing
    queue.live = new Map([[B, { type: 'payment.release', attempts: 0, carriedOn: false }]]);
    const again = await bus.execute(new RedrivePaymentsCommand({ transactionIds: [B] }, false, 'ops-1'));
    expect(again.items).toEqual([{ transactionId: B, outcome: 'skipped', reason: expect.stringContaining('live job') }]);
    expect(repo.jobs).toHaveLength(1);
  });

  it('on a queue that cannot look jobs up (SQS) re-drives a stranded payment only while nothing waits or runs', async () => {
    const { queue, repo, bus } = await setup();
    queue.live = null;
    queue.waiting = { queued: 3, inflight: 0, oldestQueuedMs: null, completedSince: null };
    const busy = await bus.execute(new RedrivePaymentsCommand({ transactionIds: [B] }, false, 'ops-1'));
    expect(busy.items[0]).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('cannot tell') });
    queue.waiting = { queued: 0, inflight: 0, oldestQueuedMs: null, completedSince: null };
    const idle = await bus.execute(new RedrivePaymentsCommand({ transactionIds: [B] }, false, 'ops-1'));
    expect(idle.items[0]).toMatchObject({ outcome: 'redriven', via: 'next-step' });
    expect(repo.jobs).toHaveLength(1);
  });

  it('skips what has nothing to re-drive: a terminal payment, a held one', async () => {
    const { repo, bus } = await setup();
    const done = paymentSnapshot({ id: '00000000-0000-4000-8000-0000000000d1', status: 'ACSC', msgId: 'MD', endToEndId: 'ED', uetr: null });
    const held = paymentSnapshot({
      id: '00000000-0000-4000-8000-0000000000d2',
      status: 'PDNG',
      msgId: 'MH',
      endToEndId: 'EH',
      uetr: null,
      hold: { rule: 'big', at: '2026-11-22T10:00:00.000Z' },
    });
    for (const p of [done, held]) await repo.create(p, { msgIdEndToEndId: `${p.msgId}|${p.endToEndId}` }, []);
    const r = await bus.execute(new RedrivePaymentsCommand({ transactionIds: [done.id, held.id] }, false, 'ops-1'));
    expect(r.items).toEqual([
      { transactionId: done.id, outcome: 'skipped', reason: expect.stringContaining('nothing to re-drive') },
      { transactionId: held.id, outcome: 'skipped', reason: expect.stringContaining('held for a decision') },
    ]);
    expect(repo.jobs).toEqual([]);
  });
});
