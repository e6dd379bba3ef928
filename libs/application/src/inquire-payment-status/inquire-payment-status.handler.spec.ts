// SPDX-License-Identifier: Apache-2.0
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Payment, type PaymentDetails } from '#domain';
import { CLOCK, ISO20022_CODEC, LEGACY_HOST, MESSAGE_ARCHIVE, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { AnswerWriter } from '../answers/answer.writer.js';
import { messageDigest } from '../outgoing-message.js';
import { DEFAULT_PIPELINE_SETTINGS } from '../pipeline.settings.js';
import { HostUnavailableError } from '../ports/legacy-host.port.js';
import { JobType } from '../ports/work-queue.port.js';
import { ReleasePaymentCommand } from '../release-payment/release-payment.command.js';
import { ReleasePaymentHandler } from '../release-payment/release-payment.handler.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { FakeArchive, FakeClock, FakeLegacyHost, FakeRepository } from '../testing/in-memory.fakes.js';
import { InquirePaymentStatusCommand } from './inquire-payment-status.command.js';
import { InquirePaymentStatusHandler } from './inquire-payment-status.handler.js';

const UETR = '8a562c67-ca16-48ba-b074-65581be6f011';
const MESSAGE = '<Document>the payment as validated</Document>';
const details: PaymentDetails = {
  messageType: 'pacs.008.001.08',
  msgId: 'M1',
  creationDateTime: null,
  instrId: null,
  endToEndId: 'E1',
  txId: null,
  uetr: UETR,
  amount: { value: '100.00', currency: 'EUR' },
  settlementDate: null,
  settlementMethod: null,
  chargeBearer: null,
  debtorName: null,
  debtorAccount: null,
  debtorAgent: 'CLWYDEFF',
  creditorName: null,
  creditorAccount: null,
  creditorAgent: 'CLWYNL2A',
  instructingAgent: null,
  instructedAgent: null,
  appHeader: null,
};

describe('an unknown outcome at the host: investigated, never rejected', () => {
  async function setup() {
    const clock = new FakeClock();
    const repo = new FakeRepository();
    const archive = new FakeArchive();
    const host = new FakeLegacyHost();
    const codec = {
      writePacs002: (i: { status: string; reason: { code: string } | null }) => `<pacs002 ${i.status} ${i.reason?.code ?? ''}/>`,
      writePacs028: (i: { msgId: string }) => `<pacs028 ${i.msgId}/>`,
    };
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [
        ReleasePaymentHandler,
        InquirePaymentStatusHandler,
        StatusReportWriter,
        AnswerWriter,
        { provide: CLOCK, useValue: clock },
        { provide: TRANSACTION_REPOSITORY, useValue: repo },
        { provide: MESSAGE_ARCHIVE, useValue: archive },
        { provide: LEGACY_HOST, useValue: host },
        { provide: ISO20022_CODEC, useValue: codec },
        { provide: PIPELINE_SETTINGS, useValue: { ...DEFAULT_PIPELINE_SETTINGS, mode: 'proxy' } },
      ],
    }).compile();
    await moduleRef.init();
    const bus = moduleRef.get(CommandBus);
    // An ACTC payment owning its message, as the intake and the process step leave it.
    const p = Payment.receive({ id: 't1', clientId: 'bank-a', at: clock.now(), ...details });
    p.ownInboundMessage({ messageType: 'pacs.008.001.08', sha256: messageDigest(MESSAGE), channel: 'api' });
    p.passValidation(clock.now());
    await archive.put({
      transactionId: 't1',
      direction: 'in',
      messageType: 'pacs.008.001.08',
      channel: 'api',
      body: MESSAGE,
      at: clock.now().toISOString(),
    });
    await repo.create(p.toSnapshot(), { msgIdEndToEndId: 'M1|E1' }, []);
    const outbox = () =>
      archive.messages
        .filter((m) => m.transactionId === 't1' && m.direction === 'out' && m.messageType.startsWith('pacs.002'))
        .map((m) => m.body);
    return { bus, repo, host, clock, outbox };
  }

  it("the SLA's last ask gets no answer: PDNG under investigation with a status request due, no report", async () => {
    const { bus, repo, host, outbox } = await setup();
    host.dropAnswers = 1;
    await expect(bus.execute(new ReleasePaymentCommand('t1', true))).resolves.toBe('done');
    const stored = (await repo.get('t1'))!;
    expect(stored.status).toBe('PDNG');
    expect(stored.investigation).toMatchObject({ inquiries: 0 });
    expect(repo.jobs.filter((j) => j.type === JobType.INQUIRE)).toHaveLength(1);
    expect(outbox()).toEqual([]);
    // a late release job leaves it to the inquiry
    await expect(bus.execute(new ReleasePaymentCommand('t1'))).resolves.toBe('skipped');
  });

  it("the status request gets the host's record: ACSC with its report, asked with a key of its own", async () => {
    const { bus, repo, host, outbox } = await setup();
    host.dropAnswers = 1;
    await bus.execute(new ReleasePaymentCommand('t1', true));
    await expect(bus.execute(new InquirePaymentStatusCommand('t1'))).resolves.toBe('done');
    expect((await repo.get('t1'))!.status).toBe('ACSC');
    expect(outbox()).toEqual(['<pacs002 ACSC />']);
    const inquiry = host.calls.find((c) => c.method === 'requestStatus')!;
    expect(inquiry.message.idempotencyKey).toBe(`bank-a:${UETR}:status:1`);
    expect(inquiry.message.message).toMatch(/^<pacs028 CW/);
    // delivered once only: the host decided once
    expect(host.calls.filter((c) => c.method === 'deliver')).toHaveLength(1);
    await expect(bus.execute(new InquirePaymentStatusCommand('t1'))).resolves.toBe('skipped');
  });

  it("the host rejected it: RJCT with the host's own reason (never a timeout reason)", async () => {
    const { bus, repo, host } = await setup();
    host.nextOutcome = { kind: 'rejected', reasonCode: 'AC04', reasonText: 'closed', statusReport: null };
    host.dropAnswers = 1;
    await bus.execute(new ReleasePaymentCommand('t1', true));
    await bus.execute(new InquirePaymentStatusCommand('t1'));
    expect((await repo.get('t1'))!).toMatchObject({ status: 'RJCT', reason: { code: 'AC04' } });
  });

  it('the host cannot be asked: the investigation records it and asks again later, still PDNG', async () => {
    const { bus, repo, host } = await setup();
    host.dropAnswers = 1;
    await bus.execute(new ReleasePaymentCommand('t1', true));
    host.statusFailure = new HostUnavailableError('down', true);
    await expect(bus.execute(new InquirePaymentStatusCommand('t1'))).resolves.toBe('done');
    const stored = (await repo.get('t1'))!;
    expect(stored.status).toBe('PDNG');
    expect(stored.investigation).toMatchObject({ inquiries: 1, lastAnswer: expect.stringMatching(/could not be asked/) });
    const inquiries = repo.jobs.filter((j) => j.type === JobType.INQUIRE);
    expect(inquiries).toHaveLength(2);
    expect(inquiries[1]!.deduplicationId).toBe('t1:inquire:1');
  });

  it('the host has no record of it: its own message is delivered again and that answer decides', async () => {
    const { bus, repo, host } = await setup();
    host.dropAnswers = 1;
    await bus.execute(new ReleasePaymentCommand('t1', true));
    host.decided.clear(); // the host lost it
    await bus.execute(new InquirePaymentStatusCommand('t1'));
    expect((await repo.get('t1'))!.status).toBe('ACSC');
    const delivered = host.calls.filter((c) => c.method === 'deliver').map((c) => c.message.message);
    expect(delivered).toEqual([MESSAGE, MESSAGE]);
  });
});
