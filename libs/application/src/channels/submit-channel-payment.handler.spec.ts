// SPDX-License-Identifier: Apache-2.0
import { Test } from '@nestjs/testing';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Iso20022Codec } from '#iso20022';
import { AnswerWriter } from '../answers/answer.writer.js';
import {
  CHANNEL_SETTINGS,
  CLOCK,
  ID_GENERATOR,
  ISO20022_CODEC,
  MESSAGE_ARCHIVE,
  TRANSACTION_REPOSITORY,
  WORK_QUEUE_SIGNAL,
} from '../application.tokens.js';
import { InitiatePayments } from '../initiate-payments/initiate-payments.js';
import { PaymentIntake } from '../intake/payment-intake.js';
import { TransactionIntake } from '../intake/transaction-intake.js';
import { ReceiveReturn } from '../receive-return/receive-return.js';
import { RequestCancellation } from '../request-cancellation/request-cancellation.js';
import { RequestStatus } from '../request-status/request-status.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { SubmitPaymentHandler } from '../submit-payment/submit-payment.handler.js';
import { FakeArchive, FakeClock, FakeRepository } from '../testing/in-memory.fakes.js';
import { channelTransactionId, type ChannelSettings } from './channel-payment.js';
import { dataObject, withCrc } from './emvco-qr.js';
import { MerchantDirectory } from './merchant-directory.js';
import type { PaymentOrder } from './payment-order.js';
import { SubmitChannelPaymentCommand, SubmitQrPaymentCommand } from './submit-channel-payment.command.js';
import { SubmitChannelPaymentHandler, SubmitQrPaymentHandler } from './submit-channel-payment.handler.js';

const ORDER: PaymentOrder = {
  debtor: { name: 'Alice', account: { iban: 'DE89370400440532013000', other: null }, agentBic: null, country: 'DE' },
  creditor: {
    name: 'Shop',
    account: { iban: 'FR1420041010050500013M02606', other: null },
    agentBic: 'BNPAFRPP',
    country: 'FR',
    addressLines: [],
  },
  amount: { value: '12.50', currency: 'EUR' },
  remittance: 'invoice 42',
  serviceLevel: 'INST',
  localInstrument: 'INST',
  categoryPurpose: 'SUPP',
  endToEndId: null,
  requestedExecutionDate: null,
};

const DIRECTORY = MerchantDirectory.parse({
  merchants: [
    {
      guid: 'com.example.pay',
      merchantId: 'M-1001',
      creditor: { name: 'Cafe Kranz GmbH', account: 'DE44500105175407324931', agent: 'INGDDEFF', country: 'DE' },
    },
  ],
});

const qr = (merchantId: string, amount: string | null) =>
  withCrc(
    dataObject('00', '01') +
      dataObject('01', amount ? '12' : '11') +
      dataObject('26', dataObject('00', 'COM.EXAMPLE.PAY') + dataObject('01', merchantId)) +
      dataObject('52', '5812') +
      dataObject('53', '978') +
      (amount ? dataObject('54', amount) : '') +
      dataObject('58', 'DE') +
      dataObject('59', 'Cafe Kranz') +
      dataObject('60', 'Berlin') +
      dataObject('62', dataObject('05', 'TABLE-7')),
  );

async function channelModule(settings: ChannelSettings | null) {
  const repo = new FakeRepository();
  const archive = new FakeArchive();
  const clock = new FakeClock();
  let n = 0;
  const codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
  const moduleRef = await Test.createTestingModule({
    imports: [CqrsModule.forRoot()],
    providers: [
      SubmitPaymentHandler,
      SubmitChannelPaymentHandler,
      SubmitQrPaymentHandler,
      StatusReportWriter,
      AnswerWriter,
      TransactionIntake,
      PaymentIntake,
      RequestStatus,
      RequestCancellation,
      ReceiveReturn,
      InitiatePayments,
      { provide: CLOCK, useValue: clock },
      { provide: ID_GENERATOR, useValue: { uuid: () => `00000000-0000-4000-8000-00000000000${++n}` } },
      { provide: TRANSACTION_REPOSITORY, useValue: repo },
      { provide: MESSAGE_ARCHIVE, useValue: archive },
      { provide: ISO20022_CODEC, useValue: codec },
      { provide: WORK_QUEUE_SIGNAL, useValue: { notify: () => undefined } },
      ...(settings ? [{ provide: CHANNEL_SETTINGS, useValue: settings }] : []),
    ],
  }).compile();
  await moduleRef.init();
  return { repo, archive, clock, bus: moduleRef.get(CommandBus) };
}

