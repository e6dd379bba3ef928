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
    expect(await bus.execute(new SweepStalePaymentsCommand())).toEqual({ timedOut: 0, redriven: 0 });

    clock.advance(10_000);
    expect(await bus.execute(new SweepStalePaymentsCommand())).toEqual({ timedOut: 0, redriven: 1 });
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
    expect(await bus.execute(new SweepStalePaymentsCommand())).toEqual({ timedOut: 0, redriven: 0 });
    expect((await repo.get('t2'))!.reason?.code).toBe('AC04');
  });
});
