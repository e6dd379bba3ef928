// SPDX-License-Identifier: Apache-2.0
import { randomBytes } from 'node:crypto';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { HostUnavailableError, type HostMessage } from '#application';
import { Iso20022Codec, type Pacs002Input } from '#iso20022';
import { HOST_SPEC_MESSAGE, HOST_SPEC_UETR, hostReport } from '../../../../test/support/host-reports.js';
import {
  AmqpHeader,
  AmqpLegacyHost,
  AmqpSession,
  DELIVERY_LIMIT,
  declareQueues,
  deadLetterQueueOf,
  type AmqpLegacyHostOptions,
  type LateHostAnswer,
} from './index.js';

/** Against the RabbitMQ broker on AMQP_URL (default amqp://127.0.0.1:5672); the test plays the host. */
const URL = process.env.AMQP_URL || 'amqp://127.0.0.1:5672';
const UETR = HOST_SPEC_UETR;
const MESSAGE = HOST_SPEC_MESSAGE;
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

type Responder = (msg: ConsumeMessage, ch: Channel) => void;

describe('AmqpLegacyHost against RabbitMQ', () => {
  const prefix = `cwtest.adapter.${randomBytes(4).toString('hex')}`;
  const topology = { requestQueue: `${prefix}.requests`, replyQueue: `${prefix}.replies`, deadLetterExchange: `${prefix}.dlx` };
  let codec: Iso20022Codec;
  let session: AmqpSession;
  let hostConn: ChannelModel;
  let hostCh: Channel;
  let script: Responder[];
  let seen: ConsumeMessage[];

  const report = (status: string, reason: Pacs002Input['reason'] = null, uetr: string | null = UETR): string =>
    hostReport(codec, status, reason, uetr);
  const answer =
    (body: string, headers: Record<string, string> = {}): Responder =>
    (msg, ch) => {
      ch.sendToQueue(msg.properties.replyTo as string, Buffer.from(body), {
        correlationId: msg.properties.correlationId as string,
        headers: { [AmqpHeader.TRANSACTION_ID]: msg.properties.headers?.[AmqpHeader.TRANSACTION_ID], [AmqpHeader.UETR]: UETR, ...headers },
      });
      ch.ack(msg);
    };
  const message = (over: Partial<HostMessage> = {}): HostMessage => ({
    transactionId: '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e',
    uetr: UETR,
    idempotencyKey: UETR,
    messageType: 'pacs.008.001.08',
    message: MESSAGE,
    ...over,
  });
  const replyQueues: string[] = [];
  /** A host with a reply queue of its own (hosts sharing one would take each other's answers as late ones). */
  const host = async (over: Partial<AmqpLegacyHostOptions> = {}) => {
    const replyQueue = `${topology.replyQueue}.${replyQueues.length}`;
    replyQueues.push(replyQueue);
    await declareQueues(hostCh, topology.deadLetterExchange, [replyQueue]);
    return new AmqpLegacyHost({ session, topology: { ...topology, replyQueue }, codec, timeoutMs: 2000, logger: quiet, ...over });
  };

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
    session = await AmqpSession.open({
      url: URL,
      name: 'clearway-int-spec',
      declare: (ch) => declareQueues(ch, topology.deadLetterExchange, [topology.requestQueue, topology.replyQueue]),
      logger: quiet,
    });
    hostConn = await connect(URL);
    hostCh = await hostConn.createChannel();
    await hostCh.consume(topology.requestQueue, (msg) => {
      if (!msg) return;
      seen.push(msg);
      const next = script.shift();
      if (next) next(msg, hostCh);
      else hostCh.ack(msg);
    });
  });
  beforeEach(() => {
    script = [];
    seen = [];
  });
  afterAll(async () => {
    await session.close();
    for (const q of [topology.requestQueue, topology.replyQueue, ...replyQueues]) {
      await hostCh.deleteQueue(q);
      await hostCh.deleteQueue(deadLetterQueueOf(q));
    }
    await hostCh.deleteExchange(topology.deadLetterExchange);
    await hostConn.close();
  });

  it('declares durable quorum queues that dead-letter to the exchange, with a delivery limit', async () => {
    const conn = await connect(URL);
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    // Declaring again with the same arguments succeeds; with other arguments the broker refuses (406).
    await expect(
      ch.assertQueue(topology.requestQueue, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-dead-letter-exchange': topology.deadLetterExchange,
          'x-dead-letter-routing-key': `${topology.requestQueue}.dlq`,
          'x-delivery-limit': DELIVERY_LIMIT,
        },
      }),
    ).resolves.toMatchObject({ queue: topology.requestQueue });
    await expect(ch.assertQueue(topology.requestQueue, { durable: true, arguments: { 'x-queue-type': 'classic' } })).rejects.toThrow(
      /PRECONDITION_FAILED/,
    );
    await conn.close().catch(() => undefined);
  });

  it('publishes a persistent pacs.008 with its headers and correlation, and maps the ACSC answer to settled', async () => {
    const body = report('ACSC');
    script = [answer(body)];
    await expect((await host()).deliver(message())).resolves.toEqual({ kind: 'settled', statusReport: body });
    expect(seen).toHaveLength(1);
    const p = seen[0]!.properties;
    expect(seen[0]!.content.toString()).toBe(MESSAGE);
    expect(p.deliveryMode).toBe(2);
    expect(p.replyTo).toBe(replyQueues.at(-1));
    expect(p.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.messageId).toBe(UETR);
    expect(p.contentType).toBe('application/xml');
    expect(p.headers).toMatchObject({
      [AmqpHeader.MESSAGE_TYPE]: 'pacs.008.001.08',
      [AmqpHeader.TRANSACTION_ID]: '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e',
      [AmqpHeader.UETR]: UETR,
      [AmqpHeader.IDEMPOTENCY_KEY]: UETR,
    });
  });

  it('matches answers by correlation id when several calls are in flight', async () => {
    // Answer the two requests in reverse order.
    const held: ConsumeMessage[] = [];
    const hold: Responder = (msg) => {
      held.push(msg);
      if (held.length === 2) {
        answer(report('RJCT', { code: 'AC04', text: 'closed account' }, 'eb6305c9-1f7f-49de-aed0-16487c27b42d'), {
          [AmqpHeader.UETR]: 'x',
        })(held[1]!, hostCh);
        answer(report('ACSC'))(held[0]!, hostCh);
      }
    };
    script = [hold, hold];
    const h = await host();
    const [a, b] = await Promise.all([
      h.deliver(message()),
      h.deliver(
        message({
          transactionId: 'b',
          uetr: 'eb6305c9-1f7f-49de-aed0-16487c27b42d',
          idempotencyKey: 'eb6305c9-1f7f-49de-aed0-16487c27b42d',
        }),
      ),
    ]);
    expect(a.kind).toBe('settled');
    expect(b).toMatchObject({ kind: 'rejected', reasonCode: 'AC04', reasonText: 'closed account' });
  });

  it('answers pending when the host does not answer in time, and hands the late answer to the late-answer handler', async () => {
    const late: LateHostAnswer[] = [];
    let request: ConsumeMessage | undefined;
    script = [(msg) => void (request = msg)];
    const h = await host({ timeoutMs: 300 });
    h.onLateAnswer(async (a) => void late.push(a));
    await expect(h.deliver(message())).resolves.toEqual({ kind: 'pending', statusReport: null });
    expect(h.inFlight).toBe(0);
    const body = report('ACSC');
    answer(body, { [AmqpHeader.IN_REPLY_TO_TYPE]: 'pacs.008.001.08' })(request!, hostCh);
    for (let i = 0; i < 100 && late.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(late).toEqual([
      {
        transactionId: '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e',
        requestType: 'pacs.008.001.08',
        outcome: { kind: 'settled', statusReport: body },
      },
    ]);
  });

  it("reads a late answer against the UETR of the payment it names, not the reply's own x-uetr: one about another payment is dead-lettered", async () => {
    const OTHER = 'eb6305c9-1f7f-49de-aed0-16487c27b42d';
    const late: LateHostAnswer[] = [];
    const h = await host();
    const payments: Record<string, string | null> = { 'tx-victim': UETR, 'tx-other': OTHER };
    h.onLateAnswer(
      async (a) => void late.push(a),
      async (id) => payments[id],
    );
    await h.start();
    const replyQueue = replyQueues.at(-1)!;
    const publish = (transactionId: string, uetrHeader: string, body: string) =>
      session.publish(
        replyQueue,
        Buffer.from(body),
        {
          correlationId: `nobody-waits-${transactionId}`,
          headers: {
            [AmqpHeader.TRANSACTION_ID]: transactionId,
            [AmqpHeader.UETR]: uetrHeader,
            [AmqpHeader.IN_REPLY_TO_TYPE]: 'pacs.008.001.08',
          },
        },
        5000,
      );
    // headers and body agree with each other, but the body is about another payment than tx-victim's
    await publish('tx-victim', OTHER, report('ACSC', null, OTHER));
    const dlq = deadLetterQueueOf(replyQueue);
    let got: false | { content: Buffer } = false;
    for (let i = 0; i < 100 && !got; i++) {
      got = await hostCh.get(dlq, { noAck: true });
      if (!got) await new Promise((r) => setTimeout(r, 50));
    }
    expect(got && got.content.toString()).toContain(`<OrgnlUETR>${OTHER}</OrgnlUETR>`);
    // a late answer about the payment it names is applied, whatever its x-uetr header says; an unknown transaction is dropped
    await publish('tx-other', 'not-a-uetr', report('RJCT', { code: 'AC04', text: null }, OTHER));
    await publish('tx-unknown', UETR, report('ACSC'));
    for (let i = 0; i < 100 && late.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(late).toEqual([
      {
        transactionId: 'tx-other',
        requestType: 'pacs.008.001.08',
        outcome: expect.objectContaining({ kind: 'rejected', reasonCode: 'AC04' }),
      },
    ]);
  });

  it('turns an error answer into HostUnavailableError, retryable unless the host says otherwise', async () => {
    script = [answer('', { [AmqpHeader.ERROR_CODE]: 'SIM.DOWN' })];
    await expect((await host()).deliver(message())).rejects.toMatchObject({
      name: 'HostUnavailableError',
      retryable: true,
      message: expect.stringContaining('SIM.DOWN'),
    });
    script = [answer('', { [AmqpHeader.ERROR_CODE]: 'ISO20022.NOT_XML', [AmqpHeader.ERROR_RETRYABLE]: 'false' })];
    await expect((await host()).deliver(message())).rejects.toMatchObject({ retryable: false });
  });

  it('refuses an answer about another payment or that is not a pacs.002', async () => {
    script = [answer(report('ACSC', null, 'eb6305c9-1f7f-49de-aed0-16487c27b42d'))];
    await expect((await host()).deliver(message())).rejects.toBeInstanceOf(HostUnavailableError);
    script = [answer('<not-a-report/>')];
    await expect((await host()).deliver(message())).rejects.toMatchObject({ retryable: true });
  });

  it("dead-letters an unreadable late answer (a poison message) to the reply queue's dead-letter queue", async () => {
    const h = await host();
    h.onLateAnswer(async () => undefined);
    await h.start();
    const replyQueue = replyQueues.at(-1)!;
    await session.publish(
      replyQueue,
      Buffer.from('<garbage'),
      { correlationId: 'nobody-waits', headers: { [AmqpHeader.TRANSACTION_ID]: 't1' } },
      5000,
    );
    const dlq = deadLetterQueueOf(replyQueue);
    let got: false | { content: Buffer } = false;
    for (let i = 0; i < 100 && !got; i++) {
      got = await hostCh.get(dlq, { noAck: true });
      if (!got) await new Promise((r) => setTimeout(r, 50));
    }
    expect(got && got.content.toString()).toBe('<garbage');
  });

  const camt029 = (status: 'CNCL' | 'RJCR', uetr: string = UETR): string =>
    codec.writeCamt029({
      assignmentId: 'HOSTCXR0001',
      creationDateTime: '2026-03-01T10:05:00Z',
      assigner: { bic: 'HOSTDEFF', clearingSystem: null, memberId: null, name: null },
      assignee: { bic: 'CLWYDEFF', clearingSystem: null, memberId: null, name: null },
      resolvedCase: null,
      status,
      cancellationStatusId: null,
      original: {
        group: { msgId: 'MSG0001', msgNmId: 'pacs.008.001.08', creationDateTime: null },
        instrId: null,
        endToEndId: 'E2E0001',
        txId: null,
        uetr,
      },
      reason: status === 'RJCR' ? { code: 'CUST', text: 'too late' } : null,
      originalAmount: null,
      originalSettlementDate: null,
    });

  it('sends a camt.056 and a pacs.004 with their message types, and reads their answers by the shared rules', async () => {
    const cncl = camt029('CNCL');
    script = [answer(report('ACSC')), answer(cncl), answer(camt029('RJCR'))];
    await expect(
      (await host()).deliverReturn(message({ messageType: 'pacs.004.001.09', idempotencyKey: `${UETR}:return` })),
    ).resolves.toMatchObject({ kind: 'accepted' });
    const cancel = message({ messageType: 'camt.056.001.08', idempotencyKey: `${UETR}:cancel` });
    await expect((await host()).requestCancellation(cancel)).resolves.toEqual({ kind: 'cancelled', resolution: cncl });
    await expect((await host()).requestCancellation(cancel)).resolves.toMatchObject({
      kind: 'refused',
      reasonCode: 'CUST',
      reasonText: 'too late',
    });
    expect(
      seen.map((m) => [
        m.properties.type,
        m.properties.headers?.[AmqpHeader.MESSAGE_TYPE],
        m.properties.headers?.[AmqpHeader.IDEMPOTENCY_KEY],
      ]),
    ).toEqual([
      ['pacs.004.001.09', 'pacs.004.001.09', `${UETR}:return`],
      ['camt.056.001.08', 'camt.056.001.08', `${UETR}:cancel`],
      ['camt.056.001.08', 'camt.056.001.08', `${UETR}:cancel`],
    ]);
  });

  it('refuses a camt.029 about another payment, as the HTTP adapter does (issue 9 item 12)', async () => {
    script = [answer(camt029('CNCL', 'eb6305c9-1f7f-49de-aed0-16487c27b42d'))];
    const err = await (
      await host()
    )
      .requestCancellation(message({ messageType: 'camt.056.001.08', idempotencyKey: `${UETR}:cancel` }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostUnavailableError);
    expect(err).toMatchObject({
      retryable: true,
      message: expect.stringContaining(`camt.029 is for UETR eb6305c9-1f7f-49de-aed0-16487c27b42d, not ${UETR}`),
    });
    // and a pacs.002 where a camt.029 is due
    script = [answer(report('ACSC'))];
    await expect(
      (await host()).requestCancellation(message({ messageType: 'camt.056.001.08', idempotencyKey: `${UETR}:cancel` })),
    ).rejects.toThrow(/not a valid camt\.029/);
  });

  describe('status requests (pacs.028)', () => {
    const inquiry = (n = 1): HostMessage =>
      message({
        messageType: 'pacs.028.001.03',
        idempotencyKey: `${UETR}:status:${n}`,
        message: '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.028.001.03"/>',
      });

    it('sends the pacs.028 on the request queue with its type and key, and reads settled, rejected and pending', async () => {
      const settled = report('ACSC');
      script = [answer(settled), answer(report('RJCT', { code: 'AC04', text: 'closed account' })), answer(report('ACSP'))];
      const h = await host();
      await expect(h.requestStatus(inquiry(1))).resolves.toEqual({ kind: 'settled', statusReport: settled });
      await expect(h.requestStatus(inquiry(2))).resolves.toMatchObject({
        kind: 'rejected',
        reasonCode: 'AC04',
        reasonText: 'closed account',
      });
      await expect(h.requestStatus(inquiry(3))).resolves.toMatchObject({ kind: 'pending' });
      expect(
        seen.map((m) => [
          m.properties.type,
          m.properties.headers?.[AmqpHeader.MESSAGE_TYPE],
          m.properties.headers?.[AmqpHeader.IDEMPOTENCY_KEY],
          m.properties.replyTo,
        ]),
      ).toEqual([1, 2, 3].map((n) => ['pacs.028.001.03', 'pacs.028.001.03', `${UETR}:status:${n}`, replyQueues.at(-1)]));
      expect(seen[0]!.properties.headers?.[AmqpHeader.UETR]).toBe(UETR);
    });

    it('reads RJCT NOOR as unknown (the host has no record), and refuses an answer about another payment', async () => {
      const noor = report('RJCT', { code: 'NOOR', text: 'no record of this payment' });
      script = [answer(noor), answer(report('ACSC', null, 'eb6305c9-1f7f-49de-aed0-16487c27b42d'))];
      const h = await host();
      await expect(h.requestStatus(inquiry())).resolves.toEqual({
        kind: 'unknown',
        reasonCode: 'NOOR',
        reasonText: 'no record of this payment',
        statusReport: noor,
      });
      await expect(h.requestStatus(inquiry())).rejects.toMatchObject({
        name: 'HostUnavailableError',
        retryable: true,
        message: expect.stringContaining('not 5b8b7e3f'),
      });
    });

    it('no answer in time is not an outcome: retryable HostUnavailableError; the definitive answer then goes to the late-answer handler', async () => {
      const late: LateHostAnswer[] = [];
      let request: ConsumeMessage | undefined;
      script = [(msg) => void (request = msg)];
      const h = await host({ timeoutMs: 300 });
      h.onLateAnswer(async (a) => void late.push(a));
      await expect(h.requestStatus(inquiry())).rejects.toMatchObject({
        name: 'HostUnavailableError',
        retryable: true,
        message: expect.stringContaining('no answer to the status request'),
      });
      const body = report('ACSC');
      answer(body, { [AmqpHeader.IN_REPLY_TO_TYPE]: 'pacs.028.001.03' })(request!, hostCh);
      for (let i = 0; i < 100 && late.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(late).toEqual([
        {
          transactionId: '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e',
          requestType: 'pacs.028.001.03',
          outcome: { kind: 'settled', statusReport: body },
        },
      ]);
    });
  });

  it('recovers its channels after a channel error and delivers again', async () => {
    // A passive declare of a missing queue closes the channel (404): the session restarts its connection.
    await expect(session.messageCount(`${prefix}.missing`)).rejects.toThrow(/NOT_FOUND/);
    script = [answer(report('ACSC'))];
    await expect((await host()).deliver(message())).resolves.toMatchObject({ kind: 'settled' });
  });

  it('fails retryable when the broker cannot be reached', async () => {
    const down = await AmqpSession.open({ url: 'amqp://127.0.0.1:1', name: 'down', waitForConnect: false, logger: quiet });
    try {
      const h = new AmqpLegacyHost({ session: down, topology, codec, timeoutMs: 300, logger: quiet });
      await expect(h.ping()).rejects.toBeInstanceOf(HostUnavailableError);
      // The publish waits for a connection up to the publish timeout, then the job's queue retries later.
      await expect(h.deliver(message())).rejects.toMatchObject({
        name: 'HostUnavailableError',
        retryable: true,
        message: expect.stringContaining('not connected'),
      });
    } finally {
      await down.close();
    }
  });
});
