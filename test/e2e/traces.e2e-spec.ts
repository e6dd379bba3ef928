// SPDX-License-Identifier: Apache-2.0
/**
 * Traces end to end (issue 13 point 3, ADR 0017): the built gateway with OTEL_EXPORTER_OTLP_ENDPOINT pointing at
 * a collector in this test (OTLP/HTTP, JSON), the built simulator as its HTTP host. One payment submitted with a
 * W3C `traceparent` is one trace: the inbox's server span is its child, the pipeline steps and the host call
 * follow (a screening call among them, whose service gets the traceparent too), and the host receives (and the
 * simulator shows) a traceparent of that same trace. A payment sent on the inbound queue with a `traceparent`
 * header is one trace the same way, from the MQ delivery's consumer span. With tracing off, nothing is propagated.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AMQP_URL, amqpNames, deleteTopology } from '../support/amqp.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';
import { TestScreeningServer } from '../support/screening-server.js';

interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  serviceName: string | undefined;
  attributes: Record<string, unknown>;
}

/** OTLP/JSON ids are hex; a collector may also meet base64 ones (the protobuf JSON mapping): both read as hex. */
const hex = (id: string | undefined): string =>
  !id ? '' : /^[0-9a-f]*$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
const valueOf = (v: OtlpValue): unknown => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.boolValue);
const attributesOf = (list: OtlpAttribute[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));

