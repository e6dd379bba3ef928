// SPDX-License-Identifier: Apache-2.0
/**
 * The MQ front door under admission control (ADR 0014), against the RabbitMQ broker on AMQP_URL: when the
 * gateway's backlog passes ADMISSION_MAX_WAIT_SECONDS it stops taking inbound messages. They wait on the
 * inbound queue, ready, and none is dead-lettered. Consumption resumes by itself, and every message becomes
 * a settled payment.
 */
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { AMQP_URL, amqpNames, deleteTopology, queueDepths } from '../support/amqp.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, type NodeProcess } from '../support/processes.js';

const names = amqpNames('admission');
/** At most this many messages are sent. */
const MESSAGES = 1000;
let sim: NodeProcess | null = null;
let gw: NodeProcess | null = null;
let conn: ChannelModel;
let ch: Channel;

beforeAll(async () => {
  // the host over HTTP, slow, and one worker: the backlog builds at once
  sim = await startSimulator({ SIM_LATENCY_MS: '60' });
  gw = await startGateway({
    ...names.env,
    DATA_DIR: tempDir('mq-admission'),
    LEGACY_HOST_URL: sim.url,
    MQ_CLIENT_ID: 'bank-a',
    MQ_PREFETCH: '4',
    WORKER_CONCURRENCY: '1',
    ADMISSION_MAX_WAIT_SECONDS: '2',
    SLA_SECONDS: '300',
  });
  conn = await connect(AMQP_URL);
  ch = await conn.createChannel();
}, 60_000);

afterAll(async () => {
  await conn?.close().catch(() => undefined);
  await gw?.kill();
  await sim?.kill();
  if (!process.env.KEEP_QUEUES) await deleteTopology(names).catch(() => undefined);
});

it('pauses the inbound queue while the door is closed, dead-letters nothing, and takes every message once it opens', async () => {
  const monitor = await tokenFor(gw!.url, 'monitor');
  const admissionOpen = async () => {
    const text = await (await fetch(`${gw!.url}/metrics`, { headers: { authorization: `Bearer ${monitor}` } })).text();
    return Number(/^clearway_admission_open (\d)$/m.exec(text)?.[1]);
  };
  let sent = 0;
  const send = (n: number) => {
    for (let i = 0; i < n; i++, sent++) {
      const body = buildPacs008({ msgId: `MQ-ADM-${sent}`, endToEndId: `E2E-ADM-${sent}` });
      ch.sendToQueue(names.inboundQueue, Buffer.from(body), { persistent: true, contentType: 'application/xml' });
    }
  };

  // About 100 messages a second, several times what one worker settles: the door closes, and the messages sent
  // after that wait, ready, on the inbound queue; the consumer holds no more than its prefetch.
  let pausedWithWaiting = false;
  const closeBy = Date.now() + 60_000;
  while (!pausedWithWaiting && Date.now() < closeBy && sent < MESSAGES) {
    send(20);
    await new Promise((r) => setTimeout(r, 200));
    if ((await admissionOpen()) === 0) {
      const inbound = (await queueDepths(names.prefix)).find((q) => q.name === names.inboundQueue);
      pausedWithWaiting = (inbound?.ready ?? 0) > 0 && (inbound?.unacked ?? 0) <= 4;
    }
  }
  expect(pausedWithWaiting).toBe(true);

  // Every message ends as one payment at the host; the inbound queue empties and nothing was dead-lettered.
  const doneBy = Date.now() + 150_000;
  let unique = 0;
  while (Date.now() < doneBy) {
    unique = ((await (await fetch(`${sim!.url}/stats`)).json()) as { unique: number }).unique;
    if (unique >= sent) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(unique).toBe(sent);
  // the broker's queue counts are refreshed every few seconds (its stats interval): read until they settle
  let depths = await queueDepths(names.prefix);
  const depth = (name: string) => depths.find((q) => q.name === name);
  const emptyBy = Date.now() + 20_000;
  while (Date.now() < emptyBy && (depth(names.inboundQueue)?.ready !== 0 || depth(names.inboundQueue)?.unacked !== 0)) {
    await new Promise((r) => setTimeout(r, 500));
    depths = await queueDepths(names.prefix);
  }
  expect(depth(names.inboundQueue)).toMatchObject({ ready: 0, unacked: 0 });
  expect(depth(`${names.inboundQueue}.dlq`)?.ready ?? 0).toBe(0);
  // and the door opens again by itself once the backlog has drained
  const openBy = Date.now() + 60_000;
  while ((await admissionOpen()) !== 1 && Date.now() < openBy) await new Promise((r) => setTimeout(r, 500));
  expect(await admissionOpen()).toBe(1);
}, 300_000);
