// SPDX-License-Identifier: Apache-2.0
import { StoreUnavailableError } from '#application';
import { ProblemException, storeUnavailableProblem } from './problem.js';
import { clientErrorResponse, frameworkProblem, oauthErrorFor } from './problem.filter.js';

describe('frameworkProblem (errors Fastify raises before routing)', () => {
  it('answers a path with bad %-encoding as 400 REQUEST.INVALID_URL', () => {
    expect(frameworkProblem({ code: 'FST_ERR_BAD_URL', message: 'bad' }, '/v1/transactions/%E0%A4%A?x=1')).toMatchObject({
      status: 400,
      code: 'REQUEST.INVALID_URL',
      instance: '/v1/transactions/%E0%A4%A',
      type: 'https://clearway.dev/problems/request-invalid-url',
    });
  });

  it('answers an over-long path parameter as 414 REQUEST.URI_TOO_LONG', () => {
    expect(frameworkProblem({ code: 'FST_ERR_MAX_PARAM_LENGTH' }, '/v1/ledger/accounts/AAAA')).toMatchObject({
      status: 414,
      title: 'URI Too Long',
      code: 'REQUEST.URI_TOO_LONG',
    });
  });

  it('answers anything else as 400 REQUEST.INVALID', () => {
    expect(frameworkProblem({ code: 'FST_ERR_ASYNC_CONSTRAINT', message: 'x' }, '/')).toMatchObject({
      status: 400,
      code: 'REQUEST.INVALID',
    });
  });
});

describe('oauthErrorFor (the token endpoint answers RFC 6749 §5.2 errors)', () => {
  const problem = (status: number, instance: string) => ({
    ...new ProblemException(status, 'REQUEST.MALFORMED', 'bad body').problem,
    instance,
  });

  it.each([400, 413, 415])('maps a refused body (%i) at POST /oauth2/token to invalid_request', (status) => {
    expect(oauthErrorFor('POST', problem(status, '/oauth2/token'))).toEqual({ error: 'invalid_request', error_description: 'bad body' });
  });

  it('leaves other paths, other methods and other statuses as problems', () => {
    expect(oauthErrorFor('POST', problem(400, '/v1/inbox'))).toBeNull();
    expect(oauthErrorFor('GET', problem(400, '/oauth2/token'))).toBeNull();
    expect(oauthErrorFor('POST', problem(404, '/oauth2/token'))).toBeNull();
    expect(oauthErrorFor('POST', problem(500, '/oauth2/token'))).toBeNull();
  });
});

describe('clientErrorResponse (requests the HTTP parser refuses)', () => {
  function parse(raw: string) {
    const [head, body] = raw.split('\r\n\r\n') as [string, string];
    const lines = head.split('\r\n');
    return { statusLine: lines[0], headers: lines.slice(1), json: JSON.parse(body) as Record<string, unknown>, body };
  }

  it('answers headers too large as a 431 REQUEST.HEADERS_TOO_LARGE problem with its exact length', () => {
    const r = parse(clientErrorResponse({ code: 'HPE_HEADER_OVERFLOW' })!);
    expect(r.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(r.headers).toContain('Content-Type: application/problem+json');
    expect(r.headers).toContain(`Content-Length: ${Buffer.byteLength(r.body)}`);
    expect(r.json).toMatchObject({ status: 431, code: 'REQUEST.HEADERS_TOO_LARGE' });
  });

  it('answers a timeout as 408 and anything else as 400, and nothing for a reset connection', () => {
    expect(parse(clientErrorResponse({ code: 'ERR_HTTP_REQUEST_TIMEOUT' })!).json).toMatchObject({ status: 408, code: 'REQUEST.TIMEOUT' });
    expect(parse(clientErrorResponse({ code: 'HPE_INVALID_METHOD' })!).json).toMatchObject({ status: 400, code: 'REQUEST.MALFORMED' });
    expect(clientErrorResponse({ code: 'ECONNRESET' })).toBeNull();
  });
});

describe('ProblemException (extensions never replace the RFC 9457 members)', () => {
  it('keeps the HTTP status when an extension is named status (a payment status such as PDNG or ACSP)', () => {
    const e = new ProblemException(400, 'OUTBOX.NOT_READY', 'no report yet', { status: 'PDNG', message: 'missing object in s3' } as never);
    expect(e.getStatus()).toBe(400);
    expect(e.problem).toMatchObject({ status: 400, code: 'OUTBOX.NOT_READY', detail: 'no report yet', message: 'missing object in s3' });
  });

  it.each(['type', 'title', 'detail', 'code'])('ignores an extension named %s', (name) => {
    const e = new ProblemException(409, 'IDEMPOTENCY.KEY_REUSED', 'reused', { [name]: 'forged' });
    expect(e.problem).toEqual({
      type: 'https://clearway.dev/problems/idempotency-key-reused',
      title: 'Conflict',
      status: 409,
      detail: 'reused',
      code: 'IDEMPOTENCY.KEY_REUSED',
    });
  });

  it('keeps every other extension', () => {
    expect(new ProblemException(404, 'X.Y', 'd', { transactionId: 't-1', errors: [{ message: 'm' }] }).problem).toMatchObject({
      transactionId: 't-1',
      errors: [{ message: 'm' }],
    });
  });
});

describe('storeUnavailableProblem (the store cannot be reached)', () => {
  it('answers 503 STORE.UNAVAILABLE with Retry-After, logs a warning, and shows no connection detail', () => {
    const warnings: string[] = [];
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED' });
    const p = storeUnavailableProblem(new StoreUnavailableError(`PostgreSQL: ${cause.message}`, { cause }), {
      warn: (m) => warnings.push(m),
    });
    expect(p.problem).toMatchObject({ status: 503, code: 'STORE.UNAVAILABLE', retryAfterSeconds: 1 });
    expect(p.headers).toEqual({ 'Retry-After': '1' });
    expect(JSON.stringify(p.problem)).not.toContain('10.0.0.7');
    expect(warnings).toEqual(['the store is unavailable: PostgreSQL: connect ECONNREFUSED 10.0.0.7:5432']);
  });
});
