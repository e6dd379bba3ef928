// SPDX-License-Identifier: Apache-2.0
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Payment, type PaymentStatus } from '#domain';
import {
  CLOCK,
  ISO20022_CODEC,
  MESSAGE_ARCHIVE,
  PIPELINE_SETTINGS,
  STATUS_PUBLISHER,
  TRANSACTION_REPOSITORY,
} from '../application.tokens.js';
import { loadPayment, savePayment } from '../payment-steps.js';
import { JobType } from '../ports/work-queue.port.js';
import { PublishStatusReportCommand } from '../publish-status-report/publish-status-report.command.js';
import { PublishStatusReportHandler } from '../publish-status-report/publish-status-report.handler.js';
import type { OutgoingStatusMessage } from '../ports/status-publisher.port.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { FakeArchive, FakeClock, FakeRepository } from '../testing/in-memory.fakes.js';
import { RecordHostAnswerCommand } from './record-host-answer.command.js';
import { RecordHostAnswerHandler } from './record-host-answer.handler.js';

const details = {
  messageType: 'pacs.008.001.08',
  msgId: 'M1',
  creationDateTime: null,
  instrId: null,
  endToEndId: 'E1',
  txId: null,
  uetr: '8a562c67-ca16-48ba-b074-65581be6f011',
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

describe('host answers that arrive on their own, and status messages to the outbound channel', () => {
  async function setup(publishStatusReports: boolean) {
    const clock = new FakeClock();
    const repo = new FakeRepository();
    const archive = new FakeArchive();
    const published: OutgoingStatusMessage[] = [];
    const codec = {
      writePacs002: (i: { msgId: string; status: string; reason: { code: string } | null }) =>
        `<pacs002 ${i.status} ${i.reason?.code ?? ''}/>`.replace('/>', `<MsgId>${i.msgId}</MsgId>/>`),
    };
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [
        RecordHostAnswerHandler,
        PublishStatusReportHandler,
        StatusReportWriter,
        { provide: CLOCK, useValue: clock },
        { provide: TRANSACTION_REPOSITORY, useValue: repo },
        { provide: MESSAGE_ARCHIVE, useValue: archive },
        { provide: ISO20022_CODEC, useValue: codec },
        {
          provide: PIPELINE_SETTINGS,
          useValue: { mode: 'proxy', slaMs: 60_000, recoveryAfterMs: 10_000, completedJobRetentionMs: 1, publishStatusReports },
        },
        { provide: STATUS_PUBLISHER, useValue: { publish: async (m: OutgoingStatusMessage) => void published.push(m) } },
      ],
    }).compile();
    await moduleRef.init();
    const bus = moduleRef.get(CommandBus);
    const stored = async (id: string, path: PaymentStatus[]) => {
      const p = Payment.receive({ id, clientId: 'bank-a', at: clock.now(), ...details, uetr: null });
      for (const s of path) {
        if (s === 'ACTC') p.passValidation(clock.now());
        else if (s === 'ACSP') p.markReleased(clock.now());
        else if (s === 'PDNG') p.applyHostOutcome({ kind: 'pending' }, clock.now());
        else throw new Error(`no step to ${s}`);
      }
      await repo.create(p.toSnapshot(), { msgIdEndToEndId: id }, []);
    };
    return { repo, archive, bus, stored, published, clock, moduleRef };
  }

  it('settles a parked payment from a late ACSC, archives the host report, and queues its publication', async () => {
    const { repo, archive, bus, stored } = await setup(true);
    await stored('t1', ['ACTC', 'ACSP', 'PDNG']);
    const r = await bus.execute(new RecordHostAnswerCommand('t1', { kind: 'settled', statusReport: '<host-report/>' }, 'host:amqp'));
    expect(r).toBe('done');
    expect((await repo.get('t1'))!.status).toBe('ACSC');
    expect(archive.messages.map((m) => [m.direction, m.channel, m.body])).toEqual([
      ['in', 'host:amqp', '<host-report/>'],
      ['out', 'gateway', expect.stringMatching(/^<pacs002 ACSC <MsgId>CW/)],
    ]);
    expect(repo.jobs).toEqual([
      {
        type: JobType.PUBLISH_STATUS,
        transactionId: 't1',
        groupKey: 't1:publish',
        deduplicationId: 't1:publish:ACSC',
        payload: { status: 'ACSC' },
      },
    ]);
  });

  it('rejects with the host reason; a repeated answer, or one for a decided payment, changes nothing', async () => {
    const { repo, bus, stored } = await setup(false);
    await stored('t2', ['ACTC', 'ACSP']);
    const rejected = { kind: 'rejected', reasonCode: 'AC04', reasonText: 'closed account', statusReport: null } as const;
    expect(await bus.execute(new RecordHostAnswerCommand('t2', rejected, 'host:amqp'))).toBe('done');
    const after = await repo.get('t2');
    expect(after).toMatchObject({ status: 'RJCT', reason: { code: 'AC04', text: 'closed account' } });
    expect(await bus.execute(new RecordHostAnswerCommand('t2', rejected, 'host:amqp'))).toBe('skipped');
    expect(await bus.execute(new RecordHostAnswerCommand('t2', { kind: 'settled', statusReport: null }, 'host:amqp'))).toBe('skipped');
    expect(await repo.get('t2')).toEqual(after);
    // Without an outbound channel no publish job is written.
    expect(repo.jobs).toEqual([]);
  });

  it('leaves a payment not yet released alone, and parks an ACSP payment on a pending answer', async () => {
    const { repo, bus, stored } = await setup(false);
    await stored('t3', ['ACTC']);
    expect(await bus.execute(new RecordHostAnswerCommand('t3', { kind: 'settled', statusReport: null }, 'host:amqp'))).toBe('skipped');
    expect((await repo.get('t3'))!.status).toBe('ACTC');
    await stored('t4', ['ACTC', 'ACSP']);
    expect(await bus.execute(new RecordHostAnswerCommand('t4', { kind: 'pending', statusReport: null }, 'host:amqp'))).toBe('done');
    expect((await repo.get('t4'))!.status).toBe('PDNG');
    expect(await bus.execute(new RecordHostAnswerCommand('t4', { kind: 'pending', statusReport: null }, 'host:amqp'))).toBe('skipped');
  });

  it('publishes the latest outgoing message with the payment status', async () => {
    const { bus, stored, published } = await setup(true);
    await stored('t5', ['ACTC', 'ACSP']);
    expect(await bus.execute(new PublishStatusReportCommand('t5'))).toBe('skipped');
    await bus.execute(new RecordHostAnswerCommand('t5', { kind: 'settled', statusReport: null }, 'host:amqp'));
    expect(await bus.execute(new PublishStatusReportCommand('t5'))).toBe('done');
    expect(published).toEqual([
      {
        transactionId: 't5',
        clientId: 'bank-a',
        uetr: null,
        status: 'ACSC',
        messageType: 'pacs.002.001.10',
        body: expect.stringMatching(/^<pacs002 ACSC <MsgId>CW/),
      },
    ]);
  });

  it("publishes the report of the job's status even when a later status has its own report by now", async () => {
    const { repo, bus, stored, published, clock, moduleRef } = await setup(true);
    await stored('t6', ['ACTC', 'ACSP']);
    await bus.execute(new RecordHostAnswerCommand('t6', { kind: 'settled', statusReport: null }, 'host:amqp'));
    // Settled, then cancelled (camt.056 answered CNCL) before the ACSC publish job ran.
    const deps = { repository: repo, reports: moduleRef.get(StatusReportWriter), clock };
    const settled = await loadPayment(repo, 't6');
    settled.requestCancellation('bank-a', { code: 'CUST', text: null }, null, clock.now());
    settled.applyCancellationOutcome({ kind: 'cancelled' }, clock.now());
    await savePayment(deps, settled);
    const jobs = repo.jobs.filter((j) => j.transactionId === 't6');
    expect(jobs.map((j) => StatusReportWriter.statusOfPublishJob(j))).toEqual(['ACSC', 'CANC']);
    for (const j of jobs) await bus.execute(new PublishStatusReportCommand('t6', StatusReportWriter.statusOfPublishJob(j)));
    expect(published.map((m) => [m.status, m.body.slice(0, 14)])).toEqual([
      ['ACSC', '<pacs002 ACSC '],
      ['CANC', '<pacs002 CANC '],
    ]);
  });
});