/** A minimal OTLP/HTTP receiver: every span of every `POST /v1/traces` (JSON), and the content types it got. */
class Collector {
  readonly spans: CollectedSpan[] = [];
  readonly contentTypes = new Set<string>();
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces') {
          this.contentTypes.add(String(req.headers['content-type']));
          this.take(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private take(body: {
    resourceSpans?: Array<{
      resource?: { attributes?: OtlpAttribute[] };
      scopeSpans?: Array<{
        spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[] }>;
      }>;
    }>;
  }): void {
    for (const rs of body.resourceSpans ?? []) {
      const serviceName = attributesOf(rs.resource?.attributes)['service.name'] as string | undefined;
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            traceId: hex(s.traceId),
            spanId: hex(s.spanId),
            parentSpanId: hex(s.parentSpanId),
            name: s.name,
            kind: s.kind,
            serviceName,
            attributes: attributesOf(s.attributes),
          });
        }
      }
    }
  }

  /** The spans of one trace once those named have all arrived. */
  async trace(traceId: string, names: string[], timeoutMs = 20_000): Promise<CollectedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const spans = this.spans.filter((s) => s.traceId === traceId);
      if (names.every((n) => spans.some((s) => s.name === n))) return spans;
      if (Date.now() > deadline) {
        throw new Error(`trace ${traceId}: wanted ${names.join(', ')}; got ${spans.map((s) => s.name).join(', ') || 'nothing'}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}

/** OTLP span kinds. */
const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

const collector = new Collector();
let screening: TestScreeningServer;
let sim: NodeProcess;
let gw: NodeProcess;

async function submit(baseUrl: string, uetr: string, traceparent: string | null): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/inbox`, {
    method: 'POST',
    headers: {
      'content-type': 'application/xml',
      authorization: `Bearer ${await tokenFor(baseUrl, 'bank-a')}`,
      ...(traceparent ? { traceparent } : {}),
    },
    body: buildPacs008({ uetr }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { transactionId: string }).transactionId;
}

const traceIdOfHeader = (traceparent: string | null) => /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(traceparent ?? '')?.[1];

async function hostRecord(uetr: string, host = sim): Promise<{ status: string; traceparent: string | null }> {
  const res = await fetch(`${host.url}/v1/payments/${uetr}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; traceparent: string | null };
}

beforeAll(async () => {
  await collector.start();
  screening = await TestScreeningServer.start();
  sim = await startSimulator();
  gw = await startGateway({
    DATA_DIR: tempDir('traces'),
    LEGACY_HOST_URL: sim.url,
    SCREENING_URL: screening.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_SERVICE_NAME: 'clearway-e2e',
    OTEL_BSP_SCHEDULE_DELAY: '200',
  });
});

afterAll(async () => {
  await gw?.kill();
  await sim?.kill();
  await screening?.stop();
  await collector.stop();
});

it('one payment is one trace from the incoming traceparent through the inbox, the queue, the steps and the host', async () => {
  const traceId = randomUUID().replace(/-/g, '');
  const callerSpanId = traceId.slice(0, 16);
  const uetr = randomUUID();
  const id = await submit(gw.url, uetr, `00-${traceId}-${callerSpanId}-01`);
  const tx = await waitForTerminal(gw.url, await tokenFor(gw.url, 'bank-a'), id);
  expect(tx.status).toBe('ACSC');

  // The host got a traceparent of the caller's trace, naming the gateway's host call span as its parent.
  const host = await hostRecord(uetr);
  expect(host.status).toBe('ACSC');
  const [, hostTraceId, hostParentId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(host.traceparent ?? '') ?? [];
  expect(hostTraceId).toBe(traceId);

  const spans = await collector.trace(traceId, [
    'POST /v1/inbox',
    'store.create',
    'job payment.process',
    'job payment.release',
    'host payment',
  ]);
  const byName = (name: string) => spans.find((s) => s.name === name)!;
  expect(collector.contentTypes).toEqual(new Set(['application/json']));
  expect(spans.every((s) => s.serviceName === 'clearway-e2e')).toBe(true);

  const inbox = byName('POST /v1/inbox');
  expect(inbox).toMatchObject({ kind: SERVER, parentSpanId: callerSpanId });
  expect(inbox.attributes).toMatchObject({ 'http.route': '/v1/inbox', 'http.response.status_code': 202 });
  expect(byName('store.create').parentSpanId).toBe(inbox.spanId);

  // The first step is a child of the request (its job carried the request's traceparent through the queue),
  // the release a child of the first step, the host call a child of the release.
  const processStep = byName('job payment.process');
  const release = byName('job payment.release');
  expect(processStep).toMatchObject({ kind: CONSUMER, parentSpanId: inbox.spanId });
  expect(processStep.attributes).toMatchObject({ 'clearway.transaction_id': id, 'clearway.job.attempt': 1 });
  expect(release).toMatchObject({ kind: CONSUMER, parentSpanId: processStep.spanId });
  const call = byName('host payment');
  expect(call).toMatchObject({ kind: CLIENT, parentSpanId: release.spanId, spanId: hostParentId });
  expect(call.attributes).toMatchObject({ 'clearway.transaction_id': id, 'clearway.host': 'http' });
  // Store calls of the steps are in the trace too (reads and the conditional writes).
  expect(spans.filter((s) => s.name === 'store.update').length).toBeGreaterThanOrEqual(2);

  // The screening call is a client span of the first step, and the screening service got its traceparent.
  const screen = (await collector.trace(traceId, ['screening screen'])).find((s) => s.name === 'screening screen')!;
  expect(screen).toMatchObject({ kind: CLIENT, parentSpanId: processStep.spanId });
  expect(screen.attributes).toMatchObject({ 'clearway.transaction_id': id, 'clearway.screening.service': 'http' });
  const [screened] = screening.callsFor(id);
  expect(screened?.headers['traceparent']).toBe(`00-${traceId}-${screen.spanId}-01`);
});

it('a payment submitted without a traceparent starts a trace of its own that still reaches the host', async () => {
  const uetr = randomUUID();
  const id = await submit(gw.url, uetr, null);
  await waitForTerminal(gw.url, await tokenFor(gw.url, 'bank-a'), id);
  const host = await hostRecord(uetr);
  const traceId = /^00-([0-9a-f]{32})-/.exec(host.traceparent ?? '')?.[1];
  expect(traceId).toBeDefined();
  const spans = await collector.trace(traceId!, ['POST /v1/inbox', 'host payment']);
  expect(spans.find((s) => s.name === 'POST /v1/inbox')!.parentSpanId).toBe('');
});

it('with tracing off nothing is propagated: the host gets no traceparent, not even the incoming one', async () => {
  const off = await startGateway({ DATA_DIR: tempDir('traces-off'), LEGACY_HOST_URL: sim.url });
  try {
    const uetr = randomUUID();
    const traceId = randomUUID().replace(/-/g, '');
    const id = await submit(off.url, uetr, `00-${traceId}-${traceId.slice(16)}-01`);
    expect((await waitForTerminal(off.url, await tokenFor(off.url, 'bank-a'), id)).status).toBe('ACSC');
    expect(await hostRecord(uetr)).toMatchObject({ status: 'ACSC', traceparent: null });
    expect(collector.spans.some((s) => s.traceId === traceId)).toBe(false);
  } finally {
    await off.kill();
  }
});

it('over the AMQP host the traceparent travels as a message header and the simulator records it', async () => {
  const names = amqpNames('traces');
  const shared = { HOST_TRANSPORT: 'amqp', ...names.env };
  const amqpSim = await startSimulator(shared);
  const amqpGw = await startGateway({
    ...shared,
    DATA_DIR: tempDir('traces-amqp'),
    MQ_CLIENT_ID: 'bank-a',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_BSP_SCHEDULE_DELAY: '200',
  });
  try {
    const traceId = randomUUID().replace(/-/g, '');
    const uetr = randomUUID();
    const id = await submit(amqpGw.url, uetr, `00-${traceId}-${traceId.slice(0, 16)}-01`);
    expect((await waitForTerminal(amqpGw.url, await tokenFor(amqpGw.url, 'bank-a'), id)).status).toBe('ACSC');
    const host = await hostRecord(uetr, amqpSim);
    const [, hostTraceId, hostParentId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(host.traceparent ?? '') ?? [];
    expect(hostTraceId).toBe(traceId);
    const spans = await collector.trace(traceId, ['POST /v1/inbox', 'job payment.release', 'host payment']);
    const call = spans.find((s) => s.name === 'host payment')!;
    expect(call).toMatchObject({
      kind: CLIENT,
      spanId: hostParentId,
      parentSpanId: spans.find((s) => s.name === 'job payment.release')!.spanId,
    });
    expect(call.attributes).toMatchObject({ 'clearway.host': 'amqp', 'clearway.transaction_id': id });

    // A payment sent on the inbound queue with a traceparent header: the delivery's consumer span is its child,
    // and the payment's steps and host call continue that trace.
    const mqTraceId = randomUUID().replace(/-/g, '');
    const senderSpanId = mqTraceId.slice(16);
    const mqUetr = randomUUID();
    const mqId = randomUUID();
    const conn = await connect(AMQP_URL);
    try {
      const ch = await conn.createConfirmChannel();
      ch.sendToQueue(names.inboundQueue, Buffer.from(buildPacs008({ uetr: mqUetr })), {
        persistent: true,
        contentType: 'application/xml',
        messageId: mqId,
        headers: { traceparent: `00-${mqTraceId}-${senderSpanId}-01` },
      });
      await ch.waitForConfirms();
    } finally {
      await conn.close();
    }
    expect((await waitForTerminal(amqpGw.url, await tokenFor(amqpGw.url, 'bank-a'), mqId)).status).toBe('ACSC');
    expect(traceIdOfHeader((await hostRecord(mqUetr, amqpSim)).traceparent)).toBe(mqTraceId);
    const receive = `mq receive ${names.inboundQueue}`;
    const mqSpans = await collector.trace(mqTraceId, [receive, 'store.create', 'job payment.process', 'host payment']);
    const delivery = mqSpans.find((s) => s.name === receive)!;
    expect(delivery).toMatchObject({ kind: CONSUMER, parentSpanId: senderSpanId });
    expect(delivery.attributes).toMatchObject({
      'messaging.destination.name': names.inboundQueue,
      'clearway.delivery_id': mqId,
      'clearway.transaction_id': mqId,
      'clearway.mq.outcome': 'accepted',
    });
    expect(mqSpans.find((s) => s.name === 'store.create')!.parentSpanId).toBe(delivery.spanId);
    expect(mqSpans.find((s) => s.name === 'job payment.process')!.parentSpanId).toBe(delivery.spanId);
  } finally {
    await amqpGw.kill();
    await amqpSim.kill();
    await deleteTopology(names).catch(() => undefined);
  }
});
