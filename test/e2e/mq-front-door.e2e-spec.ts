// SPDX-License-Identifier: Apache-2.0
/**
 * The MQ front door: ISO 20022 messages from the inbound queue take the same ingress path as POST /v1/inbox
 * (validation, duplicates, storage) for MQ_CLIENT_ID; refused ones go to the inbound dead-letter queue with
 * the reason in headers and a pacs.002 RJCT on the outbound queue; every status report is published to the
 * outbound queue. Against the RabbitMQ broker on AMQP_URL, with the simulator as the host over AMQP.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { AmqpHeader, STATUS_HEADER } from '#adapters/amqp';
import { Iso20022Codec } from '#iso20022';
import { AMQP_URL, amqpNames, deleteTopology, queueDepths } from '../support/amqp.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

const names = amqpNames('frontdoor');
let sim: NodeProcess | null = null;
let gw: NodeProcess | null = null;
let conn: ChannelModel;
let ch: Channel;
let codec: Iso20022Codec;

afterAll(async () => {
  await conn?.close().catch(() => undefined);
  await gw?.kill();
  await sim?.kill();
  if (!process.env.KEEP_QUEUES) await deleteTopology(names).catch(() => undefined);
});

/** The next message on a queue (polling basic.get), acked. */
async function next(queue: string, timeoutMs = 20_000): Promise<GetMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await ch.get(queue, { noAck: true });
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`nothing on ${queue} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const send = (body: string, messageId?: string) =>
  ch.sendToQueue(names.inboundQueue, Buffer.from(body), {
    persistent: true,
    contentType: 'application/xml',
    ...(messageId ? { messageId } : {}),
  });
const header = (m: GetMessage, name: string) => m.properties.headers?.[name] as string | undefined;

beforeAll(async () => {
  codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
  const shared = { HOST_TRANSPORT: 'amqp', ...names.env };
  sim = await startSimulator(shared);
  gw = await startGateway({ ...shared, DATA_DIR: tempDir('mq-front-door'), MQ_CLIENT_ID: 'bank-a', HOST_TIMEOUT_MS: '1000' });
  conn = await connect(AMQP_URL);
  ch = await conn.createChannel();
});

it('takes a payment from the inbound queue for MQ_CLIENT_ID and publishes its pacs.002 to the outbound queue', async () => {
  const uetr = randomUUID();
  const body = buildPacs008({ uetr, msgId: 'MQ-OK-1', endToEndId: 'E2E-MQ-1' });
  send(body);
  const out = await next(names.outboundQueue);
  const id = header(out, AmqpHeader.TRANSACTION_ID)!;
  expect(header(out, STATUS_HEADER)).toBe('ACSC');
  expect(header(out, AmqpHeader.UETR)).toBe(uetr);
  expect(out.properties.messageId).toBe(`${id}:ACSC`);
  expect(codec.readPacs002(codec.parse(out.content.toString()))).toMatchObject({
    originalMsgId: 'MQ-OK-1',
    originalUetr: uetr,
    status: 'ACSC',
  });

  // The payment belongs to MQ_CLIENT_ID: its token reads it, another client's does not.
  const tx = await waitForTerminal(gw!.url, await tokenFor(gw!.url, 'bank-a'), id);
  expect(tx).toMatchObject({ status: 'ACSC', uetr });
  const other = await fetch(`${gw!.url}/v1/transactions/${id}`, {
    headers: { authorization: `Bearer ${await tokenFor(gw!.url, 'bank-b')}` },
  });
  expect(other.status).toBe(404);
  const outbox = await fetch(`${gw!.url}/v1/transactions/${id}/outbox`, {
    headers: { authorization: `Bearer ${await tokenFor(gw!.url, 'bank-a')}` },
  });
  expect(await outbox.text()).toBe(out.content.toString());

  // The same message again (a redelivery, or the bank sending it twice) is an idempotent replay: nothing new.
  send(body);
  // A message with a UUID message-id takes it as its transaction id.
  const chosen = randomUUID();
  send(buildPacs008({ msgId: 'MQ-OK-2' }), chosen);
  const second = await next(names.outboundQueue);
  expect(header(second, AmqpHeader.TRANSACTION_ID)).toBe(chosen);
  const stats = (await (await fetch(`${sim!.url}/stats`)).json()) as { unique: number };
  expect(stats.unique).toBe(2);
});

it('parks a payment whose host answer is late in PDNG, and applies the late answer when it comes', async () => {
  const faults = (change: object) =>
    fetch(`${sim!.url}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change) });
  // The host decides at once but holds its answer for 3 s; the gateway waits 1 s (HOST_TIMEOUT_MS).
  await faults({ timeoutRate: 1, timeoutMs: 3000 });
  const before = (await (await fetch(`${sim!.url}/stats`)).json()) as { received: number };
  const id = randomUUID();
  send(buildPacs008({ msgId: 'MQ-LATE-1', creditorAccountOther: 'ACC0019999' }), id);
  const token = await tokenFor(gw!.url, 'bank-a');
  let seenPending = false;
  const deadline = Date.now() + 20_000;
  let tx: { status: string; reason: { code: string } | null; history: Array<{ status: string }> };
  for (;;) {
    tx = (await (await fetch(`${gw!.url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as typeof tx;
    if (tx.status === 'PDNG') seenPending = true;
    if (tx.status === 'RJCT' || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await faults({ timeoutRate: 0 });
  expect(seenPending).toBe(true);
  expect(tx.status).toBe('RJCT');
  expect(tx.reason?.code).toBe('AC04');
  expect(tx.history.map((h) => h.status)).toEqual(['RCVD', 'ACTC', 'ACSP', 'PDNG', 'RJCT']);
  // Applied from the reply queue: the host was asked once (the recovery sweeper re-asks only after 60 s).
  const after = (await (await fetch(`${sim!.url}/stats`)).json()) as { received: number };
  expect(after.received - before.received).toBe(1);
  const out = await next(names.outboundQueue);
  expect([header(out, AmqpHeader.TRANSACTION_ID), header(out, STATUS_HEADER)]).toEqual([id, 'RJCT']);
});

it('dead-letters a duplicate with the reason in headers and answers it with a pacs.002 RJCT DUPL', async () => {
  const uetr = randomUUID();
  send(buildPacs008({ uetr, msgId: 'MQ-DUP-1' }));
  const first = await next(names.outboundQueue);
  expect(header(first, STATUS_HEADER)).toBe('ACSC');
  const dup = buildPacs008({ uetr, msgId: 'MQ-DUP-2' });
  send(dup);
  const dead = await next(`${names.inboundQueue}.dlq`);
  expect(dead.content.toString()).toBe(dup);
  expect(header(dead, 'x-clearway-error-code')).toBe('PAYMENT.DUPLICATE');
  expect(header(dead, 'x-clearway-error-detail')).toContain('UETR');
  const rjct = await next(names.outboundQueue);
  expect(header(rjct, STATUS_HEADER)).toBe('RJCT');
  expect(codec.readPacs002(codec.parse(rjct.content.toString()))).toMatchObject({
    originalMsgId: 'MQ-DUP-2',
    status: 'RJCT',
    reasonCode: 'DUPL',
  });
});

it('dead-letters a schema-invalid message and publishes the RJCT FF01 of its stored record', async () => {
  const bad = buildPacs008({ msgId: 'MQ-BAD-1' }).replace('<ChrgBr>SHAR</ChrgBr>', '<ChrgBr>XXXX</ChrgBr>');
  send(bad);
  const dead = await next(`${names.inboundQueue}.dlq`);
  expect(header(dead, 'x-clearway-error-code')).toBe('ISO20022.SCHEMA_INVALID');
  const recordId = header(dead, 'x-clearway-transaction-id')!;
  expect(recordId).toMatch(/^[0-9a-f-]{36}$/);
  const rjct = await next(names.outboundQueue);
  expect(header(rjct, AmqpHeader.TRANSACTION_ID)).toBe(recordId);
  expect(codec.readPacs002(codec.parse(rjct.content.toString()))).toMatchObject({
    originalMsgId: 'MQ-BAD-1',
    status: 'RJCT',
    reasonCode: 'FF01',
  });
  const tx = await waitForTerminal(gw!.url, await tokenFor(gw!.url, 'bank-a'), recordId);
  expect(tx).toMatchObject({ status: 'RJCT', reason: { code: 'FF01' } });
});

it('dead-letters what is not XML at all (no report can reference it), and the process stays up', async () => {
  send('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>');
  const dead = await next(`${names.inboundQueue}.dlq`);
  expect(header(dead, 'x-clearway-error-code')).toMatch(/^ISO20022\./);
  expect((await fetch(`${gw!.url}/health/ready`)).status).toBe(200);
  // Nothing else moved: no report for it, nothing left on the way. (rabbitmqctl's counts of quorum queues lag
  // by the broker's statistics interval, so poll for a while before judging.)
  let left: Array<{ name: string; ready: number; unacked: number }> = [];
  for (let i = 0; i < 40; i++) {
    left = (await queueDepths(names.prefix)).filter((q) => q.ready || q.unacked);
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(left).toEqual([]);
  expect(await ch.checkQueue(names.outboundQueue)).toMatchObject({ messageCount: 0 });
});
