import { AnswerWriter } from '../answers/answer.writer.js';
import { InitiatePayments } from '../initiate-payments/initiate-payments.js';
import { PaymentIntake } from '../intake/payment-intake.js';
import { TransactionIntake } from '../intake/transaction-intake.js';
import { ReceiveReturn } from '../receive-return/receive-return.js';
import { RequestCancellation } from '../request-cancellation/request-cancellation.js';
import { RequestStatus } from '../request-status/request-status.js';
import { readFileSync } from 'node:fs';
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Iso20022Codec } from '#iso20022';
import { CLOCK, ID_GENERATOR, ISO20022_CODEC, MESSAGE_ARCHIVE, TRANSACTION_REPOSITORY, WORK_QUEUE_SIGNAL } from '../application.tokens.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { FakeArchive, FakeClock, FakeRepository } from '../testing/in-memory.fakes.js';
import { SubmitPaymentCommand } from './submit-payment.command.js';
import { SubmitPaymentHandler } from './submit-payment.handler.js';

const EXAMPLE = readFileSync('config/examples/pacs.008.001.08.xml', 'utf8');
/** The creditor's postal address without its country (a TwnNm is left, so the message stays schema-valid). */
const withoutCreditorCountry = (xml: string) => xml.replace(/(<Cdtr>[\s\S]*?)<Ctry>NL<\/Ctry>/, '$1');

describe('SubmitPaymentHandler: debtor and creditor country', () => {
  let codec: Iso20022Codec;
  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
  });

  async function submit(xml: string) {
    const repo = new FakeRepository();
    let n = 0;
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [
        SubmitPaymentHandler,
        StatusReportWriter,
        AnswerWriter,
        TransactionIntake,
        PaymentIntake,
        RequestStatus,
        RequestCancellation,
        ReceiveReturn,
        InitiatePayments,
        { provide: CLOCK, useValue: new FakeClock() },
        { provide: ID_GENERATOR, useValue: { uuid: () => `00000000-0000-4000-8000-00000000000${++n}` } },
        { provide: TRANSACTION_REPOSITORY, useValue: repo },
        { provide: MESSAGE_ARCHIVE, useValue: new FakeArchive() },
        { provide: ISO20022_CODEC, useValue: codec },
        { provide: WORK_QUEUE_SIGNAL, useValue: { notify: () => undefined } },
      ],
    }).compile();
    await moduleRef.init();
    const result = await moduleRef.get(CommandBus).execute(new SubmitPaymentCommand('bank-a', new TextEncoder().encode(xml), 'api'));
    expect(result.kind).toBe('accepted');
    return (await repo.get((result as { transactionId: string }).transactionId))!;
  }

  it('takes the postal address countries', async () => {
    const stored = await submit(EXAMPLE);
    expect(stored).toMatchObject({ debtorCountry: 'DE', creditorCountry: 'NL' });
  });

  it('falls back to the IBAN country, then to the agent BIC country', async () => {
    const noPostal = withoutCreditorCountry(EXAMPLE);
    expect(noPostal).not.toBe(EXAMPLE);
    const byIban = await submit(noPostal.replace('NL29CLWY0417164300', 'BE71096123456769'));
    expect(byIban.creditorCountry).toBe('BE');
    const byBic = await submit(
      noPostal.replace(/<IBAN>NL29CLWY0417164300<\/IBAN>/, '<Othr><Id>65479512</Id></Othr>').replace(/CLWYNL2A/g, 'CLWYFRPP'),
    );
    expect(byBic.creditorCountry).toBe('FR');
  });
});
