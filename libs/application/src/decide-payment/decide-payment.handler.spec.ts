// SPDX-License-Identifier: Apache-2.0
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { AnswerWriter } from '../answers/answer.writer.js';
import {
  CLOCK,
  ISO20022_CODEC,
  MESSAGE_ARCHIVE,
  PIPELINE_SETTINGS,
  TRANSACTION_REPOSITORY,
  WORK_QUEUE,
  WORK_QUEUE_SIGNAL,
} from '../application.tokens.js';
import { CoreSettlement } from '../core-settlement/core-settlement.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../pipeline.settings.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { FakeArchive, FakeClock, FakeQueue, FakeRepository } from '../testing/in-memory.fakes.js';
import { paymentSnapshot } from '../testing/payment.fixtures.js';
import { DecidePaymentCommand } from './decide-payment.command.js';
import { DecidePaymentHandler } from './decide-payment.handler.js';

const ID = '00000000-0000-4000-8000-0000000000b1';

describe('DecidePaymentHandler: redrive', () => {
  async function setup() {
    const clock = new FakeClock();
    const repo = new FakeRepository();
    const queue = new FakeQueue();
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [
        DecidePaymentHandler,
        StatusReportWriter,
        AnswerWriter,
        CoreSettlement,
        { provide: CLOCK, useValue: clock },
        { provide: TRANSACTION_REPOSITORY, useValue: repo },
        { provide: MESSAGE_ARCHIVE, useValue: new FakeArchive() },
        { provide: WORK_QUEUE, useValue: queue },
        { provide: WORK_QUEUE_SIGNAL, useValue: { notify: () => undefined } },
        { provide: ISO20022_CODEC, useValue: { writePacs002: () => '<pacs002/>' } },
        { provide: PIPELINE_SETTINGS, useValue: { ...DEFAULT_PIPELINE_SETTINGS, mode: 'proxy' } },
      ],
    }).compile();
    await moduleRef.init();
    // stranded in ACTC: its next step is the release
    const p = paymentSnapshot({ id: ID, clientId: 'bank-a', status: 'ACTC', msgId: 'MB', endToEndId: 'EB', uetr: null });
    await repo.create(p, { msgIdEndToEndId: 'MB|EB' }, []);
    const bus = moduleRef.get(CommandBus);
    const redrive = () => bus.execute(new DecidePaymentCommand('bank-a', ID, 'redrive'));
    return { repo, queue, redrive };
  }

  it('gives a stranded payment the job of its next step, recorded, and answers a second ask as a replay without a second job', async () => {
    const { repo, queue, redrive } = await setup();
    await expect(redrive()).resolves.toMatchObject({ kind: 'accepted', replayed: false });
    expect(repo.jobs).toEqual([
      expect.objectContaining({ type: 'payment.release', transactionId: ID, deduplicationId: `${ID}:release:redrive-v1` }),
    ]);
    expect((await repo.get(ID))!).toMatchObject({ version: 2, decisions: [expect.objectContaining({ action: 'redrive', by: 'bank-a' })] });

    // the job now waits in the queue: asking again enqueues nothing and records nothing
    queue.live = new Map([[ID, { type: 'payment.release', attempts: 0, carriedOn: false }]]);
    await expect(redrive()).resolves.toMatchObject({ kind: 'accepted', replayed: true, transaction: { id: ID, version: 2 } });
    expect(repo.jobs).toHaveLength(1);
    expect((await repo.get(ID))!.version).toBe(2);
  });

  it('still moves dead-lettered jobs back, whatever else is live', async () => {
    const { repo, queue, redrive } = await setup();
    const dead = { type: 'payment.release' as const, transactionId: ID, groupKey: ID, deduplicationId: `${ID}:release:initial` };
    queue.dead = [{ job: dead, reason: 'host down', attempts: 8, at: '2026-11-22T09:00:00.000Z' }];
    queue.live = new Map([[ID, { type: 'payment.process', attempts: 1, carriedOn: true }]]);
    await expect(redrive()).resolves.toMatchObject({ kind: 'accepted', replayed: false });
    expect(queue.enqueued).toEqual([dead]);
    expect(repo.jobs).toEqual([]);
  });

  it('on a queue that cannot look jobs up (SQS) enqueues only while nothing waits or runs, and refuses otherwise', async () => {
    const { repo, queue, redrive } = await setup();
    queue.live = null;
    queue.waiting = { queued: 0, inflight: 2, oldestQueuedMs: null, completedSince: null };
    await expect(redrive()).resolves.toMatchObject({ kind: 'not-allowed', detail: expect.stringContaining('ask again when it is idle') });
    expect(repo.jobs).toEqual([]);
    expect((await repo.get(ID))!.version).toBe(1);
    queue.waiting = { queued: 0, inflight: 0, oldestQueuedMs: null, completedSince: null };
    await expect(redrive()).resolves.toMatchObject({ kind: 'accepted', replayed: false });
    expect(repo.jobs).toHaveLength(1);
  });

  it('refuses a payment with nothing to re-drive even when a job of it is live (a terminal payment)', async () => {
    const { repo, queue, redrive } = await setup();
    const p = (await repo.get(ID))!;
    await repo.update({ ...p, status: 'ACSC' }, 1, []);
    queue.live = new Map([[ID, { type: 'payment.publish-status', attempts: 0, carriedOn: false }]]);
    await expect(redrive()).resolves.toMatchObject({ kind: 'not-allowed', detail: expect.stringContaining('nothing to re-drive') });
  });
});
