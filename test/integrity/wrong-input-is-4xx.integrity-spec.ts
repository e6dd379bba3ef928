// SPDX-License-Identifier: Apache-2.0
/**
 * Issue 9, item 9: input that is merely wrong gets a clear 4xx, never a 500 and never a crash. Against the
 * BUILT gateway (npm run build) in core mode with the ledger on and a hold rule, so every edge is reachable:
 * the token endpoint (RFC 6749 §5.2 errors), the JSON bodies of decisions and the ledger admin, the ledger's
 * 2^63-1 minor-unit limit (opening, adjustment, settlement, LEDGER_OPENING_BALANCES), path and query input.
 * Every case asserts the exact status and code, then that GET /health/live still answers.
 *
 * The first case of item 9 (schema-invalid messages whose ids cannot be echoed) is covered elsewhere.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { buildPacs008, DEFAULT_CREDITOR_IBAN, DEFAULT_DEBTOR_IBAN } from '../support/pacs008.factory.js';
import { startGateway, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

/** 2^63-1 minor units in EUR (2 decimals): the largest balance the ledger keeps. */
const MAX_EUR = '92233720368547758.07';
const OVER_MAX_EUR = '92233720368547758.08';
const BANK_A = { id: 'bank-a', secret: 'bank-a-secret-0001' };

let gw: NodeProcess;
let url: string;
let operator: string; // bank-a: payments:read, write, operate
let ops: string; // ledger-ops: ledger:admin

beforeAll(async () => {
  gw = await startGateway({ DATA_DIR: tempDir('wrong-input'), MODE: 'core', LEDGER_ENABLED: 'true', HOLD_AMOUNT_ABOVE: '1000' });
  url = gw.url;
  operator = await tokenFor(url, 'bank-a');
  ops = await tokenFor(url, 'ledger-ops');
}, 60_000);

afterAll(async () => {
  await gw?.kill();
});

/** After every case: the gateway is still up and answering. */
afterEach(async () => {
  expect(gw.running).toBe(true);
  const live = await fetch(`${url}/health/live`);
  expect(live.status).toBe(200);
});

async function problem(res: Response, status: number, code: string): Promise<{ errors?: { path?: string; message: string }[] }> {
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status });
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = JSON.parse(text) as { status: number; code: string; type: string; title: string; detail: string };
  expect(body).toMatchObject({ status, code });
  expect(typeof body.type).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body as never;
}

async function oauthError(res: Response, status: number, error: string): Promise<void> {
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status });
  expect(JSON.parse(text)).toMatchObject({ error });
  expect(res.headers.get('cache-control')).toBe('no-store');
}

const basic = (raw: string) => `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;
const GOOD_BASIC = basic(`${BANK_A.id}:${BANK_A.secret}`);

function tokenRequest(form: string, authorization?: string): Promise<Response> {
  return fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: form,
  });
}

function postJson(path: string, body: string, token = operator): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
}

function putAccount(id: string, body: string): Promise<Response> {
  return fetch(`${url}/v1/ledger/accounts/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ops}` },
    body,
  });
}

async function balanceOf(id: string): Promise<string> {
  const res = await fetch(`${url}/v1/ledger/accounts/${id}`, { headers: { authorization: `Bearer ${ops}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { balance: string }).balance;
}

async function submit(amount: string): Promise<string> {
  const res = await fetch(`${url}/v1/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', authorization: `Bearer ${operator}` },
    body: buildPacs008({ amount }),
  });
  if (res.status !== 202) throw new Error(`inbox answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { transactionId: string }).transactionId;
}

