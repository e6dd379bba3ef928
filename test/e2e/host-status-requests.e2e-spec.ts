// SPDX-License-Identifier: Apache-2.0
/**
 * The built simulator process as the host of a payment whose answer was lost (issue 9 item 5, host side):
 * started with SIM_DROP_ANSWERS=1 it settles and records the payment but never answers; the gateway's adapters
 * then ask with a pacs.028 over the same transport and get the definitive answer from the host's records.
 * Over HTTP and over AMQP (the RabbitMQ broker on AMQP_URL).
 */
import { randomUUID } from 'node:crypto';
import { AmqpLegacyHost, AmqpSession, declareQueues } from '#adapters/amqp';
import { HttpLegacyHost } from '#adapters/http-host';
import { HostUnavailableError, statusRequestKey, type HostMessage, type LegacyHost } from '#application';
import { Iso20022Codec } from '#iso20022';
import { amqpNames, deleteTopology } from '../support/amqp.js';
import { statusRequest } from '../support/host-reports.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startSimulator, type NodeProcess } from '../support/processes.js';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
let codec: Iso20022Codec;

beforeAll(async () => {
  codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
});
afterAll(() => codec.dispose());

function messages(label: string): { payment: HostMessage; inquiry: (n: number) => HostMessage; unknown: HostMessage; uetr: string } {
  const uetr = randomUUID();
  const msgId = `E2ESTS-${label}-${uetr.slice(0, 8)}`;
  const base = { transactionId: randomUUID(), uetr };
  const inquiry = (n: number): HostMessage => ({
    ...base,
    idempotencyKey: statusRequestKey(uetr, n),
    messageType: 'pacs.028.001.03',
    message: statusRequest(codec, { uetr, msgId, endToEndId: null }),
  });
  const other = randomUUID();
  return {
    uetr,
    payment: { ...base, idempotencyKey: uetr, messageType: 'pacs.008.001.08', message: buildPacs008({ uetr, msgId }) },
    inquiry,
    unknown: {
      ...inquiry(1),
      uetr: other,
      idempotencyKey: statusRequestKey(other, 1),
      message: statusRequest(codec, { uetr: other, msgId: 'NEVER-SENT', endToEndId: null }),
    },
  };
}

async function stats(sim: NodeProcess): Promise<Record<string, unknown>> {
  return (await (await fetch(`${sim.url}/stats`)).json()) as Record<string, unknown>;
}

describe('over HTTP', () => {
  let sim: NodeProcess;
  beforeAll(async () => {
    sim = await startSimulator({ SIM_DROP_ANSWERS: '1' });
  });
  afterAll(() => sim?.kill());

  it('the release fails although the host settled; the status request says settled; a payment never sent is unknown', async () => {
    const host: LegacyHost = new HttpLegacyHost({ baseUrl: sim.url, codec, timeoutMs: 2000, attempts: 1, logger: quiet });
    const m = messages('HTTP');
    const err = await host.deliver(m.payment).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostUnavailableError);
    expect(await (await fetch(`${sim.url}/v1/payments/${m.uetr}`)).json()).toMatchObject({ status: 'ACSC', deliveries: 1 });
    await expect(host.requestStatus(m.inquiry(1))).resolves.toMatchObject({ kind: 'settled' });
    await expect(host.requestStatus(m.unknown)).resolves.toMatchObject({ kind: 'unknown', reasonCode: 'NOOR' });
    expect(await stats(sim)).toMatchObject({ unique: 1, answersDropped: 1, statusRequests: { received: 2, known: 1, unknown: 1 } });
  });
});

describe('over AMQP', () => {
  const names = amqpNames('hoststatus');
  let sim: NodeProcess;
  let session: AmqpSession;
  beforeAll(async () => {
    session = await AmqpSession.open({
      url: names.env.AMQP_URL,
      name: 'clearway-e2e-host-status',
      declare: (ch) => declareQueues(ch, names.deadLetterExchange, [names.requestQueue, names.replyQueue]),
      logger: quiet,
    });
    sim = await startSimulator({ HOST_TRANSPORT: 'amqp', ...names.env, SIM_DROP_ANSWERS: '1' });
  });
  afterAll(async () => {
    await sim?.kill();
    await session?.close();
    await deleteTopology(names).catch(() => undefined);
  });

  it('the release gets no answer (pending) although the host settled; the status request says settled', async () => {
    const host = new AmqpLegacyHost({ session, topology: names, codec, timeoutMs: 1500, logger: quiet });
    const m = messages('AMQP');
    await expect(host.deliver(m.payment)).resolves.toEqual({ kind: 'pending', statusReport: null });
    await expect(host.requestStatus(m.inquiry(1))).resolves.toMatchObject({ kind: 'settled' });
    await expect(host.requestStatus(m.unknown)).resolves.toMatchObject({ kind: 'unknown', reasonCode: 'NOOR' });
    expect(await stats(sim)).toMatchObject({ unique: 1, answersDropped: 1, statusRequests: { received: 2, known: 1, unknown: 1 } });
  });
});
