// SPDX-License-Identifier: Apache-2.0
import { ScreeningUnavailableError, type ScreeningRequest } from '#application';
import { TestScreeningServer } from '../../../../test/support/screening-server.js';
import { HttpScreeningService } from './index.js';

const REQUEST: ScreeningRequest = {
  transactionId: '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e',
  uetr: '5b8b7e3f-3c1f-4d8e-9a4b-2f1e0c9d8a71',
  endToEndId: 'E2E-1',
  amount: '1234.50',
  currency: 'EUR',
  debtor: { name: 'Muster Maschinenbau GmbH', country: 'DE', bic: 'CLWYDEFF' },
  creditor: { name: 'Voorbeeld Handel B.V.', country: 'NL', bic: 'CLWYNL2A' },
};

describe('HttpScreeningService against a loopback screening server', () => {
  let server: TestScreeningServer;
  const service = (timeoutMs = 500) => new HttpScreeningService({ url: server.url, timeoutMs });

  /** The error a call ends with (fails the test when the call resolves). */
  async function failure(timeoutMs = 500): Promise<ScreeningUnavailableError> {
    const err = await service(timeoutMs)
      .screen(REQUEST)
      .then(
        (v) => {
          throw new Error(`expected no verdict, got ${JSON.stringify(v)}`);
        },
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ScreeningUnavailableError);
    return err as ScreeningUnavailableError;
  }

  beforeAll(async () => {
    server = await TestScreeningServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    server.answer = null;
    server.watchList.clear();
    await server.start();
  });

  it('POSTs the payment as JSON and reads a clear verdict', async () => {
    await expect(service().screen(REQUEST)).resolves.toEqual({ kind: 'clear', reference: expect.stringMatching(/^SCR-/) });
    const call = server.calls.at(-1)!;
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers['x-transaction-id']).toBe(REQUEST.transactionId);
    expect(call.body).toEqual(REQUEST);
    expect(typeof JSON.parse(call.raw).amount).toBe('string'); // never a JSON number
  });

  it('without a tracer sends no trace headers; with one, inside its span, the headers it hands out', async () => {
    await service().screen(REQUEST);
    expect(server.calls.at(-1)!.headers['traceparent']).toBeUndefined();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const spans: Array<{ name: string; attributes: Readonly<Record<string, string>> }> = [];
    const traced = new HttpScreeningService({
      url: server.url,
      timeoutMs: 500,
      tracer: (name, attributes, call) => {
        spans.push({ name, attributes });
        return call({ traceparent, tracestate: 'vendor=1' });
      },
    });
    await expect(traced.screen(REQUEST)).resolves.toMatchObject({ kind: 'clear' });
    expect(spans).toEqual([
      {
        name: 'screening screen',
        attributes: {
          'clearway.screening.service': 'http',
          'clearway.transaction_id': REQUEST.transactionId,
          'server.address': '127.0.0.1',
        },
      },
    ]);
    const call = server.calls.at(-1)!;
    expect(call.headers['traceparent']).toBe(traceparent);
    expect(call.headers['tracestate']).toBe('vendor=1');
    expect(call.headers['x-transaction-id']).toBe(REQUEST.transactionId);
  });

  it('reads a hit with its reference and reason', async () => {
    server.watchList.add('Voorbeeld Handel B.V.');
    await expect(service().screen(REQUEST)).resolves.toEqual({
      kind: 'hit',
      reference: expect.stringMatching(/^SCR-HIT-/),
      text: 'watch-list name match',
    });
  });

  it('bounds and cleans the reference and reason the service sends', async () => {
    server.answer = () => ({ json: { result: 'hit', reference: `A\u0000B${'x'.repeat(200)}`, reason: 'line1\nline2' } });
    const verdict = await service().screen(REQUEST);
    expect(verdict.kind).toBe('hit');
    expect(verdict.reference).toMatch(/^A Bx+$/);
    expect([...verdict.reference!]).toHaveLength(64);
    expect(verdict.kind === 'hit' && verdict.text).toBe('line1 line2');
  });

  it('gives no verdict on a 5xx answer', async () => {
    server.answer = () => ({ status: 503, json: { result: 'clear' } });
    expect((await failure()).message).toBe('screening service answered HTTP 503');
  });

  it('gives no verdict on a 4xx answer or a redirect', async () => {
    server.answer = () => ({ status: 401, json: { error: 'no' } });
    expect((await failure()).message).toContain('HTTP 401');
    server.answer = () => ({ status: 302, raw: '' });
    expect((await failure()).message).toContain('HTTP 302');
  });

  it('gives no verdict on a body that is not JSON, not an object, or has no known result', async () => {
    server.answer = () => ({ raw: '<html>gateway error</html>', contentType: 'text/html' });
    expect((await failure()).message).toContain('not JSON');
    server.answer = () => ({ json: ['clear'] });
    expect((await failure()).message).toContain('not a JSON object');
    server.answer = () => ({ json: { result: 'maybe' } });
    expect((await failure()).message).toContain('no "result"');
    server.answer = () => ({ json: { reference: 'R1' } });
    expect((await failure()).message).toContain('no "result"');
  });

  it('gives no verdict when the answer does not come within the timeout', async () => {
    server.answer = () => ({ hang: true });
    expect((await failure(200)).message).toBe('no answer within 200 ms');
    server.answer = () => ({ delayMs: 1000, json: { result: 'clear' } });
    expect((await failure(200)).message).toBe('no answer within 200 ms');
  });

  it('gives no verdict when the connection is dropped or refused', async () => {
    server.answer = () => ({ destroy: true });
    expect((await failure()).message).toMatch(/network error/);
    await server.stop();
    expect((await failure()).message).toMatch(/ECONNREFUSED/);
  });

  it('gives no verdict on an answer larger than the cap', async () => {
    server.answer = () => ({ json: { result: 'clear', padding: 'x'.repeat(100_000) } });
    expect((await failure()).message).toMatch(/larger than 65536 bytes/);
  });

  it('works again once the service is back', async () => {
    await server.stop();
    await failure();
    await server.start();
    await expect(service().screen(REQUEST)).resolves.toMatchObject({ kind: 'clear' });
  });

  it('refuses a URL that is not http(s) at construction', () => {
    expect(() => new HttpScreeningService({ url: 'file:///etc/passwd' })).toThrow(/http\(s\)/);
    expect(() => new HttpScreeningService({ url: 'not a url' })).toThrow(/not a URL/);
    const withSecret = () => new HttpScreeningService({ url: 'https://user:s3cret@screening.example/v1' });
    expect(withSecret).toThrow(/must not carry credentials/);
    expect(withSecret).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
  });
});