async function held(): Promise<string> {
  const id = await submit('5000.00'); // above HOLD_AMOUNT_ABOVE: waits in PDNG for a decision
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await fetch(`${url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${operator}` } });
    const status = ((await res.json()) as { status: string }).status;
    if (status === 'PDNG') return id;
    if (Date.now() > deadline) throw new Error(`transaction ${id} is ${status}, not held`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('POST /oauth2/token: RFC 6749 §5.2 errors, never a 500', () => {
  it.each(['bank-a:%E0%A4%A', '%zz:bank-a-secret-0001', 'bank-a:%'])(
    'bad %%-encoding in Basic credentials (%s): 401 invalid_client with WWW-Authenticate Basic',
    async (raw) => {
      const res = await tokenRequest('grant_type=client_credentials', basic(raw));
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="clearway"');
      await oauthError(res, 401, 'invalid_client');
    },
  );

  it.each([
    ['grant_type twice', 'grant_type=client_credentials&grant_type=client_credentials', GOOD_BASIC],
    ['scope twice', 'grant_type=client_credentials&scope=payments:read&scope=payments:write', GOOD_BASIC],
    ['client_id twice', `grant_type=client_credentials&client_id=bank-a&client_id=bank-a&client_secret=${BANK_A.secret}`, undefined],
  ])('%s: 400 invalid_request (a parameter must not be sent more than once)', async (_what, form, authorization) => {
    await oauthError(await tokenRequest(form, authorization), 400, 'invalid_request');
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('scope=%s: 400 invalid_scope', async (scope) => {
    await oauthError(await tokenRequest(`grant_type=client_credentials&scope=${scope}`, GOOD_BASIC), 400, 'invalid_scope');
  });

  it.each([
    ['a JSON body with a non-string scope', 'application/json', '{"grant_type":"client_credentials","scope":{"a":1}}'],
    ['a JSON body that is an array', 'application/json', '["client_credentials"]'],
    ['a JSON body that is not JSON', 'application/json', '{"grant_type":'],
    ['a form with __proto__', 'application/x-www-form-urlencoded', 'grant_type=client_credentials&__proto__=x'],
  ])('%s: 400 invalid_request in RFC 6749 form, not a problem or a 500', async (_what, type, body) => {
    const res = await fetch(`${url}/oauth2/token`, { method: 'POST', headers: { 'content-type': type, authorization: GOOD_BASIC }, body });
    expect(res.headers.get('content-type')).toContain('application/json');
    await oauthError(res, 400, 'invalid_request');
  });

  it('still issues a token for a well-formed request afterwards', async () => {
    const res = await tokenRequest('grant_type=client_credentials&scope=rp2/read', GOOD_BASIC);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: 'Bearer', scope: 'rp2/read' });
  });
});

describe('decision bodies: non-string JSON fields are a 400 naming the field', () => {
  it.each([
    ['{"reason":{"code":123}}', 'REQUEST.INVALID_BODY', 'reason'],
    ['{"reason":{"code":"AM04","text":{}}}', 'REQUEST.INVALID_BODY', 'reason'],
    ['{"reason":["x"]}', 'REQUEST.INVALID_BODY', 'reason'],
    ['{"reason":7}', 'REQUEST.INVALID_BODY', 'reason'],
    ['{"reasonCode":123}', 'REQUEST.INVALID_REASON_CODE', 'reasonCode'],
    ['{"reasonCode":["AM04"]}', 'REQUEST.INVALID_REASON_CODE', 'reasonCode'],
    ['{"reasonCode":null}', 'REQUEST.INVALID_REASON_CODE', 'reasonCode'],
    ['[]', 'REQUEST.INVALID_BODY', ''],
    ['"x"', 'REQUEST.INVALID_BODY', ''],
  ])('reject with %s: 400 %s naming "%s"', async (body, code, path) => {
    const p = await problem(await postJson(`/v1/transactions/${randomUUID()}/reject`, body), 400, code);
    expect(p.errors).toEqual([expect.objectContaining({ path })]);
  });

  it.each(['{"reason":"a\\u0001b"}', '{"reason":"\\ud800"}'])(
    'reject of a held payment with a narrative XML cannot carry (%s): 400 REQUEST.INVALID_BODY, the payment stays held',
    async (body) => {
      const id = await held();
      const p = await problem(await postJson(`/v1/transactions/${id}/reject`, body), 400, 'REQUEST.INVALID_BODY');
      expect(p.errors).toEqual([expect.objectContaining({ path: 'reason' })]);
      const tx = await fetch(`${url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${operator}` } });
      expect(((await tx.json()) as { status: string }).status).toBe('PDNG');
    },
  );

  it('cancel and return read their bodies the same way', async () => {
    for (const action of ['cancel', 'return']) {
      const p = await problem(
        await postJson(`/v1/transactions/${randomUUID()}/${action}`, '{"reason":{"code":123}}'),
        400,
        'REQUEST.INVALID_BODY',
      );
      expect(p.errors).toEqual([expect.objectContaining({ path: 'reason' })]);
    }
  });
});