const SETTINGS: ChannelSettings = { debtorAgentBic: 'CLWYDEFF', merchants: DIRECTORY };

describe('SubmitChannelPaymentHandler', () => {
  it('takes a JSON payment through the intake: stored on channel json, its pacs.008 with PmtTpInf archived', async () => {
    const { repo, archive, bus } = await channelModule(SETTINGS);
    const result = await bus.execute(new SubmitChannelPaymentCommand('wallet-a', ORDER, 'json', null));
    expect(result).toEqual({
      kind: 'accepted',
      transactionId: '00000000-0000-4000-8000-000000000001',
      status: 'RCVD',
      messageType: 'pacs.008.001.08',
      replayed: false,
    });
    const stored = repo.rows.get('00000000-0000-4000-8000-000000000001')!;
    expect(stored).toMatchObject({
      channel: 'json',
      clientId: 'wallet-a',
      debtorAgent: 'CLWYDEFF',
      creditorAgent: 'BNPAFRPP',
      amount: { value: '12.50', currency: 'EUR' },
    });
    const message = archive.messages.find((m) => m.direction === 'in')!;
    expect(message.channel).toBe('json');
    expect(message.body.replace(/>\s+</g, '><')).toContain(
      '<PmtTpInf><SvcLvl><Cd>INST</Cd></SvcLvl><LclInstrm><Cd>INST</Cd></LclInstrm><CtgyPurp><Cd>SUPP</Cd></CtgyPurp></PmtTpInf>',
    );
  });

  it('with an idempotency key: the id derives from (client, key); a later retry of the same order is a replay, a different order a conflict', async () => {
    const { clock, bus } = await channelModule(SETTINGS);
    const first = await bus.execute(new SubmitChannelPaymentCommand('wallet-a', ORDER, 'json', 'order-1'));
    const id = channelTransactionId('wallet-a', 'order-1');
    expect(first).toMatchObject({ kind: 'accepted', transactionId: id, replayed: false });
    clock.advance(90_000); // a retry a minute and a half later writes the same bytes (the stored creation time)
    expect(await bus.execute(new SubmitChannelPaymentCommand('wallet-a', ORDER, 'json', 'order-1'))).toMatchObject({
      kind: 'accepted',
      transactionId: id,
      replayed: true,
    });
    expect(
      await bus.execute(
        new SubmitChannelPaymentCommand('wallet-a', { ...ORDER, amount: { value: '13.00', currency: 'EUR' } }, 'json', 'order-1'),
      ),
    ).toEqual({ kind: 'idempotency-conflict', transactionId: id });
    // another client's same key is its own payment
    expect(await bus.execute(new SubmitChannelPaymentCommand('wallet-b', ORDER, 'json', 'order-1'))).toMatchObject({
      kind: 'accepted',
      transactionId: channelTransactionId('wallet-b', 'order-1'),
      replayed: false,
    });
  });

  it('refuses a payment whose debtor agent is neither given nor configured', async () => {
    const { repo, bus } = await channelModule(null);
    expect(await bus.execute(new SubmitChannelPaymentCommand('wallet-a', ORDER, 'json', null))).toMatchObject({
      kind: 'unprocessable',
      code: 'PAYMENT.DEBTOR_AGENT_REQUIRED',
    });
    expect(repo.rows.size).toBe(0);
  });
});

