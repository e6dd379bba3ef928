// SPDX-License-Identifier: Apache-2.0
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Payment } from '#domain';
import {
  CLOCK,
  ISO20022_CODEC,
  MESSAGE_ARCHIVE,
  PIPELINE_SETTINGS,
  TRANSACTION_REPOSITORY,
  WORK_QUEUE,
  WORK_QUEUE_SIGNAL,
} from '../application.tokens.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { FakeArchive, FakeClock, FakeQueue, FakeRepository } from '../testing/in-memory.fakes.js';
import { SweepStalePaymentsCommand } from './sweep-stale-payments.command.js';
import { SweepStalePaymentsHandler } from './sweep-stale-payments.handler.js';

const details = {
  messageType: 'pacs.008.001.08',
  msgId: 'M1',
  creationDateTime: null,
  instrId: null,
  endToEndId: 'E1',
  txId: null,
  uetr: null,
  amount: { value: '10.00', currency: 'EUR' },
  settlementDate: null,
  settlementMethod: null,
  chargeBearer: null,
  debtorName: null,
  debtorAccount: null,
  debtorAgent: null,
  creditorName: null,
  creditorAccount: null,
  creditorAgent: null,
  instructingAgent: null,
  instructedAgent: null,
  appHeader: null,
};

/** Stores a just-received payment under each id (its MsgId|EndToEndId key is the id too). */
async function receivePayments(repo: FakeRepository, clock: FakeClock, ...ids: string[]): Promise<void> {
  for (const id of ids) {
    await repo.create(Payment.receive({ id, clientId: 'c1', at: clock.now(), ...details }).toSnapshot(), { msgIdEndToEndId: id }, []);
  }
}

describe('SweepStalePaymentsHandler', () => {
  async function setup() {
    const clock = new FakeClock();
    const repo = new FakeRepository();
    const archive = new FakeArchive();
    const queue = new FakeQueue();
    const written: string[] = [];
    const codec = {
      writePacs002: (i: { status: string; reason: { code: string } | null }) => `<pacs002 ${i.status} ${i.reason?.code ?? ''}/>`,
    };
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [
        SweepStalePaymentsHandler,
        StatusReportWriter,
        { provide: CLOCK, useValue: clock },
        { provide: TRANSACTION_REPOSITORY, useValue: repo },
        { provide: MESSAGE_ARCHIVE, useValue: archive },
        { provide: WORK_QUEUE, useValue: queue },
        { provide: WORK_QUEUE_SIGNAL, useValue: { notify: () => written.push('signal') } },
        { provide: ISO20022_CODEC, useValue: codec },
        {
          provide: PIPELINE_SETTINGS,
          useValue: { mode: 'core', slaMs: 60_000, recoveryAfterMs: 10_000, completedJobRetentionMs: 3_600_000 },
        },
      ],
    }).compile();
    await moduleRef.init();
    return { clock, repo, archive, queue, bus: moduleRef.get(CommandBus) };
  }

  it('re-drives a stranded payment once per stored version, then rejects it with AB05 past the SLA', async () => {
    const { clock, repo, archive, queue, bus } = await setup();
    const p = Payment.receive({ id: 't1', clientId: 'c1', at: clock.now(), ...details });
    await repo.create(p.toSnapshot(), { msgIdEndToEndId: 'M1|E1' }, []);

    clock.advance(5_000);
    expect(await bus.execute(new SweepStalePaymentsCommand())).toEqual({ timedOut: 0, redriven: 0, waiting: 0 });

    clock.advance(10_000);
    expect(await bus.execute(new SweepStalePaymentsCommand())).toEqual({ timedOut: 0, redriven: 1, waiting: 0 });
    expect(queue.enqueued[0]).toMatchObject({ type: 'payment.process', transactionId: 't1', deduplicationId: 't1:process:recover-v1' });

    clock.advance(60_000);
    const r = await bus.execute(new SweepStalePaymentsCommand());
    expect(r.timedOut).toBe(1);
    const stored = (await repo.get('t1'))!;
    expect(stored.status).toBe('RJCT');
    expect(stored.reason?.code).toBe('AB05');
    const out = await archive.latest('t1', 'out');
    expect(out?.body).toBe('<pacs002 RJCT AB05/>');
  });

  it('leaves terminal payments alone', async () => {
    const { clock, repo, bus } = await setup();
    const p = Payment.receive({ id: 't2', clientId: 'c1', at: clock.now(), ...details });
    p.failValidation({ code: 'AC04' }, clock.now());
    await repo.create(p.toSnapshot(), { msgIdEndToEndId: 'x' }, []);
    clock.advance(600_000);
    expect(await bus.execute(new SweepStalePaymentsCommand())).toEqual({ timedOut: 0, redriven: 0, waiting: 0 });
    expect((await repo.get('t2'))!.reason?.code).toBe('AC04');
  });

  it('does not re-drive a payment whose job is queued or in flight: a backlog is not stranded work', async () => {
    const { clock, repo, queue, bus } = await setup();
    await receivePayments(repo, clock, 'queued', 'inflight', 'stranded');
    queue.live!.set('queued', { type: 'payment.process', attempts: 0, carriedOn: false });
    queue.live!.set('inflight', { type: 'payment.process', attempts: 2, carriedOn: false });
    clock.advance(15_000);
    expect(await bus.execute(new SweepStalePaymentsCommand())).toEqual({ timedOut: 0, redriven: 1, waiting: 0 });
    expect(queue.enqueued.map((j) => j.transactionId)).toEqual(['stranded']);
  });

  it('on a queue that cannot look jobs up (SQS), re-drives nothing while any job waits or runs', async () => {
    const { clock, repo, queue, bus } = await setup();
    await receivePayments(repo, clock, 't3');
    queue.live = null;
    queue.waiting = { queued: 0, inflight: 3, oldestQueuedMs: null, completedSince: null };
    clock.advance(15_000);
    expect((await bus.execute(new SweepStalePaymentsCommand())).redriven).toBe(0);
    queue.waiting = { queued: 0, inflight: 0, oldestQueuedMs: null, completedSince: null };
    expect((await bus.execute(new SweepStalePaymentsCommand())).redriven).toBe(1);
    expect(queue.enqueued[0]).toMatchObject({ transactionId: 't3', deduplicationId: 't3:process:recover-v1' });
  });

  it('never rejects past the SLA a payment still waiting in the gateway own queue; a retrying or carried-on one it does', async () => {
    const { clock, repo, queue, bus } = await setup();
    await receivePayments(repo, clock, 'backlog', 'retrying', 'carried');
    queue.live!.set('backlog', { type: 'payment.process', attempts: 0, carriedOn: false });
    queue.live!.set('retrying', { type: 'payment.process', attempts: 3, carriedOn: false });
    queue.live!.set('carried', { type: 'payment.process', attempts: 0, carriedOn: true });
    clock.advance(61_000);
    expect(await bus.execute(new SweepStalePaymentsCommand())).toEqual({ timedOut: 2, redriven: 0, waiting: 1 });
    expect((await repo.get('backlog'))!.status).toBe('RCVD');
    expect((await repo.get('retrying'))!.reason?.code).toBe('AB05');
    expect((await repo.get('carried'))!.reason?.code).toBe('AB05');
  });
});
