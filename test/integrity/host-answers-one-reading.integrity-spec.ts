// SPDX-License-Identifier: Apache-2.0
/**
 * Issue 9, item 12: one reading of host answers. Over HTTP the host's camt.029 is refused when it is about
 * another payment (its OrgnlUETR is not the UETR of the camt.056); over AMQP it was read without that check, so
 * a host (or anybody able to publish to the reply queue) could cancel a settled payment with a camt.029 about a
 * different one. Both adapters now call the same rules (`readHostAnswer`) with the UETR of the message sent.
 *
 * End to end over the built gateway (HOST_TRANSPORT=amqp) and the RabbitMQ broker on AMQP_URL; the test plays the
 * legacy host on the request queue: it settles every pacs.008 and answers each camt.056 with a camt.029 CNCL,
 * about the payment asked about (the control) or about another UETR (the defect). On the code before the fix the
 * second payment ends CANC; after it, the payment stays ACSC and its cancellation is never taken as decided.
 * The same holds for a late answer (no call waits for it): it was checked only against its own `x-uetr` header,
 * so a reply naming one transaction with a pacs.002 about another payment settled the first.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { AmqpHeader } from '#adapters/amqp';
import { Iso20022Codec } from '#iso20022';
import { AMQP_URL, amqpNames, deleteTopology } from '../support/amqp.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

const names = amqpNames('onereading');
const OTHER_UETR = 'eb6305c9-1f7f-49de-aed0-16487c27b42d';
const HOST = { bic: 'HOSTDEFF', clearingSystem: null, memberId: null, name: null };

let codec: Iso20022Codec;
let gw: NodeProcess | null = null;
let conn: ChannelModel | null = null;
let ch: Channel;
/** UETRs whose cancellation the host answers with a camt.029 about OTHER_UETR. */
const answerAboutAnother = new Set<string>();
/** camt.056 requests answered, by the UETR they named. */
const cancellationsAnswered = new Map<string, number>();
/** UETRs whose pacs.008 the host takes without answering (the test answers later, by hand), with the request. */
const unanswered = new Map<string, ConsumeMessage | null>();

function reply(msg: ConsumeMessage, body: string, messageType: string): void {
  const h = msg.properties.headers ?? {};
  ch.sendToQueue(msg.properties.replyTo as string, Buffer.from(body), {
    correlationId: msg.properties.correlationId as string,
    contentType: 'application/xml',
    type: messageType,
    headers: {
      [AmqpHeader.TRANSACTION_ID]: h[AmqpHeader.TRANSACTION_ID],
      [AmqpHeader.UETR]: h[AmqpHeader.UETR],
      [AmqpHeader.IN_REPLY_TO_TYPE]: h[AmqpHeader.MESSAGE_TYPE],
      [AmqpHeader.MESSAGE_TYPE]: messageType,
    },
  });
}

/** The legacy host: settles every pacs.008, answers every camt.056 with a camt.029 CNCL. */
function playHost(msg: ConsumeMessage | null): void {
  if (!msg) return;
  try {
    const parsed = codec.parse(msg.content.toString('utf8'));
    if (parsed.messageType.startsWith('pacs.008.')) {
      const p = codec.readPacs008(parsed);
      const tx = p.transactions[0]!;
      if (tx.uetr && unanswered.has(tx.uetr)) {
        unanswered.set(tx.uetr, msg);
        return;
      }
      const report = codec.writePacs002({
        msgId: `HOST${randomUUID().replaceAll('-', '').slice(0, 20)}`,
        creationDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        instructingAgent: null,
        instructedAgent: null,
        original: {
          msgId: p.groupHeader.msgId,
          msgNmId: p.messageType,
          creationDateTime: p.groupHeader.creationDateTime,
          instrId: tx.instrId,
          endToEndId: tx.endToEndId,
          txId: tx.txId,
          uetr: tx.uetr,
          amount: tx.interbankSettlementAmount,
          settlementDate: null,
        },
        status: 'ACSC',
        reason: null,
        acceptanceDateTime: null,
      });
      reply(msg, report, 'pacs.002.001.10');
    } else if (parsed.messageType.startsWith('camt.056.')) {
      const req = codec.readCamt056(parsed);
      const t = req.transaction!;
      const asked = t.uetr!;
      const resolution = codec.writeCamt029({
        assignmentId: `HOSTCXR${randomUUID().replaceAll('-', '').slice(0, 20)}`,
        creationDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        assigner: HOST,
        assignee: req.assignment.assigner.agent ?? HOST,
        resolvedCase: null,
        status: 'CNCL',
        cancellationStatusId: t.cancellationId,
        original: {
          group: t.group,
          instrId: t.instrId,
          endToEndId: t.endToEndId,
          txId: t.txId,
          uetr: answerAboutAnother.has(asked) ? OTHER_UETR : asked,
        },
        reason: null,
        originalAmount: t.interbankSettlementAmount,
        originalSettlementDate: null,
      });
      reply(msg, resolution, 'camt.029.001.09');
      cancellationsAnswered.set(asked, (cancellationsAnswered.get(asked) ?? 0) + 1);
    }
  } catch (err) {
    // Not something this host answers: the gateway's call times out, and the test says what it waited for.
    console.error(`test host could not answer a request: ${(err as Error).message}`);
  } finally {
    ch.ack(msg);
  }
}