describe('SubmitQrPaymentHandler', () => {
  const payer = { name: 'Bob', account: { iban: 'DE89370400440532013000', other: null }, agentBic: 'COBADEFF' };

  it('pays the merchant of the directory (GUID case-insensitive): channel qr, creditor from the directory, the reference label as EndToEndId', async () => {
    const { repo, bus } = await channelModule(SETTINGS);
    const result = await bus.execute(
      new SubmitQrPaymentCommand(
        'wallet-a',
        { payload: qr('M-1001', '4.20'), payer, amount: null, remittance: null, serviceLevel: 'INST' },
        null,
      ),
    );
    expect(result).toMatchObject({ kind: 'accepted', status: 'RCVD' });
    const stored = repo.rows.get((result as { transactionId: string }).transactionId)!;
    expect(stored).toMatchObject({
      channel: 'qr',
      endToEndId: 'TABLE-7',
      creditorName: 'Cafe Kranz GmbH',
      creditorAccount: 'DE44500105175407324931',
      creditorAgent: 'INGDDEFF',
      debtorAgent: 'COBADEFF',
      amount: { value: '4.20', currency: 'EUR' },
    });
  });

  it("takes the payer's amount for a static code, in the code's currency only", async () => {
    const { bus } = await channelModule(SETTINGS);
    const request = {
      payload: qr('M-1001', null),
      payer,
      amount: { value: '7.00', currency: 'EUR' },
      remittance: 'coffee',
      serviceLevel: null,
    };
    expect(await bus.execute(new SubmitQrPaymentCommand('wallet-a', request, null))).toMatchObject({ kind: 'accepted' });
    expect(
      await bus.execute(new SubmitQrPaymentCommand('wallet-a', { ...request, amount: { value: '7.00', currency: 'USD' } }, null)),
    ).toMatchObject({
      kind: 'qr-refused',
      code: 'QR.AMOUNT_INVALID',
      errors: [{ path: 'amount.currency' }],
    });
    expect(await bus.execute(new SubmitQrPaymentCommand('wallet-a', { ...request, amount: null }, null))).toMatchObject({
      kind: 'qr-refused',
      code: 'QR.AMOUNT_INVALID',
    });
  });

  it('refuses an amount for a code that carries one, an unknown merchant, and a bad CRC, storing nothing', async () => {
    const { repo, bus } = await channelModule(SETTINGS);
    const base = { payer, remittance: null, serviceLevel: null };
    expect(
      await bus.execute(
        new SubmitQrPaymentCommand(
          'wallet-a',
          { ...base, payload: qr('M-1001', '4.20'), amount: { value: '4.20', currency: 'EUR' } },
          null,
        ),
      ),
    ).toMatchObject({ code: 'QR.AMOUNT_INVALID', errors: [{ path: 'amount' }] });
    expect(
      await bus.execute(new SubmitQrPaymentCommand('wallet-a', { ...base, payload: qr('M-9999', '4.20'), amount: null }, null)),
    ).toMatchObject({
      kind: 'qr-refused',
      code: 'QR.MERCHANT_UNKNOWN',
      errors: [{ path: 'tag 26' }],
    });
    const bad = qr('M-1001', '4.20').slice(0, -4) + '0000';
    expect(await bus.execute(new SubmitQrPaymentCommand('wallet-a', { ...base, payload: bad, amount: null }, null))).toMatchObject({
      kind: 'qr-refused',
      code: 'QR.CRC_MISMATCH',
      errors: [{ path: 'tag 63' }],
    });
    expect(repo.rows.size).toBe(0);
  });
});

describe('MerchantDirectory.parse', () => {
  it.each([
    [{}, /"merchants" array/],
    [{ merchants: [{ guid: 'g', merchantId: 'm' }] }, /merchants\[0\]\.creditor: must be an object/],
    [
      { merchants: [{ guid: 'g', merchantId: 'm', creditor: { name: 'n', account: 'DE89370400440532013001', agent: 'INGDDEFF' } }] },
      /merchants\[0\]\.creditor\.account/,
    ],
    [
      { merchants: [{ guid: 'g', merchantId: 'm', creditor: { name: 'n', account: 'DE89370400440532013000', agent: 'ING' } }] },
      /merchants\[0\]\.creditor\.agent/,
    ],
    [
      {
        merchants: [
          { guid: 'g', merchantId: 'm', creditor: { name: 'n', account: 'DE89370400440532013000', agent: 'INGDDEFF' } },
          { guid: 'G', merchantId: 'm', creditor: { name: 'n', account: 'DE89370400440532013000', agent: 'INGDDEFF' } },
        ],
      },
      /merchants\[1\]: guid G with merchantId m is listed twice/,
    ],
  ])('refuses a bad directory naming the entry (%#)', (data, message) => {
    expect(() => MerchantDirectory.parse(data)).toThrow(message);
  });
});
