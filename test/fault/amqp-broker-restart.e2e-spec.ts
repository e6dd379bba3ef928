// SPDX-License-Identifier: Apache-2.0
/**
 * Broker restart: 2,000 payments come in through the inbound queue, go out to the simulated host over AMQP and
 * back, and every status report leaves on the outbound queue. In the middle of the run the broker's
 * application is stopped and started (`rabbitmqctl stop_app` / `start_app`): every connection drops, in-flight
 * deliveries return to their queues, the gateway and the simulator reconnect and redeclare. Afterwards every
 * payment is terminal with the outcome the host decided, the host decided each UETR once (GET /stats unique ==
 * 2000), every payment's pacs.002 reached the outbound queue, and no message is left in any queue, ready or
 * unacknowledged. Queue names are unique per run.
 */
import { randomUUID } from 'node:crypto';
import { AmqpSession, AmqpHeader, STATUS_HEADER } from '#adapters/amqp';
import { amqpNames, deleteTopology, queueDepths, rabbitmqctl, type QueueDepth } from '../support/amqp.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, type NodeProcess } from '../support/processes.js';

const TOTAL = Number(process.env.AMQP_FAULT_PAYMENTS ?? 2000);
const TERMINAL = ['ACSC', 'RJCT', 'CANC'];

const names = amqpNames('restart');
let sim: NodeProcess | null = null;
let gw: NodeProcess | null = null;
let client: AmqpSession | null = null;
let brokerStopped = false;

afterAll(async () => {
  if (brokerStopped) await rabbitmqctl('start_app').catch(() => undefined);
  await client?.close();
  await gw?.kill();
  await sim?.kill();
  await deleteTopology(names).catch(() => undefined);
});

const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

it(`takes ${TOTAL} payments from the inbound queue through a broker restart, each settled once and nothing left on a queue`, async () => {
  const shared = { HOST_TRANSPORT: 'amqp', ...names.env };
  sim = await startSimulator({ ...shared, SIM_LATENCY_MS: '1', SIM_LATENCY_JITTER_MS: '3' });
  gw = await startGateway({
    ...shared,
    DATA_DIR: tempDir('amqp-restart'),
    MQ_CLIENT_ID: 'bank-a',
    HOST_TIMEOUT_MS: '3000',
    RECOVERY_AFTER_SECONDS: '5',
    SWEEP_INTERVAL_MS: '1000',
  });
  const url = gw.url;

  const payments = Array.from({ length: TOTAL }, (_, i) => ({
    id: randomUUID(),
    uetr: randomUUID(),
    reject: i % 10 === 0,
    body: '',
  }));
  payments.forEach((p, i) => {
    p.body = buildPacs008({
      uetr: p.uetr,
      msgId: `AMQPRST-${i}`,
      endToEndId: `E2E-${i}`,
      ...(p.reject ? { creditorAccountOther: `ACC${String(i).padStart(6, '0')}9999` } : {}),
    });
  });

  // The test is the bank: it publishes to the inbound queue and consumes the outbound queue (reconnecting too).
  client = await AmqpSession.open({
    url: names.env.AMQP_URL,
    name: 'clearway-test-bank',
    logger: { log: () => {}, warn: () => {}, error: () => {} },
  });
  const reports = new Map<string, string>();
  let outboundMessages = 0;
  await client.consume(names.outboundQueue, 200, async (d) => {
    const tx = d.properties.headers?.[AmqpHeader.TRANSACTION_ID];
    const status = d.properties.headers?.[STATUS_HEADER];
    if (typeof tx === 'string' && typeof status === 'string') reports.set(tx, status);
    outboundMessages++;
    d.ack();
  });
  const publish = async (batch: typeof payments): Promise<void> => {
    for (let i = 0; i < batch.length; i += 100) {
      await Promise.all(
        batch
          .slice(i, i + 100)
          .map((p) =>
            client!.publish(names.inboundQueue, Buffer.from(p.body, 'utf8'), { messageId: p.id, contentType: 'application/xml' }, 60_000),
          ),
      );
    }
  };

  const half = Math.floor(TOTAL / 2);
  await publish(payments.slice(0, half));
  // Midway: some payments done, others on every queue of the path.
  await until('a first share of status reports', () => reports.size >= Math.floor(half / 3), 120_000);
  brokerStopped = true;
  await rabbitmqctl('stop_app');
  await new Promise((r) => setTimeout(r, 2000));
  await rabbitmqctl('start_app');
  brokerStopped = false;
  const atRestart = reports.size;
  // The second half goes in after the restart (the publisher waits for its reconnection).
  await publish(payments.slice(half));

  await until(`${TOTAL} status reports on the outbound queue`, () => reports.size >= TOTAL, 240_000);
  expect(atRestart).toBeLessThan(TOTAL);

  // Every payment is terminal, with the outcome the host decided, over the REST API as MQ_CLIENT_ID.
  const token = await tokenFor(url, 'bank-a');
  const wrong: string[] = [];
  for (let i = 0; i < payments.length; i += 50) {
    await Promise.all(
      payments.slice(i, i + 50).map(async (p) => {
        const res = await fetch(`${url}/v1/transactions/${p.id}`, { headers: { authorization: `Bearer ${token}` } });
        const tx = (await res.json()) as { status?: string; uetr?: string; reason?: { code: string } | null };
        const expected = p.reject ? 'RJCT' : 'ACSC';
        if (res.status !== 200 || tx.status !== expected || tx.uetr !== p.uetr || (p.reject && tx.reason?.code !== 'AC04')) {
          wrong.push(`${p.id}: HTTP ${res.status} ${tx.status}/${tx.reason?.code ?? ''}, expected ${expected}`);
        }
        if (reports.get(p.id) !== expected) wrong.push(`${p.id}: outbound report says ${reports.get(p.id)}, expected ${expected}`);
      }),
    );
  }
  expect(wrong).toEqual([]);
  expect(payments.every((p) => TERMINAL.includes(reports.get(p.id) ?? ''))).toBe(true);

  // The host decided each payment once, whatever was redelivered.
  const stats = (await (await fetch(`${sim.url}/stats`)).json()) as {
    unique: number;
    accepted: number;
    rejected: number;
    duplicates: number;
  };
  expect(stats.unique).toBe(TOTAL);
  expect(stats.accepted + stats.rejected).toBe(TOTAL);
  expect(stats.rejected).toBe(payments.filter((p) => p.reject).length);

  // Nothing left on any queue of the run: all consumed and acknowledged, nothing dead-lettered.
  let depths: QueueDepth[] = [];
  await until(
    'empty queues',
    async () => {
      depths = await queueDepths(names.prefix);
      return depths.length > 0 && depths.every((q) => q.ready === 0 && q.unacked === 0);
    },
    30_000,
  ).catch(() => undefined);
  expect(depths.map((q) => q.name).sort()).toEqual(
    [names.inboundQueue, names.outboundQueue, names.requestQueue, names.replyQueue].flatMap((q) => [q, `${q}.dlq`]).sort(),
  );
  expect(depths.filter((q) => q.ready !== 0 || q.unacked !== 0)).toEqual([]);
  console.log(
    `amqp broker restart: ${TOTAL} payments, ${atRestart} reported before the restart, ` +
      `${outboundMessages - reports.size} duplicate outbound reports, host redeliveries absorbed: ${stats.duplicates}`,
  );
}, 300_000);