describe('ledger admin: wrong JSON fields are a 400 naming the field', () => {
  it.each([
    ['{"balance":100,"currency":"EUR"}', 'balance'],
    ['{"balance":"1.00","currency":{}}', 'currency'],
    ['{"balance":null,"currency":"EUR"}', 'balance'],
    ['{"balance":["1.00"],"currency":"EUR"}', 'balance'],
    ['{"currency":"EUR"}', 'balance'],
    ['[]', ''],
    ['null', ''],
  ])('PUT %s: 400 LEDGER.INVALID_ACCOUNT naming "%s"', async (body, path) => {
    const p = await problem(await putAccount('ACC-FIELDS', body), 400, 'LEDGER.INVALID_ACCOUNT');
    expect(p.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });
});

describe('the ledger keeps at most 2^63-1 minor units: 422 LEDGER.AMOUNT_TOO_LARGE, not a 500', () => {
  it('opening an account over the limit: 422, and no account is opened', async () => {
    const p = await problem(
      await putAccount('ACC-OVER', JSON.stringify({ balance: OVER_MAX_EUR, currency: 'EUR' })),
      422,
      'LEDGER.AMOUNT_TOO_LARGE',
    );
    expect(p.errors).toEqual([expect.objectContaining({ path: 'balance' })]);
    const read = await fetch(`${url}/v1/ledger/accounts/ACC-OVER`, { headers: { authorization: `Bearer ${ops}` } });
    await problem(read, 404, 'LEDGER.ACCOUNT_NOT_FOUND');
  });

  it('an adjustment over the limit: 422, and the balance stays; exactly the limit is taken', async () => {
    expect((await putAccount('ACC-ADJ', JSON.stringify({ balance: '1.00', currency: 'EUR' }))).status).toBe(201);
    await problem(await putAccount('ACC-ADJ', JSON.stringify({ balance: OVER_MAX_EUR, currency: 'EUR' })), 422, 'LEDGER.AMOUNT_TOO_LARGE');
    expect(await balanceOf('ACC-ADJ')).toBe('1.00');
    expect((await putAccount('ACC-ADJ', JSON.stringify({ balance: MAX_EUR, currency: 'EUR' }))).status).toBe(200);
    expect(await balanceOf('ACC-ADJ')).toBe(MAX_EUR);
  });

  it('a settlement that would take the creditor over the limit is refused (RJCT AM02), no money moves', async () => {
    const nearlyFull = '92233720368547758.00'; // 1.00 more would be 0.93 over
    expect([200, 201]).toContain((await putAccount(DEFAULT_DEBTOR_IBAN, JSON.stringify({ balance: '100.00', currency: 'EUR' }))).status);
    expect([200, 201]).toContain(
      (await putAccount(DEFAULT_CREDITOR_IBAN, JSON.stringify({ balance: nearlyFull, currency: 'EUR' }))).status,
    );
    const id = await submit('1.00');
    const tx = await waitForTerminal(url, operator, id);
    expect(tx).toMatchObject({ status: 'RJCT', reason: { code: 'AM02' } });
    expect(await balanceOf(DEFAULT_DEBTOR_IBAN)).toBe('100.00');
    expect(await balanceOf(DEFAULT_CREDITOR_IBAN)).toBe(nearlyFull);
    // and a payment within the limit still settles
    const ok = await submit('0.07');
    expect(await waitForTerminal(url, operator, ok)).toMatchObject({ status: 'ACSC' });
    expect(await balanceOf(DEFAULT_CREDITOR_IBAN)).toBe('92233720368547758.07');
  }, 60_000);

  it('LEDGER_OPENING_BALANCES over the limit: the gateway refuses to start with a configuration error (exit 2), no crash', async () => {
    const started = startGateway({
      DATA_DIR: tempDir('wrong-input-seed'),
      MODE: 'core',
      LEDGER_OPENING_BALANCES: JSON.stringify({ DE89370400440532013000: `${OVER_MAX_EUR} EUR` }),
    });
    const error = (await started.then(
      async (p) => {
        await p.kill();
        return new Error('the gateway started');
      },
      (e: unknown) => e as Error,
    )) as Error;
    expect(error.message).toContain('process exited with 2 before it was ready');
    expect(error.message).toContain('clearway: configuration error: LEDGER_OPENING_BALANCES["DE89370400440532013000"]');
    expect(error.message).toContain('LEDGER.AMOUNT_TOO_LARGE');
  }, 60_000);
});

describe('path and query input', () => {
  it('a path with bad %-encoding: 400 REQUEST.INVALID_URL as a problem', async () => {
    await problem(
      await fetch(`${url}/v1/transactions/%E0%A4%A`, { headers: { authorization: `Bearer ${operator}` } }),
      400,
      'REQUEST.INVALID_URL',
    );
  });

  it('a path parameter longer than Fastify takes: 414 REQUEST.URI_TOO_LONG as a problem', async () => {
    await problem(
      await fetch(`${url}/v1/ledger/accounts/${'A'.repeat(300)}`, { headers: { authorization: `Bearer ${ops}` } }),
      414,
      'REQUEST.URI_TOO_LONG',
    );
  });

  it.each(['0', '-1', 'Tue Mar 05 2024'])('GET /v1/transactions?from=%s (not ISO 8601): 400 REQUEST.INVALID_QUERY', async (from) => {
    const res = await fetch(`${url}/v1/transactions?from=${encodeURIComponent(from)}`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    await problem(res, 400, 'REQUEST.INVALID_QUERY');
  });

  it('GET /v1/transactions?from=1900-01-01T00:00:00Z (before any payment): 200, read as the epoch', async () => {
    const res = await fetch(`${url}/v1/transactions?from=1900-01-01T00:00:00Z&to=1969-01-01`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [], nextCursor: null });
  });

  // These already answered 4xx before this suite; they stay here as regression guards.
  it.each([
    ['/v1/transactions?limit=abc', 400, 'REQUEST.INVALID_QUERY'],
    ['/v1/transactions?limit=1&limit=2', 400, 'REQUEST.INVALID_QUERY'],
    ['/v1/transactions?from=notadate', 400, 'REQUEST.INVALID_QUERY'],
    ['/v1/transactions?from=2020-01-01&from=2021-01-01', 400, 'REQUEST.INVALID_QUERY'],
    ['/v1/transactions?status=ACSC&status=RJCT', 400, 'REQUEST.INVALID_QUERY'],
    ['/v1/transactions?cursor=garbage', 400, 'REQUEST.INVALID_QUERY'],
    ['/v1/transactions?cursor=W251bGwsbnVsbF0', 400, 'REQUEST.INVALID_QUERY'],
    ['/v1/transactions/not-a-uuid', 404, 'TRANSACTION.NOT_FOUND'],
    [`/v1/transactions/${randomUUID()}/outbox?type=a&type=b`, 400, 'REQUEST.INVALID_QUERY'],
  ])('GET %s: %i %s', async (path, status, code) => {
    await problem(await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${operator}` } }), status, code);
  });

  it('AWS-compat routes: a JSON object instead of XML, and a non-UUID X-Transaction-Id, are 400 problems', async () => {
    const inbox = await fetch(`${url}/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}`, 'x-transaction-id': randomUUID() },
      body: '{"message":{"not":"xml"}}',
    });
    await problem(inbox, 400, 'REQUEST.EMPTY_BODY');
    const outbox = await fetch(`${url}/outbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}`, 'x-transaction-id': '{"a":1}' },
      body: '{"transaction_id":[1]}',
    });
    await problem(outbox, 400, 'REQUEST.INVALID_TRANSACTION_ID');
  });

  it('oversize headers: 431 REQUEST.HEADERS_TOO_LARGE as a problem, the gateway stays up', async () => {
    const res = await fetch(`${url}/v1/transactions`, { headers: { authorization: `Bearer ${operator}`, 'x-big': 'a'.repeat(20_000) } });
    await problem(res, 431, 'REQUEST.HEADERS_TOO_LARGE');
  });

  it('a request that is not HTTP: 400 REQUEST.MALFORMED as a problem, the gateway stays up', async () => {
    const { port } = new URL(url);
    const raw = await new Promise<string>((resolve, reject) => {
      let data = '';
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(raw).toContain('Content-Type: application/problem+json');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, code: 'REQUEST.MALFORMED' });
  });
});