/** A host's pacs.002 ACSC about the payment with this UETR (ids made up: the gateway checks the UETR). */
function settledReport(uetr: string): string {
  return codec.writePacs002({
    msgId: `HOST${randomUUID().replaceAll('-', '').slice(0, 20)}`,
    creationDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    instructingAgent: null,
    instructedAgent: null,
    original: {
      msgId: 'SOME-MSG',
      msgNmId: 'pacs.008.001.08',
      creationDateTime: null,
      instrId: null,
      endToEndId: 'SOME-E2E',
      txId: null,
      uetr,
      amount: null,
      settlementDate: null,
    },
    status: 'ACSC',
    reason: null,
    acceptanceDateTime: null,
  });
}

beforeAll(async () => {
  codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
  gw = await startGateway({
    HOST_TRANSPORT: 'amqp',
    ...names.env,
    MQ_CLIENT_ID: 'bank-a',
    DATA_DIR: tempDir('one-reading'),
    HOST_TIMEOUT_MS: '3000',
  });
  conn = await connect(AMQP_URL);
  ch = await conn.createChannel();
  // The gateway declared the request queue at start.
  await ch.consume(names.requestQueue, playHost);
});

afterAll(async () => {
  await conn?.close().catch(() => undefined);
  await gw?.kill();
  codec?.dispose();
  await deleteTopology(names).catch(() => undefined);
});

async function settledPayment(token: string): Promise<{ id: string; uetr: string }> {
  const uetr = randomUUID();
  const res = await fetch(`${gw!.url}/v1/inbox`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
    body: buildPacs008({ uetr, msgId: `ONEREAD-${uetr.slice(0, 8)}` }),
  });
  expect(res.status).toBe(202);
  const id = ((await res.json()) as { transactionId: string }).transactionId;
  expect((await waitForTerminal(gw!.url, token, id)).status).toBe('ACSC');
  return { id, uetr };
}

async function cancel(token: string, id: string): Promise<void> {
  const res = await fetch(`${gw!.url}/v1/transactions/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(202);
}

async function status(token: string, id: string): Promise<{ status: string; history: { status: string }[] }> {
  const res = await fetch(`${gw!.url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as { status: string; history: { status: string }[] };
}

it('a camt.029 about the payment asked about cancels it (control)', async () => {
  const token = await tokenFor(gw!.url, 'bank-a');
  const { id } = await settledPayment(token);
  await cancel(token, id);
  const deadline = Date.now() + 20_000;
  let now = await status(token, id);
  while (now.status !== 'CANC' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    now = await status(token, id);
  }
  expect(now.status).toBe('CANC');
});

it('a camt.029 about another UETR, answered over AMQP, does not cancel the payment (as over HTTP)', async () => {
  const token = await tokenFor(gw!.url, 'bank-a');
  const { id, uetr } = await settledPayment(token);
  answerAboutAnother.add(uetr);
  await cancel(token, id);
  // Wait until the host answered the camt.056, then give the gateway time to apply (or refuse) the answer.
  const deadline = Date.now() + 20_000;
  while ((cancellationsAnswered.get(uetr) ?? 0) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(cancellationsAnswered.get(uetr) ?? 0).toBeGreaterThan(0);
  const watchUntil = Date.now() + 5000;
  const seen = new Set<string>();
  while (Date.now() < watchUntil) {
    seen.add((await status(token, id)).status);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect([...seen]).toEqual(['ACSC']);
  const final = await status(token, id);
  expect(final.status).toBe('ACSC');
  expect(final.history.map((h) => h.status)).not.toContain('CANC');
});

it("a late pacs.002 about another UETR, under this transaction's id and a matching x-uetr header, does not settle the payment", async () => {
  const token = await tokenFor(gw!.url, 'bank-a');
  const uetr = randomUUID();
  unanswered.set(uetr, null);
  const res = await fetch(`${gw!.url}/v1/inbox`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
    body: buildPacs008({ uetr, msgId: `ONEREAD-L-${uetr.slice(0, 8)}` }),
  });
  expect(res.status).toBe(202);
  const id = ((await res.json()) as { transactionId: string }).transactionId;
  // The host took the pacs.008 and did not answer: the gateway waits HOST_TIMEOUT_MS (3 s), then parks the payment.
  let deadline = Date.now() + 20_000;
  while (!unanswered.get(uetr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const request = unanswered.get(uetr)!;
  expect(request).toBeTruthy();
  await new Promise((r) => setTimeout(r, 3500));
  const late = (body: string, uetrHeader: string) =>
    ch.sendToQueue(names.replyQueue, Buffer.from(body), {
      correlationId: randomUUID(),
      contentType: 'application/xml',
      headers: {
        [AmqpHeader.TRANSACTION_ID]: id,
        [AmqpHeader.UETR]: uetrHeader,
        [AmqpHeader.IN_REPLY_TO_TYPE]: 'pacs.008.001.08',
        [AmqpHeader.MESSAGE_TYPE]: 'pacs.002.001.10',
      },
    });
  late(settledReport(OTHER_UETR), OTHER_UETR);
  const seen = new Set<string>();
  const watchUntil = Date.now() + 4000;
  while (Date.now() < watchUntil) {
    seen.add((await status(token, id)).status);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(seen.has('ACSC')).toBe(false);
  // Control: the host's real answer, late, settles it.
  late(settledReport(uetr), uetr);
  deadline = Date.now() + 20_000;
  let now = await status(token, id);
  while (now.status !== 'ACSC' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    now = await status(token, id);
  }
  expect(now.status).toBe('ACSC');
});
