// SPDX-License-Identifier: Apache-2.0
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

/** The submit handler with the slices it routes to, over in-memory fakes. */
async function submitModule(codec: Iso20022Codec, uuid: () => string) {
  const repo = new FakeRepository();
  const archive = new FakeArchive();
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
      { provide: ID_GENERATOR, useValue: { uuid } },
      { provide: TRANSACTION_REPOSITORY, useValue: repo },
      { provide: MESSAGE_ARCHIVE, useValue: archive },
      { provide: ISO20022_CODEC, useValue: codec },
      { provide: WORK_QUEUE_SIGNAL, useValue: { notify: () => undefined } },
    ],
  }).compile();
  await moduleRef.init();
  return { repo, archive, bus: moduleRef.get(CommandBus) };
}

describe('SubmitPaymentHandler: debtor and creditor country', () => {
  let codec: Iso20022Codec;
  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
  });

  async function submit(xml: string) {
    let n = 0;
    const { repo, bus } = await submitModule(codec, () => `00000000-0000-4000-8000-00000000000${++n}`);
    const result = await bus.execute(new SubmitPaymentCommand('bank-a', new TextEncoder().encode(xml), 'api'));
    expect(result.kind).toBe('accepted');
    return (await repo.get((result as { transactionId: string }).transactionId))!;
  }

  it('takes the postal address countries', async () => {
    const stored = await submit(EXAMPLE);
    expect(stored).toMatchObject({ debtorCountry: 'DE', creditorCountry: 'NL' });
  });

  it('stores the routing facts: payment type, creditor agent member id, clearing system', async () => {
    const plain = await submit(EXAMPLE);
    expect(plain).toMatchObject({
      serviceLevel: null,
      localInstrument: null,
      categoryPurpose: null,
      creditorAgentMemberId: null,
      clearingSystem: null,
    });
    const xml = EXAMPLE.replace('<SttlmMtd>INDA</SttlmMtd>', '<SttlmMtd>CLRG</SttlmMtd><ClrSys><Cd>TGT</Cd></ClrSys>')
      .replace('</SttlmInf>', '</SttlmInf><PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><CtgyPurp><Cd>SUPP</Cd></CtgyPurp></PmtTpInf>')
      .replace('</PmtId>', '</PmtId><PmtTpInf><LclInstrm><Cd>INST</Cd></LclInstrm></PmtTpInf>')
      .replace(/(<CdtrAgt>\s*<FinInstnId>\s*<BICFI>CLWYNL2A<\/BICFI>)/, '$1<ClrSysMmbId><MmbId>NL-0042</MmbId></ClrSysMmbId>');
    expect(await submit(xml)).toMatchObject({
      serviceLevel: 'SEPA',
      localInstrument: 'INST',
      categoryPurpose: 'SUPP',
      creditorAgentMemberId: 'NL-0042',
      clearingSystem: 'TGT',
    });
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

describe('SubmitPaymentHandler: a Document in no namespace named by its AppHdr (the AWS guidance sample shape)', () => {
  const PACS_NS = 'urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08';
  const HEAD_NS = 'urn:iso:std:iso:20022:tech:xsd:head.001.001.02';
  const DOC = EXAMPLE.slice(EXAMPLE.indexOf('<Document'), EXAMPLE.indexOf('</Document>') + 11).replace(
    `xmlns="${PACS_NS}"`,
    `xmlns:Doc="${PACS_NS}"`,
  );
  const hdr = (creDt: string) =>
    `<AppHdr xmlns:h="${HEAD_NS}"><Fr><FIId><FinInstnId><BICFI>CLWYDEFF</BICFI></FinInstnId></FIId></Fr>` +
    `<To><FIId><FinInstnId><BICFI>CLWYNL2A</BICFI></FinInstnId></FIId></To><BizMsgIdr>B-1</BizMsgIdr>` +
    `<MsgDefIdr>pacs.008.001.08</MsgDefIdr><CreDt>${creDt}</CreDt></AppHdr>`;
  const message = (creDt = '2025-03-14T09:30:00Z') => `<RequestPayload>${hdr(creDt)}${DOC}</RequestPayload>`;
  const ID = '7d3c6f3e-3f7a-4d52-9b1e-2f1a1b2c3d4e';

  let codec: Iso20022Codec;
  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
  });
  afterAll(() => codec.dispose());

  async function setup() {
    const { repo, archive, bus } = await submitModule(codec, () => '00000000-0000-4000-8000-000000000001');
    const submit = (xml: string, policy: 'refuse' | 'reject' | 'repair') =>
      bus.execute(new SubmitPaymentCommand('bank-a', new TextEncoder().encode(xml), 'api', ID, [], policy));
    return { repo, archive, submit };
  }

  it('refuse (/v1/inbox, MQ): 422 UNSUPPORTED_MESSAGE as before, nothing stored', async () => {
    const { repo, submit } = await setup();
    const result = await submit(message(), 'refuse');
    expect(result).toMatchObject({ kind: 'invalid', rejectedTransactionId: null, error: { code: 'ISO20022.UNSUPPORTED_MESSAGE' } });
    expect(await repo.get(ID)).toBeNull();
  });

  it('reject: a RJCT/FF01 transaction under the client id whose pacs.002 says the namespace is missing; a replay finds it', async () => {
    const { repo, archive, submit } = await setup();
    const result = await submit(message(), 'reject');
    expect(result).toMatchObject({ kind: 'invalid', rejectedTransactionId: ID });
    const stored = (await repo.get(ID))!;
    expect(stored).toMatchObject({ status: 'RJCT', messageType: 'pacs.008.001.08', reason: { code: 'FF01' } });
    expect(stored.reason!.text).toMatch(/^namespace missing: the AppHdr and the Document are in no namespace/);
    const report = (await archive.list(ID)).find((m) => m.direction === 'out')!;
    expect(report.messageType).toBe('pacs.002.001.10');
    expect(report.body).toContain('<TxSts>RJCT</TxSts>');
    expect(report.body).toContain('<Cd>FF01</Cd>');
    expect(report.body).toContain('<AddtlInf>namespace missing');
    expect(await submit(message(), 'reject')).toMatchObject({ kind: 'invalid', rejectedTransactionId: ID });
    expect(await submit(EXAMPLE, 'reject')).toMatchObject({ kind: 'idempotency-conflict', transactionId: ID });
  });

  it('repair: validated strictly, then taken; the repaired text is owned, the text as received archived beside it', async () => {
    const { repo, archive, submit } = await setup();
    const sent = message();
    expect(await submit(sent, 'repair')).toMatchObject({ kind: 'accepted', transactionId: ID, messageType: 'pacs.008.001.08' });
    const stored = (await repo.get(ID))!;
    const inbound = (await archive.list(ID)).filter((m) => m.direction === 'in');
    const own = inbound.find((m) => m.channel === 'api')!;
    expect(own.body).toBe(sent.replace('<AppHdr ', `<AppHdr xmlns="${HEAD_NS}" `).replace('<Document ', `<Document xmlns="${PACS_NS}" `));
    expect(TransactionIntake.requestHash(own.body)).toBe(stored.inbound!.sha256);
    expect(inbound.find((m) => m.channel === 'api:as-received')!.body).toBe(sent);
    expect(await submit(sent, 'repair')).toMatchObject({ kind: 'accepted', transactionId: ID, replayed: true });
  });

  it('repair: what still fails strict validation (the guidance AppHdr CreDt is a date) is RJCT/FF01 like any schema-invalid message', async () => {
    const { repo, submit } = await setup();
    const result = await submit(message('2023-05-05'), 'repair');
    expect(result).toMatchObject({ kind: 'invalid', rejectedTransactionId: ID, error: { code: 'ISO20022.SCHEMA_INVALID' } });
    expect(await repo.get(ID)).toMatchObject({ status: 'RJCT', reason: { code: 'FF01' } });
  });
});
