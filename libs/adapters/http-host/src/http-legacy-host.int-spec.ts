// SPDX-License-Identifier: Apache-2.0
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HostUnavailableError, type HostCallRecord, type HostMessage } from '#application';
import { Iso20022Codec, type Pacs002Input } from '#iso20022';
import { HOST_SPEC_MESSAGE, HOST_SPEC_UETR, hostReport } from '../../../../test/support/host-reports.js';
import { HttpLegacyHost, type HttpLegacyHostOptions } from './index.js';

/** A loopback HTTP server that answers each request with the next scripted handler. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Handler = (req: Seen, res: ServerResponse) => void;

const UETR = HOST_SPEC_UETR;
const MESSAGE = HOST_SPEC_MESSAGE;
const quiet = { warn: () => undefined, debug: () => undefined };

describe('HttpLegacyHost against a loopback HTTP server', () => {
  let codec: Iso20022Codec;
  let server: Server;
  let baseUrl: string;
  let script: Handler[];
  let seen: Seen[];

  const report = (status: string, reason: Pacs002Input['reason'] = null, uetr: string | null = UETR): string =>
    hostReport(codec, status, reason, uetr);
  const xml =
    (body: string, status = 200): Handler =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/xml' }).end(body);
    };
  const statusOnly =
    (status: number, headers: Record<string, string> = {}): Handler =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/problem+json', ...headers }).end('{"title":"no"}');
    };
  const late =
    (ms: number, then: Handler): Handler =>
    (req, res) => {
      setTimeout(() => {
        if (!res.destroyed) then(req, res);
      }, ms);
    };
  const delivery = (over: Partial<HostMessage> = {}): HostMessage => ({
    transactionId: '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e',
    uetr: UETR,
    idempotencyKey: UETR,
    messageType: 'pacs.008.001.08',
    message: MESSAGE,
    ...over,
  });
  const host = (over: Partial<HttpLegacyHostOptions> = {}): HttpLegacyHost =>
    new HttpLegacyHost({ baseUrl, codec, timeoutMs: 1000, backoffBaseMs: 10, backoffMaxMs: 40, logger: quiet, ...over });

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const s: Seen = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        seen.push(s);
        const handler = script.shift();
        if (handler) handler(s, res);
        else res.writeHead(500).end('unscripted');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  beforeEach(() => {
    script = [];
    seen = [];
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('asks an authHeader function before every call, so a rotated credential is used from the next call on', async () => {
    script = [xml(report('ACSC')), xml(report('ACSC'))];
    let current = 'Bearer first-credential';
    const h = host({ authHeader: async () => current });
    await h.deliver(delivery());
    current = 'Bearer rotated-credential';
    await h.deliver(delivery());
    expect(seen.map((r) => r.headers.authorization)).toEqual(['Bearer first-credential', 'Bearer rotated-credential']);
  });

  it('delivers with the idempotency headers and maps ACSC to settled', async () => {
    const body = report('ACSC');
    script = [xml(body)];
    const outcome = await host({ authHeader: 'Bearer s3cr3t' }).deliver(delivery());
    expect(outcome).toEqual({ kind: 'settled', statusReport: body });
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1/payments');
    expect(req.body).toBe(MESSAGE);
    expect(req.headers['content-type']).toMatch(/^application\/xml/);
    expect(req.headers['idempotency-key']).toBe(UETR);
    expect(req.headers['x-transaction-id']).toBe('0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e');
    expect(req.headers['x-uetr']).toBe(UETR);
    expect(req.headers['x-message-type']).toBe('pacs.008.001.08');
    expect(req.headers['authorization']).toBe('Bearer s3cr3t');
  });

  it('sends no X-UETR when the payment has none', async () => {
    script = [xml(report('ACSC', null, null))];
    await host().deliver(delivery({ uetr: null, idempotencyKey: 'tx-key-1' }));
    expect(seen[0].headers['x-uetr']).toBeUndefined();
    expect(seen[0].headers['idempotency-key']).toBe('tx-key-1');
  });

  it('maps RJCT to rejected with the reason code and text', async () => {
    const body = report('RJCT', { code: 'AC04', text: 'closed account' });
    script = [xml(body)];
    await expect(host().deliver(delivery())).resolves.toEqual({
      kind: 'rejected',
      reasonCode: 'AC04',
      reasonText: 'closed account',
      statusReport: body,
    });
  });

  it('maps ACSP to pending', async () => {
    script = [xml(report('ACSP'))];
    await expect(host().deliver(delivery())).resolves.toMatchObject({ kind: 'pending' });
  });

  it('retries a 503 with the same Idempotency-Key and then succeeds', async () => {
    script = [statusOnly(503), xml(report('ACSC'))];
    await expect(host().deliver(delivery())).resolves.toMatchObject({ kind: 'settled' });
    expect(seen).toHaveLength(2);
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual([UETR, UETR]);
    expect(seen[1].body).toBe(MESSAGE);
  });

  it('logs retries without the message body or the auth header', async () => {
    const lines: string[] = [];
    const logger = { warn: (m: string) => void lines.push(m), debug: (m: string) => void lines.push(m) };
    script = [statusOnly(503), xml(report('ACSC'))];
    await host({ logger, authHeader: 'Bearer s3cr3t' }).deliver(delivery());
    expect(lines.some((l) => l.includes('attempt 1/3') && l.includes('HTTP 503'))).toBe(true);
    for (const l of lines) {
      expect(l).not.toContain('s3cr3t');
      expect(l).not.toContain('<Document');
      expect(l).not.toContain('<?xml');
    }
  });

  it('retries after a per-attempt timeout and then succeeds', async () => {
    script = [late(1500, xml(report('ACSC'))), xml(report('ACSC'))];
    const started = Date.now();
    await expect(host({ timeoutMs: 250 }).deliver(delivery())).resolves.toMatchObject({ kind: 'settled' });
    expect(Date.now() - started).toBeLessThan(1400);
    expect(seen).toHaveLength(2);
    expect(seen[0].headers['idempotency-key']).toBe(seen[1].headers['idempotency-key']);
  });

  it('reports every call to onCall once, with its outcome: the answer, timeout when the last attempt got none, else error', async () => {
    const calls: HostCallRecord[] = [];
    const metered = host({ timeoutMs: 200, attempts: 2, onCall: (c) => calls.push(c) });
    script = [statusOnly(503), xml(report('ACSC'))];
    await expect(metered.deliver(delivery())).resolves.toMatchObject({ kind: 'settled' });
    script = [late(1000, xml(report('ACSC'))), late(1000, xml(report('ACSC')))];
    await expect(metered.deliver(delivery())).rejects.toBeInstanceOf(HostUnavailableError);
    script = [statusOnly(400)];
    await expect(metered.deliver(delivery())).rejects.toBeInstanceOf(HostUnavailableError);
    expect(calls.map((c) => [c.operation, c.outcome])).toEqual([
      ['deliver', 'settled'],
      ['deliver', 'timeout'],
      ['deliver', 'error'],
    ]);
    expect(calls[1]!.seconds).toBeGreaterThanOrEqual(0.4);
  });

  it('does not retry a permanent 400', async () => {
    script = [statusOnly(400), xml(report('ACSC'))];
    const err = await host()
      .deliver(delivery())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostUnavailableError);
    expect((err as HostUnavailableError).retryable).toBe(false);
    expect((err as Error).message).toContain('HTTP 400');
    expect(seen).toHaveLength(1);
  });

  it('throws a retryable HostUnavailableError when every attempt fails', async () => {
    script = [statusOnly(503), statusOnly(502), statusOnly(500), statusOnly(500)];
    const err = await host({ attempts: 3 })
      .deliver(delivery())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostUnavailableError);
    expect((err as HostUnavailableError).retryable).toBe(true);
    expect((err as Error).message).toMatch(/after 3 attempt\(s\): HTTP 500/);
    expect(seen).toHaveLength(3);
  });

  it('retries 408, 409 and 429 (honouring a short Retry-After)', async () => {
    script = [statusOnly(408), statusOnly(409), statusOnly(429, { 'retry-after': '0' }), xml(report('ACSC'))];
    await expect(host({ attempts: 4 }).deliver(delivery())).resolves.toMatchObject({ kind: 'settled' });
    expect(seen).toHaveLength(4);
  });

  it('gives up at once, retryable, when Retry-After is long', async () => {
    script = [statusOnly(503, { 'retry-after': '120' }), xml(report('ACSC'))];
    const err = await host()
      .deliver(delivery())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HostUnavailableError', retryable: true });
    expect((err as Error).message).toContain('retry after 120 s');
    expect(seen).toHaveLength(1);
  });

  it('treats an unreadable 200 as a retryable failure without hammering the host', async () => {
    script = [xml('<not-a-report/>'), xml(report('ACSC'))];
    const err = await host()
      .deliver(delivery())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HostUnavailableError', retryable: true });
    expect(seen).toHaveLength(1);
  });

  it('refuses a report about another payment', async () => {
    script = [xml(report('ACSC', null, 'eb6305c9-1f7f-49de-aed0-16487c27b42d'))];
    await expect(host().deliver(delivery())).rejects.toMatchObject({ retryable: true });
  });

  it('retries connection failures and reports them as retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await host({ baseUrl: `http://127.0.0.1:${port}` })
      .deliver(delivery())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HostUnavailableError', retryable: true });
    expect((err as Error).message).toContain('ECONNREFUSED');
    // every attempt failed before a connection: nothing was sent, so a routed payment may move on
    expect((err as HostUnavailableError).nothingSent).toBe(true);
  });

  it('reports "maybe sent" when any attempt reached the host (an error status, a timeout)', async () => {
    script = [statusOnly(503), statusOnly(503)];
    const answered = await host({ attempts: 2 })
      .deliver(delivery())
      .catch((e: unknown) => e);
    expect(answered).toMatchObject({ name: 'HostUnavailableError', nothingSent: false });
    script = [late(1000, xml(report('ACSC')))];
    const timedOut = await host({ attempts: 1, timeoutMs: 100 })
      .deliver(delivery())
      .catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ name: 'HostUnavailableError', nothingSent: false });
  });

  it('pings GET /health', async () => {
    script = [(_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')];
    await expect(host().ping()).resolves.toBeUndefined();
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/health' });
    script = [statusOnly(503)];
    await expect(host().ping()).rejects.toBeInstanceOf(HostUnavailableError);
    script = [late(800, statusOnly(200))];
    await expect(host({ pingTimeoutMs: 100 }).ping()).rejects.toThrow(/within 100 ms/);
  });

  describe('cancellations and returns', () => {
    const cancellation = (over: Partial<HostMessage> = {}): HostMessage =>
      delivery({
        idempotencyKey: `${UETR}:cancel`,
        messageType: 'camt.056.001.08',
        message: '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.056.001.08"/>',
        ...over,
      });
    const paymentReturn = (over: Partial<HostMessage> = {}): HostMessage =>
      delivery({
        idempotencyKey: `${UETR}:return`,
        messageType: 'pacs.004.001.09',
        message: '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.004.001.09"/>',
        ...over,
      });

    it('posts a return to /v1/returns with the same headers, retries as deliver does, and maps ACSC to accepted', async () => {
      const body = report('ACSC');
      script = [statusOnly(503), statusOnly(429, { 'retry-after': '0' }), xml(body)];
      const outcome = await host({ authHeader: 'Bearer s3cr3t' }).deliverReturn(paymentReturn());
      expect(outcome).toEqual({ kind: 'accepted', statusReport: body });
      expect(seen.map((r) => r.url)).toEqual(['/v1/returns', '/v1/returns', '/v1/returns']);
      for (const req of seen) {
        expect(req.headers['idempotency-key']).toBe(`${UETR}:return`);
        expect(req.headers['x-message-type']).toBe('pacs.004.001.09');
        expect(req.headers['x-uetr']).toBe(UETR);
        expect(req.headers['x-transaction-id']).toBe('0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e');
        expect(req.headers['authorization']).toBe('Bearer s3cr3t');
      }
    });

    it('maps a rejected return, and a pacs.002 about another payment is unusable', async () => {
      script = [xml(report('RJCT', { code: 'AC04', text: 'closed account' }))];
      expect(await host().deliverReturn(paymentReturn())).toMatchObject({
        kind: 'rejected',
        reasonCode: 'AC04',
        reasonText: 'closed account',
      });
      script = [xml(report('ACSC', null, 'eb6305c9-1f7f-49de-aed0-16487c27b42d'))];
      const err = await host()
        .deliverReturn(paymentReturn())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostUnavailableError);
      expect((err as Error).message).toMatch(/return .* unusable/);
    });

    it('posts a cancellation to /v1/cancellations; 202 without a body is pending; 4xx is final', async () => {
      script = [xml('', 202)];
      expect(await host().requestCancellation(cancellation())).toEqual({ kind: 'pending', resolution: null });
      expect(seen[0]).toMatchObject({
        url: '/v1/cancellations',
        headers: expect.objectContaining({ 'idempotency-key': `${UETR}:cancel`, 'x-message-type': 'camt.056.001.08' }),
      });
      script = [statusOnly(400)];
      const err = await host()
        .requestCancellation(cancellation())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostUnavailableError);
      expect((err as HostUnavailableError).retryable).toBe(false);
      expect(seen).toHaveLength(2);
    });

    it('a cancellation answered by something that is not a camt.029 is unusable, and a long Retry-After ends the call', async () => {
      script = [xml(report('ACSC'))];
      await expect(host().requestCancellation(cancellation())).rejects.toThrow(/not a valid camt\.029/);
      script = [statusOnly(503, { 'retry-after': '120' }), xml('', 202)];
      const err = await host()
        .requestCancellation(cancellation())
        .catch((e: unknown) => e);
      expect((err as HostUnavailableError).retryable).toBe(true);
      expect((err as Error).message).toMatch(/retry after 120 s/);
    });
  });
  describe('status requests (pacs.028)', () => {
    const inquiry = (n = 1, over: Partial<HostMessage> = {}): HostMessage =>
      delivery({
        idempotencyKey: `${UETR}:status:${n}`,
        messageType: 'pacs.028.001.03',
        message: '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.028.001.03"/>',
        ...over,
      });

    it('posts the pacs.028 to /v1/status-requests with the idempotency headers, retrying as deliver does, and reads a settled payment', async () => {
      const body = report('ACSC');
      script = [statusOnly(503), xml(body)];
      await expect(host({ authHeader: 'Bearer s3cr3t' }).requestStatus(inquiry(2))).resolves.toEqual({
        kind: 'settled',
        statusReport: body,
      });
      expect(seen.map((r) => r.url)).toEqual(['/v1/status-requests', '/v1/status-requests']);
      for (const req of seen) {
        expect(req.method).toBe('POST');
        expect(req.body).toContain('pacs.028.001.03');
        expect(req.headers).toMatchObject({
          'idempotency-key': `${UETR}:status:2`,
          'x-message-type': 'pacs.028.001.03',
          'x-uetr': UETR,
          'x-transaction-id': '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e',
          authorization: 'Bearer s3cr3t',
        });
      }
    });

    it('reads a rejected and a pending payment', async () => {
      script = [xml(report('RJCT', { code: 'AC04', text: 'closed account' })), xml(report('PDNG'))];
      await expect(host().requestStatus(inquiry())).resolves.toMatchObject({
        kind: 'rejected',
        reasonCode: 'AC04',
        reasonText: 'closed account',
      });
      await expect(host().requestStatus(inquiry())).resolves.toMatchObject({ kind: 'pending' });
    });

    it('reads RJCT NOOR, with HTTP 200 or 404, as unknown: the host has no record of the payment', async () => {
      const noor = report('RJCT', { code: 'NOOR', text: 'no record' });
      script = [xml(noor, 404), xml(noor)];
      const expected = { kind: 'unknown', reasonCode: 'NOOR', reasonText: 'no record', statusReport: noor };
      await expect(host().requestStatus(inquiry())).resolves.toEqual(expected);
      await expect(host().requestStatus(inquiry())).resolves.toEqual(expected);
      expect(seen).toHaveLength(2);
    });

    it('does not take a 404 without a pacs.002 (a host without the route) for unknown, nor a 404 that says settled', async () => {
      script = [statusOnly(404), xml(report('ACSC'), 404)];
      const err = await host()
        .requestStatus(inquiry())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostUnavailableError);
      expect(err).toMatchObject({ retryable: false, message: expect.stringContaining('HTTP 404 without a pacs.002') });
      await expect(host().requestStatus(inquiry())).rejects.toMatchObject({
        retryable: true,
        message: expect.stringContaining('HTTP 404 with a pacs.002 that says settled'),
      });
      expect(seen).toHaveLength(2);
    });

    it('refuses an answer about another payment, and no answer in time is a retryable failure, never an outcome', async () => {
      script = [xml(report('ACSC', null, 'eb6305c9-1f7f-49de-aed0-16487c27b42d'))];
      await expect(host().requestStatus(inquiry())).rejects.toMatchObject({
        name: 'HostUnavailableError',
        retryable: true,
        message: expect.stringContaining('not 5b8b7e3f'),
      });
      script = [xml('', 204)];
      await expect(host().requestStatus(inquiry())).rejects.toThrow(/HTTP 204 without a status report/);
      script = [late(800, xml(report('ACSC'))), late(800, xml(report('ACSC')))];
      await expect(host({ timeoutMs: 200, attempts: 2 }).requestStatus(inquiry())).rejects.toMatchObject({
        retryable: true,
        message: expect.stringContaining('no answer within 200 ms'),
      });
    });
  });

  it('refuses a camt.029 about another payment (the rule the AMQP adapter applies too)', async () => {
    const other = codec.writeCamt029({
      assignmentId: 'HOSTCXR0001',
      creationDateTime: '2026-03-01T10:05:00Z',
      assigner: { bic: 'HOSTDEFF', clearingSystem: null, memberId: null, name: null },
      assignee: { bic: 'CLWYDEFF', clearingSystem: null, memberId: null, name: null },
      resolvedCase: null,
      status: 'CNCL',
      cancellationStatusId: null,
      original: {
        group: { msgId: 'MSG0001', msgNmId: 'pacs.008.001.08', creationDateTime: null },
        instrId: null,
        endToEndId: 'E2E0001',
        txId: null,
        uetr: 'eb6305c9-1f7f-49de-aed0-16487c27b42d',
      },
      reason: null,
      originalAmount: null,
      originalSettlementDate: null,
    });
    script = [xml(other)];
    const err = await host()
      .requestCancellation(delivery({ idempotencyKey: `${UETR}:cancel`, messageType: 'camt.056.001.08' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostUnavailableError);
    expect(err).toMatchObject({
      retryable: true,
      message: expect.stringContaining(`camt.029 is for UETR eb6305c9-1f7f-49de-aed0-16487c27b42d, not ${UETR}`),
    });
  });
});
