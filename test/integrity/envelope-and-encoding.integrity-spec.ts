// SPDX-License-Identifier: Apache-2.0
/**
 * Issue 9, items 6 and 10, over real HTTP and AMQP against the built gateway (dist/) and the built simulator.
 *
 * - Envelope smuggling: content beside the one AppHdr and the one Document of an envelope (a second Document
 *   for 4,000,000.00 EUR, a Document deeper in the envelope, xi:include, another element) is refused with a
 *   problem carrying ISO20022.ENVELOPE_INVALID, nothing is stored and the host receives nothing of it.
 * - Bytes, not lossy strings: invalid UTF-8, overlong sequences, a declared ISO-8859-1 and UTF-16 are refused
 *   with ISO20022.INVALID_ENCODING / ISO20022.UNSUPPORTED_ENCODING (never replaced by U+FFFD and accepted,
 *   never "too deep").
 * - The MQ front door dead-letters the same messages with the code in `x-clearway-error-code`.
 * - A legitimate envelope reaches the host byte for byte as it was validated: a recording proxy between the
 *   gateway and the simulator keeps the exact bytes of every host call.
 *
 * Needs `npm run build` first and RabbitMQ on AMQP_URL (default amqp://127.0.0.1:5672).
 */
import { randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { AMQP_URL, amqpNames, deleteTopology } from '../support/amqp.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

const SLOW = 120_000;
const names = amqpNames('envelope');
const REFUSAL_CODE = 'x-clearway-error-code';

let sim: NodeProcess;
let gw: NodeProcess;
let proxy: Server;
let url: string;
let token: string;
let conn: ChannelModel;
let ch: Channel;

/** Every call the gateway made to the host, with the exact bytes of its body. */
const hostCalls: { method: string; path: string; body: Buffer }[] = [];

/** A proxy in front of the simulator that records each request's bytes before passing it on. */
function startRecordingProxy(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      hostCalls.push({ method: req.method ?? '', path: req.url ?? '', body });
      const to = new URL(req.url ?? '/', target);
      const upstream = request(to, { method: req.method, headers: { ...req.headers, host: to.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** A valid pacs.008 in an envelope with an AppHdr, with a non-ASCII debtor name (multi-byte UTF-8). */
function legitEnvelope(uetr = randomUUID()): string {
  return buildPacs008({ uetr, amount: '6000.00', appHeader: 'head.001.001.02' }).replace('Muster Maschinenbau', 'Müller Maschinenbau 北京');
}

/** The Document of another payment: 4,000,000.00 EUR to another creditor. */
function evilDocument(): string {
  const xml = buildPacs008({ amount: '4000000.00', creditorIban: 'GB33BUKB20201555555555', msgId: 'SMUGGLED-4M' });
  return xml.slice(xml.indexOf('<Document'), xml.indexOf('</Document>') + '</Document>'.length);
}

/** The legitimate envelope with `extra` inserted before its end tag. */
const smuggle = (extra: string): string => legitEnvelope().replace('</Envelope>', `${extra}\n</Envelope>`);

const SMUGGLED: [string, () => Buffer][] = [
  ['a second Document for 4,000,000.00 EUR beside the validated one', () => utf8(smuggle(evilDocument()))],
  ['an unvalidated Document deeper in the envelope', () => utf8(smuggle(`<Payload><Extra>${evilDocument()}</Extra></Payload>`))],
  [
    'xi:include in the envelope',
    () => utf8(smuggle('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="http://evil.example/4000000.00-EUR.xml"/>')),
  ],
  ['another element beside the Document', () => utf8(smuggle('<Instruction>pay 4000000.00 EUR to GB33BUKB20201555555555</Instruction>'))],
];

/** UTF-16LE with a byte order mark. */
function utf16le(s: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);
}

/** The name `Müller` with `ü` as `bytes`, in an otherwise valid UTF-8 message. */
function withNameBytes(bytes: number[], declaration = '<?xml version="1.0" encoding="UTF-8"?>'): Buffer {
  const xml = buildPacs008({ appHeader: 'head.001.001.02' }).replace('<?xml version="1.0" encoding="UTF-8"?>', declaration);
  const [before, after] = xml.split('Muster') as [string, string];
  return Buffer.concat([utf8(before), utf8('M'), Buffer.from(bytes), utf8('ller'), utf8(after)]);
}

const BADLY_ENCODED: [string, () => Buffer, number, string][] = [
  ['invalid UTF-8 (a Latin-1 byte, no declaration of it)', () => withNameBytes([0xfc]), 400, 'ISO20022.INVALID_ENCODING'],
  ['an overlong UTF-8 sequence (C1 B5 for "u")', () => withNameBytes([0xc1, 0xb5]), 400, 'ISO20022.INVALID_ENCODING'],
  [
    'an overlong "<" (C0 BC)',
    () => Buffer.concat([utf8(buildPacs008()), Buffer.from([0xc0, 0xbc]), utf8('Document/>')]),
    400,
    'ISO20022.INVALID_ENCODING',
  ],
  [
    'ISO-8859-1 declared (and used)',
    () => latin1(buildPacs008().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace('Muster', 'Müller')),
    415,
    'ISO20022.UNSUPPORTED_ENCODING',
  ],
  [
    'UTF-16 (little-endian, byte order mark)',
    () => utf16le(buildPacs008().replace('encoding="UTF-8"', 'encoding="UTF-16"')),
    415,
    'ISO20022.UNSUPPORTED_ENCODING',
  ],
];

async function post(path: string, body: Buffer, headers: Record<string, string>) {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { unparsable: text };
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', json };
}

const inbox = (body: Buffer, id: string, contentType = 'application/xml') =>
  post('/v1/inbox', body, { 'content-type': contentType, 'x-transaction-id': id });

async function transactionStatus(id: string): Promise<number> {
  return (await fetch(`${url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${token}` } })).status;
}

async function transactionCount(): Promise<number> {
  const res = await fetch(`${url}/v1/transactions?limit=200`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { items: unknown[] }).items.length;
}

/** Host calls whose body holds `needle` (as UTF-8). */
const hostCallsWith = (needle: string) => hostCalls.filter((c) => c.body.includes(utf8(needle)));

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

beforeAll(async () => {
  sim = await startSimulator();
  proxy = await startRecordingProxy(sim.url);
  gw = await startGateway({
    DATA_DIR: tempDir('envelope'),
    LEGACY_HOST_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    // Every queue name of this run (also the host request/reply queues the gateway declares when AMQP_URL is
    // set), so that nothing is declared under the default names and the clean-up removes all of it.
    ...names.env,
    MQ_CLIENT_ID: 'bank-a',
  });
  url = gw.url;
  token = await tokenFor(url, 'bank-a');
  conn = await connect(AMQP_URL);
  ch = await conn.createChannel();
}, SLOW);

afterAll(async () => {
  await conn?.close().catch(() => undefined);
  await gw?.kill();
  await sim?.kill();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  await deleteTopology(names).catch(() => undefined);
}, SLOW);

describe('a legitimate envelope', () => {
  it(
    'reaches the host byte for byte as it was sent and validated (REST)',
    async () => {
      const uetr = randomUUID();
      const sent = utf8(legitEnvelope(uetr));
      const id = randomUUID();
      const res = await inbox(sent, id);
      expect(res.status).toBe(202);
      expect(await waitForTerminal(url, token, id)).toMatchObject({ status: 'ACSC', uetr });
      const calls = hostCallsWith(uetr);
      expect(calls.length).toBeGreaterThanOrEqual(1);
      for (const call of calls) expect(call.body.equals(sent)).toBe(true);
    },
    SLOW,
  );

  it(
    'reaches the host byte for byte from the MQ front door as well',
    async () => {
      const uetr = randomUUID();
      const sent = utf8(legitEnvelope(uetr));
      const id = randomUUID();
      ch.sendToQueue(names.inboundQueue, sent, { persistent: true, contentType: 'application/xml', messageId: id });
      expect(await waitForTerminal(url, token, id, 30_000)).toMatchObject({ status: 'ACSC', uetr });
      const calls = hostCallsWith(uetr);
      expect(calls.length).toBeGreaterThanOrEqual(1);
      for (const call of calls) expect(call.body.equals(sent)).toBe(true);
    },
    SLOW,
  );
});

describe('envelope smuggling (item 6)', () => {
  it.each(SMUGGLED)(
    'POST /v1/inbox refuses %s: 422 ISO20022.ENVELOPE_INVALID, nothing stored',
    async (_name, body) => {
      const before = await transactionCount();
      const id = randomUUID();
      const res = await inbox(body(), id);
      expect(res.status).toBe(422);
      expect(res.contentType).toMatch(/^application\/problem\+json/);
      expect(res.json).toMatchObject({ status: 422, code: 'ISO20022.ENVELOPE_INVALID' });
      expect(await transactionStatus(id)).toBe(404);
      expect(await transactionCount()).toBe(before);
    },
    SLOW,
  );

  it(
    'POST /inbox (AWS guidance, XML sent as application/json) refuses a second Document the same way',
    async () => {
      const id = randomUUID();
      const res = await post('/inbox', SMUGGLED[0]![1](), { 'content-type': 'application/json', 'x-transaction-id': id });
      expect(res.status).toBe(422);
      expect(res.json).toMatchObject({ code: 'ISO20022.ENVELOPE_INVALID', error_code: 'ISO20022.ENVELOPE_INVALID', transaction_id: id });
      expect(await transactionStatus(id)).toBe(404);
    },
    SLOW,
  );
});

describe('bytes, not lossy strings (item 10)', () => {
  it.each(BADLY_ENCODED)(
    'POST /v1/inbox refuses %s with a clear problem, nothing stored',
    async (_name, body, status, code) => {
      const id = randomUUID();
      const res = await inbox(body(), id);
      expect(res.json).toMatchObject({ status, code });
      expect(res.status).toBe(status);
      expect(String(res.json.detail)).toMatch(/UTF-8/);
      expect(String(res.json.detail)).not.toMatch(/deep/);
      expect(await transactionStatus(id)).toBe(404);
    },
    SLOW,
  );

  it(
    'POST /v1/inbox refuses a Content-Type charset other than UTF-8 (415)',
    async () => {
      const id = randomUUID();
      const res = await inbox(utf8(legitEnvelope()), id, 'application/xml; charset=iso-8859-1');
      expect(res.json).toMatchObject({ status: 415, code: 'ISO20022.UNSUPPORTED_ENCODING' });
      expect(await transactionStatus(id)).toBe(404);
    },
    SLOW,
  );

  it(
    'POST /inbox (AWS guidance) refuses UTF-16 sent as application/json with the encoding, not a JSON error',
    async () => {
      const id = randomUUID();
      const res = await post('/inbox', BADLY_ENCODED[4]![1](), { 'content-type': 'application/json', 'x-transaction-id': id });
      expect(res.status).toBe(415);
      expect(res.json).toMatchObject({ code: 'ISO20022.UNSUPPORTED_ENCODING', error_code: 'ISO20022.UNSUPPORTED_ENCODING' });
      const invalid = await post('/inbox', BADLY_ENCODED[0]![1](), { 'content-type': 'application/xml', 'x-transaction-id': randomUUID() });
      expect(invalid.status).toBe(400);
      expect(invalid.json).toMatchObject({ code: 'ISO20022.INVALID_ENCODING' });
    },
    SLOW,
  );
});

describe('the MQ front door', () => {
  it(
    'dead-letters smuggled envelopes and badly encoded messages with the code, stores nothing',
    async () => {
      const cases: { id: string; body: Buffer; code: string }[] = [
        ...SMUGGLED.map(([, body]) => ({ id: randomUUID(), body: body(), code: 'ISO20022.ENVELOPE_INVALID' })),
        ...BADLY_ENCODED.map(([, body, , code]) => ({ id: randomUUID(), body: body(), code })),
      ];
      for (const c of cases)
        ch.sendToQueue(names.inboundQueue, c.body, { persistent: true, contentType: 'application/xml', messageId: c.id });
      const dead = new Map<string, GetMessage>();
      while (dead.size < cases.length) {
        const m = await next(`${names.inboundQueue}.dlq`);
        dead.set(String(m.properties.messageId), m);
      }
      for (const c of cases) {
        const m = dead.get(c.id);
        expect(m?.properties.headers?.[REFUSAL_CODE]).toBe(c.code);
        expect(m?.content.equals(c.body)).toBe(true); // dead-lettered as received
        expect(await transactionStatus(c.id)).toBe(404);
      }
    },
    SLOW,
  );
});

describe('afterwards', () => {
  it(
    'the host never received anything that was refused above, nor a replacement character',
    async () => {
      // A refused message that had been stored would be released within a second or two: give it that time.
      await new Promise((r) => setTimeout(r, 2000));
      expect(hostCalls.length).toBeGreaterThanOrEqual(2); // the two legitimate payments
      const shown = (calls: typeof hostCalls) => calls.map((c) => `${c.method} ${c.path}`);
      expect(shown(hostCallsWith('4000000.00'))).toEqual([]);
      expect(shown(hostCallsWith('SMUGGLED-4M'))).toEqual([]);
      expect(shown(hostCallsWith('XInclude'))).toEqual([]);
      expect(shown(hostCallsWith('\uFFFD'))).toEqual([]); // nothing decoded lossily
    },
    SLOW,
  );
});
