// SPDX-License-Identifier: Apache-2.0
/**
 * Integrity regressions of issue 9, items 1 and 2, through the MQ front door (RabbitMQ on AMQP_URL): a second
 * body under an AMQP `message-id` that names an existing transaction is dead-lettered, never reaches the host,
 * and never makes the outbound queue (or the outbox) report RJCT for that transaction; neither does a
 * schema-invalid body under a settled payment's message-id.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { AmqpHeader, STATUS_HEADER } from '#adapters/amqp';
import { AMQP_URL, amqpNames, deleteTopology } from '../support/amqp.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { RecordingProxy } from '../support/recording-proxy.js';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

const names = amqpNames('integrity-mq');
let sim: NodeProcess;
let proxy: RecordingProxy;
let gw: NodeProcess;
let conn: ChannelModel;
let ch: Channel;
let token: string;
/** Everything taken from the outbound queue so far. */
const outbound: GetMessage[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  proxy = await RecordingProxy.start(sim.url);
  gw = await startGateway({
    ...names.env,
    DATA_DIR: tempDir('integrity-mq'),
    LEGACY_HOST_URL: proxy.url,
    MQ_CLIENT_ID: 'bank-a',
    HOLD_AMOUNT_ABOVE: '1000',
  });
  conn = await connect(AMQP_URL);
  ch = await conn.createChannel();
  token = await tokenFor(gw.url, 'bank-a');
});

afterAll(async () => {
  await conn?.close().catch(() => undefined);
  await gw?.kill();
  await proxy?.stop();
  await sim?.kill();
  await deleteTopology(names).catch(() => undefined);
});

const send = (body: string, messageId: string) =>
  ch.sendToQueue(names.inboundQueue, Buffer.from(body), { persistent: true, contentType: 'application/xml', messageId });
const header = (m: GetMessage, name: string) => m.properties.headers?.[name] as string | undefined;

async function next(queue: string, timeoutMs = 20_000): Promise<GetMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await ch.get(queue, { noAck: true });
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`nothing on ${queue} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Takes what the outbound queue holds now (after a moment for in-flight publishes). */
async function drainOutbound(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000));
  for (let m = await ch.get(names.outboundQueue, { noAck: true }); m; m = await ch.get(names.outboundQueue, { noAck: true }))
    outbound.push(m);
}

async function tx(id: string): Promise<{ status: string; hold: unknown }> {
  return (await (await fetch(`${gw.url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    status: string;
    hold: unknown;
  };
}

it('a second body under an existing message-id is dead-lettered and never reaches the host; a schema-invalid one never reports RJCT for it', async () => {
  const id = randomUUID();
  const uetr = randomUUID();
  const first = buildPacs008({ uetr, amount: '6000.00' });
  send(first, id);
  for (let t = await tx(id).catch(() => null); t?.status !== 'PDNG'; t = await tx(id).catch(() => null))
    await new Promise((r) => setTimeout(r, 100));

  send(buildPacs008({ uetr, amount: '950000.00', creditorIban: 'GB29NWBK60161331926819' }), id);
  const dead = await next(`${names.inboundQueue}.dlq`);
  expect(header(dead, 'x-clearway-error-code')).toBe('IDEMPOTENCY.KEY_REUSED');

  const accept = await fetch(`${gw.url}/v1/transactions/${id}/accept`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(accept.status).toBe(202);
  expect(await waitForTerminal(gw.url, token, id)).toMatchObject({ status: 'ACSC' });
  expect(proxy.bodiesTo('/v1/payments').filter((b) => b.includes(uetr))).toEqual([first]);

  // a schema-invalid body under the settled payment's message-id
  send(buildPacs008({ uetr }).replace('<ChrgBr>SHAR</ChrgBr>', '<ChrgBr>XXXX</ChrgBr>'), id);
  const deadAgain = await next(`${names.inboundQueue}.dlq`);
  expect(header(deadAgain, 'x-clearway-error-code')).toBe('IDEMPOTENCY.KEY_REUSED');

  await drainOutbound();
  const aboutIt = outbound.filter((m) => header(m, AmqpHeader.TRANSACTION_ID) === id);
  expect(aboutIt.map((m) => header(m, STATUS_HEADER))).toEqual(['ACSC']);
  expect(outbound.filter((m) => m.properties.messageId === `${id}:RJCT`)).toEqual([]);
  const report = await fetch(`${gw.url}/v1/transactions/${id}/outbox`, { headers: { authorization: `Bearer ${token}` } });
  expect(await report.text()).toContain('<TxSts>ACSC</TxSts>');
});
