// SPDX-License-Identifier: Apache-2.0
import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';
import { AmqpLegacyHost, AmqpSession, deadLetterQueueOf, declareQueues, type LateHostAnswer } from '#adapters/amqp';
import type { HostMessage } from '#application';
import { Iso20022Codec } from '#iso20022';
import { statusRequest } from '../../../../test/support/host-reports.js';
import { buildPacs008 } from '../../../../test/support/pacs008.factory.js';
import { DEFAULT_FAULTS } from '../sim.config.js';
import { startSimulator, type RunningSimulator } from '../simulator.js';

/** The simulator's AMQP transport against the RabbitMQ broker on AMQP_URL, driven by the gateway's adapter. */
const URL = process.env.AMQP_URL || 'amqp://127.0.0.1:5672';
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const UETR_A = '0d7c8a4e-6f2b-4c1d-9e3a-5b4f6a7c8d91';
const UETR_B = '1e8d9b5f-7a3c-4d2e-8f4b-6c5a7b8d9ea2';
const UETR_C = '2f9eac60-8b4d-4e3f-9a5c-7d6b8c9eafb3';
const UETR_D = '3a0fbd71-9c5e-4f40-8b6d-8e7c9daf0c14';

describe('legacy host simulator over AMQP', () => {
  const prefix = `cwtest.sim.${randomBytes(4).toString('hex')}`;
  const topology = { requestQueue: `${prefix}.requests`, replyQueue: `${prefix}.replies`, deadLetterExchange: `${prefix}.dlx` };
  let codec: Iso20022Codec;
  let sim: RunningSimulator;
  let session: AmqpSession;
  let host: AmqpLegacyHost;
  const late: LateHostAnswer[] = [];

  const message = (uetr: string, xml: string): HostMessage => ({
    transactionId: `tx-${uetr.slice(0, 8)}`,
    uetr,
    idempotencyKey: uetr,
    messageType: 'pacs.008.001.08',
    message: xml,
  });
  const stats = async () => (await (await fetch(`${sim.url}/stats`)).json()) as Record<string, number>;

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
    session = await AmqpSession.open({
      url: URL,
      name: 'clearway-sim-int-spec',
      declare: (ch) => declareQueues(ch, topology.deadLetterExchange, [topology.requestQueue, topology.replyQueue]),
      logger: quiet,
    });
    sim = await startSimulator({
      port: 0,
      codec,
      transport: 'amqp',
      amqp: { url: URL, requestQueue: topology.requestQueue, deadLetterExchange: topology.deadLetterExchange },
    });
    host = new AmqpLegacyHost({
      session,
      topology,
      codec,
      timeoutMs: 3000,
      logger: quiet,
    });
    host.onLateAnswer(async (a) => void late.push(a));
  });
  afterAll(async () => {
    await sim.close();
    await session.close();
    const conn = await connect(URL);
    const ch = await conn.createChannel();
    for (const q of [topology.requestQueue, topology.replyQueue]) {
      await ch.deleteQueue(q);
      await ch.deleteQueue(deadLetterQueueOf(q));
    }
    await ch.deleteExchange(topology.deadLetterExchange);
    await conn.close();
  });
  beforeEach(async () => {
    sim.setFaults({ ...DEFAULT_FAULTS });
    await fetch(`${sim.url}/admin/reset`, { method: 'POST' });
  });

  it('settles over the queue and keeps GET /stats on HTTP', async () => {
    const outcome = await host.deliver(message(UETR_A, buildPacs008({ uetr: UETR_A, msgId: 'SIMAMQP-A' })));
    expect(outcome.kind).toBe('settled');
    expect(codec.readPacs002(codec.parse((outcome as { statusReport: string }).statusReport))).toMatchObject({
      originalMsgId: 'SIMAMQP-A',
      originalUetr: UETR_A,
      status: 'ACSC',
    });
    expect(await stats()).toMatchObject({ received: 1, unique: 1, duplicates: 0, accepted: 1, rejected: 0 });
  });

  it('answers a camt.056 with a camt.029 and takes a pacs.004, over the same queues', async () => {
    const uetr = '4b1ace82-ad6f-4051-9c7e-9f8dae0b1d25';
    const msgId = 'SIMAMQP-CX';
    const xml = buildPacs008({ uetr, msgId, endToEndId: 'E2E-CX' });
    expect((await host.deliver(message(uetr, xml))).kind).toBe('settled');
    const agent = { bic: 'CLWYDEFF', clearingSystem: null, memberId: null, name: null };
    const other = { bic: 'CLWYNL2A', clearingSystem: null, memberId: null, name: null };
    const original = {
      group: { msgId, msgNmId: 'pacs.008.001.08', creationDateTime: null },
      instrId: null,
      endToEndId: 'E2E-CX',
      txId: null,
      uetr,
    };
    const camt056 = codec.writeCamt056({
      assignmentId: 'CX-1',
      creationDateTime: '2026-11-22T10:00:00Z',
      assigner: agent,
      assignee: other,
      caseId: 'CASE-1',
      cancellationId: 'CX-1',
      original,
      amount: { value: '100.00', currency: 'EUR' },
      settlementDate: null,
      reason: { code: 'CUST', text: null },
    });
    const cancel = { ...message(uetr, camt056), idempotencyKey: `${uetr}:cancel`, messageType: 'camt.056.001.08' };
    const outcome = await host.requestCancellation(cancel);
    expect(outcome.kind).toBe('cancelled');
    expect(await host.requestCancellation(cancel)).toEqual(outcome);
    expect(await stats()).toMatchObject({ cancellations: { received: 2, unique: 1, duplicates: 1, cancelled: 1, refused: 0 } });

    const pacs004 = codec.writePacs004({
      msgId: 'RT-1',
      creationDateTime: '2026-11-22T10:00:00Z',
      instructingAgent: other,
      instructedAgent: agent,
      returnId: 'RT-1',
      original,
      originalAmount: { value: '100.00', currency: 'EUR' },
      originalSettlementDate: null,
      returnedAmount: { value: '100.00', currency: 'EUR' },
      settlementDate: '2026-11-22',
      chargeBearer: null,
      reason: { code: 'CUST', text: null },
    });
    const returned = await host.deliverReturn({
      ...message(uetr, pacs004),
      idempotencyKey: `${uetr}:return`,
      messageType: 'pacs.004.001.09',
    });
    expect(returned.kind).toBe('accepted');
    expect(await stats()).toMatchObject({ returns: { received: 1, unique: 1 } });
  });

  it('decides a key once: a redelivery gets the first answer again', async () => {
    const xml = buildPacs008({ uetr: UETR_B, msgId: 'SIMAMQP-B', creditorAccountOther: 'ACC0009999' });
    const first = await host.deliver(message(UETR_B, xml));
    const again = await host.deliver(message(UETR_B, xml));
    expect(first).toMatchObject({ kind: 'rejected', reasonCode: 'AC04', reasonText: 'closed account' });
    expect(again).toEqual(first);
    expect(await stats()).toMatchObject({ received: 2, unique: 1, duplicates: 1, accepted: 0, rejected: 1 });
    expect(await (await fetch(`${sim.url}/v1/payments/${UETR_B}`)).json()).toMatchObject({ status: 'RJCT', deliveries: 2 });
  });

  it('answers an injected error like an HTTP 503: retryable, nothing recorded', async () => {
    sim.setFaults({ errorRate: 1 });
    await expect(host.deliver(message(UETR_C, buildPacs008({ uetr: UETR_C })))).rejects.toMatchObject({
      name: 'HostUnavailableError',
      retryable: true,
      message: expect.stringContaining('SIM.INJECTED_ERROR'),
    });
    sim.setFaults({ errorRate: 0, down: true });
    await expect(host.deliver(message(UETR_C, buildPacs008({ uetr: UETR_C })))).rejects.toThrow(/SIM\.DOWN/);
    expect((await stats()).unique).toBe(0);
  });

  it('holds an answer back (timeout fault): the caller gets pending, then the answer arrives late', async () => {
    sim.setFaults({ timeoutRate: 1, timeoutMs: 3500 });
    // The host waits 3000 ms; the simulator holds its answer for 3500 ms.
    await expect(host.deliver(message(UETR_D, buildPacs008({ uetr: UETR_D })))).resolves.toEqual({ kind: 'pending', statusReport: null });
    expect((await stats()).unique).toBe(1);
    for (let i = 0; i < 200 && !late.some((a) => a.transactionId === `tx-${UETR_D.slice(0, 8)}`); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(late.find((a) => a.transactionId === `tx-${UETR_D.slice(0, 8)}`)).toMatchObject({
      requestType: 'pacs.008.001.08',
      outcome: { kind: 'settled' },
    });
  });

  it('answers a schema-invalid pacs.008 with a pacs.002 RJCT FF01', async () => {
    const bad = buildPacs008({ uetr: UETR_A, msgId: 'SIMAMQP-BAD' }).replace('<ChrgBr>SHAR</ChrgBr>', '<ChrgBr>XXXX</ChrgBr>');
    await expect(host.deliver(message(UETR_A, bad))).resolves.toMatchObject({ kind: 'rejected', reasonCode: 'FF01' });
  });
  describe('status requests (pacs.028) over the same queues', () => {
    const inquiry = (uetr: string, msgId: string, n = 1): HostMessage => ({
      ...message(uetr, statusRequest(codec, { uetr, msgId, endToEndId: null })),
      idempotencyKey: `${uetr}:status:${n}`,
      messageType: 'pacs.028.001.03',
    });

    it('answers a settled, a rejected and an unknown payment from its records', async () => {
      const a = '5c2bdf93-be70-4162-8d8f-a09ebfc12e36';
      const b = '6d3ce0a4-cf81-4273-9e90-b1afc0d23f47';
      const settled = await host.deliver(message(a, buildPacs008({ uetr: a, msgId: 'AMQPSTS-A' })));
      await host.deliver(message(b, buildPacs008({ uetr: b, msgId: 'AMQPSTS-B', creditorAccountOther: 'ACC0009999' })));
      await expect(host.requestStatus(inquiry(a, 'AMQPSTS-A'))).resolves.toEqual(settled);
      await expect(host.requestStatus(inquiry(b, 'AMQPSTS-B'))).resolves.toMatchObject({
        kind: 'rejected',
        reasonCode: 'AC04',
        reasonText: 'closed account',
      });
      await expect(host.requestStatus(inquiry('7e4df1b5-d092-4384-afa1-c2b0d1e34058', 'NEVER-SENT'))).resolves.toMatchObject({
        kind: 'unknown',
        reasonCode: 'NOOR',
      });
      expect(await stats()).toMatchObject({ unique: 2, statusRequests: { received: 3, known: 2, unknown: 1 } });
    });

    it('a payment whose answer was dropped: the release gets no answer (pending), the status request says settled', async () => {
      const uetr = '8f5ea2c6-e1a3-4495-b0b2-d3c1e2f45169';
      sim.setFaults({ dropAnswers: 1 });
      // (the host's 3 s wait; a second adapter on the same reply queue would take the other's replies)
      await expect(host.deliver(message(uetr, buildPacs008({ uetr, msgId: 'AMQPSTS-LOST' })))).resolves.toEqual({
        kind: 'pending',
        statusReport: null,
      });
      expect(await (await fetch(`${sim.url}/v1/payments/${uetr}`)).json()).toMatchObject({ status: 'ACSC', deliveries: 1 });
      const outcome = await host.requestStatus(inquiry(uetr, 'AMQPSTS-LOST'));
      expect(outcome.kind).toBe('settled');
      expect(codec.readPacs002(codec.parse((outcome as { statusReport: string }).statusReport))).toMatchObject({
        originalMsgId: 'AMQPSTS-LOST',
        originalUetr: uetr,
        status: 'ACSC',
      });
      expect(await stats()).toMatchObject({ unique: 1, answersDropped: 1, statusRequests: { received: 1, known: 1, unknown: 0 } });
      expect(late.some((a) => a.transactionId === `tx-${uetr.slice(0, 8)}`)).toBe(false);
    });
  });
});
