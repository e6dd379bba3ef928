// SPDX-License-Identifier: Apache-2.0
/**
 * The operator API (/v1/operator, scope `operator`) end to end: the built gateway and the built simulator, two
 * clients' payments, a client token refused, lookups across clients, a dead-lettered payment listed, re-driven dry
 * (nothing changes) and for real once the host is back.
 */
import { randomUUID } from 'node:crypto';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

let sim: NodeProcess;
let gw: NodeProcess;
let url: string;
let operator: string;
const tokens: Record<string, string> = {};

async function call(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer, checked field by field below
  return { status: res.status, type: res.headers.get('content-type'), json: (text ? JSON.parse(text) : null) as Record<string, any> };
}

async function submit(client: string) {
  const ref = { msgId: `M${randomUUID().slice(0, 30)}`, endToEndId: `E${randomUUID().slice(0, 30)}`, uetr: randomUUID() };
  const res = await fetch(`${url}/v1/inbox`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[client]}`, 'content-type': 'application/xml' },
    body: buildPacs008({ ...ref, amount: '100.00' }),
  });
  const body = (await res.json()) as { transactionId: string };
  if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(body)}`);
  return { id: body.transactionId, ...ref };
}

const faults = (change: object) =>
  fetch(`${sim.url}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change) });

async function eventually<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  sim = await startSimulator();
  gw = await startGateway({
    DATA_DIR: tempDir('operator'),
    LEGACY_HOST_URL: sim.url,
    HOST_ATTEMPTS: '1',
    JOB_MAX_ATTEMPTS: '2',
    // the recovery sweeper must not re-drive the dead-lettered payment before the operator does
    RECOVERY_AFTER_SECONDS: '3600',
  });
  url = gw.url;
  operator = await tokenFor(url, 'operator');
  tokens['bank-a'] = await tokenFor(url, 'bank-a');
  tokens['bank-b'] = await tokenFor(url, 'bank-b');
});

afterAll(async () => {
  await faults({ down: false }).catch(() => undefined);
  await gw?.kill();
  await sim?.kill();
});

describe('operator API', () => {
  it("refuses a client's token (403 problem) and finds each client's payment by UETR, MsgId and EndToEndId", async () => {
    const a = await submit('bank-a');
    const b = await submit('bank-b');
    await waitForTerminal(url, tokens['bank-a']!, a.id);
    await waitForTerminal(url, tokens['bank-b']!, b.id);

    for (const path of [
      '/v1/operator/dead-letters',
      `/v1/operator/payments?uetr=${a.uetr}`,
      '/v1/operator/queue',
      '/v1/operator/payments/stuck',
    ]) {
      const r = await call(tokens['bank-a']!, 'GET', path);
      expect(r.status).toBe(403);
      expect(r.type).toContain('application/problem+json');
      expect(r.json.code).toBe('AUTH.INSUFFICIENT_SCOPE');
    }
    expect((await call(tokens['bank-a']!, 'POST', '/v1/operator/redrive', { deadLettered: true, dryRun: true })).status).toBe(403);
    // and the operator token reads no client's own endpoints
    expect((await call(operator, 'GET', `/v1/transactions/${a.id}`)).status).toBe(403);

    for (const [p, client] of [
      [a, 'bank-a'],
      [b, 'bank-b'],
    ] as const) {
      for (const q of [`uetr=${p.uetr.toUpperCase()}`, `msgId=${p.msgId}`, `endToEndId=${p.endToEndId}`]) {
        const r = await call(operator, 'GET', `/v1/operator/payments?${q}`);
        expect(r.status).toBe(200);
        expect(r.json.items).toEqual([expect.objectContaining({ transactionId: p.id, clientId: client, status: 'ACSC' })]);
      }
    }
    const none = await call(operator, 'GET', `/v1/operator/payments?uetr=${randomUUID()}`);
    expect(none.json.items).toEqual([]);
    const bad = await call(operator, 'GET', `/v1/operator/payments?uetr=${a.uetr}&msgId=${a.msgId}`);
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('REQUEST.INVALID_QUERY');
    expect((await call(operator, 'GET', '/v1/operator/dead-letters?cursor=nonsense')).status).toBe(400);
    expect((await call(operator, 'POST', '/v1/operator/redrive', { transactionIds: ['x'] })).status).toBe(400);
  });

  it("lists every client's payments in cursor pages, filtered by status and time, and refuses a client's token", async () => {
    const since = new Date().toISOString();
    const a = await submit('bank-a');
    const b = await submit('bank-b');
    await waitForTerminal(url, tokens['bank-a']!, a.id);
    await waitForTerminal(url, tokens['bank-b']!, b.id);

    const refused = await call(tokens['bank-a']!, 'GET', '/v1/operator/payments');
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe('AUTH.INSUFFICIENT_SCOPE');

    // one payment a page: the two newest first, each with its client
    const first = await call(operator, 'GET', `/v1/operator/payments?since=${encodeURIComponent(since)}&limit=1`);
    expect(first.status).toBe(200);
    expect(first.json.items).toEqual([expect.objectContaining({ transactionId: b.id, clientId: 'bank-b', status: 'ACSC' })]);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const second = await call(
      operator,
      'GET',
      `/v1/operator/payments?since=${encodeURIComponent(since)}&limit=1&cursor=${first.json.nextCursor}`,
    );
    expect(second.json.items).toEqual([expect.objectContaining({ transactionId: a.id, clientId: 'bank-a', status: 'ACSC' })]);
    if (second.json.nextCursor) {
      const third = await call(
        operator,
        'GET',
        `/v1/operator/payments?since=${encodeURIComponent(since)}&limit=1&cursor=${second.json.nextCursor}`,
      );
      expect(third.json.items).toEqual([]);
    }

    // every client's settled payments include both; a status or a range that matches none answers none
    const all = await call(operator, 'GET', '/v1/operator/payments?status=ACSC&limit=500');
    expect((all.json.items as { transactionId: string }[]).map((t) => t.transactionId)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect((await call(operator, 'GET', `/v1/operator/payments?status=RJCT&since=${encodeURIComponent(since)}`)).json).toEqual({
      items: [],
      nextCursor: null,
    });
    const until = await call(operator, 'GET', `/v1/operator/payments?until=${encodeURIComponent(since)}&status=ACSC&limit=500`);
    expect((until.json.items as { transactionId: string }[]).map((t) => t.transactionId)).not.toContain(a.id);

    for (const q of ['status=DONE', 'since=yesterday', 'limit=501', 'cursor=nonsense', `uetr=${a.uetr}&status=ACSC`]) {
      const bad = await call(operator, 'GET', `/v1/operator/payments?${q}`);
      expect([q, bad.status, bad.json.code]).toEqual([
        q,
        400,
        expect.stringMatching(/^(REQUEST\.INVALID_QUERY|PAGINATION\.INVALID_CURSOR)$/),
      ]);
    }
  });

  it('lists a dead-lettered payment, re-drives it dry without changing anything, then for real once the host is back', async () => {
    await faults({ down: true });
    const p = await submit('bank-b');
    const listed = await eventually('the payment in the dead-letter list', async () => {
      const r = await call(operator, 'GET', '/v1/operator/dead-letters');
      expect(r.status).toBe(200);
      return (r.json.items as { transactionId: string }[]).find((d) => d.transactionId === p.id) ?? null;
    });
    expect(listed).toMatchObject({
      jobType: 'payment.release',
      attempts: 2,
      clientId: 'bank-b',
      reason: expect.any(String),
      at: expect.any(String),
    });
    const queue = await call(operator, 'GET', '/v1/operator/queue');
    expect(queue.json.counts.dead).toBeGreaterThanOrEqual(1);
    expect(queue.json.backlog).toEqual(expect.objectContaining({ queued: expect.any(Number), inflight: expect.any(Number) }));
    const before = await call(tokens['bank-b']!, 'GET', `/v1/transactions/${p.id}`);

    await faults({ down: false });
    const dry = await call(operator, 'POST', '/v1/operator/redrive', { deadLettered: true, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.json.dryRun).toBe(true);
    expect(dry.json.items).toContainEqual({ transactionId: p.id, outcome: 'redriven', via: 'dead-letter', jobType: 'payment.release' });
    // nothing changed: still dead-lettered, the payment as it was
    await new Promise((r) => setTimeout(r, 1_000));
    const stillDead = await call(operator, 'GET', '/v1/operator/dead-letters');
    expect((stillDead.json.items as { transactionId: string }[]).map((d) => d.transactionId)).toContain(p.id);
    expect((await call(tokens['bank-b']!, 'GET', `/v1/transactions/${p.id}`)).json).toEqual(before.json);

    const real = await call(operator, 'POST', '/v1/operator/redrive', { transactionIds: [p.id] });
    expect(real.json).toMatchObject({ dryRun: false, redriven: 1, skipped: 0 });
    const done = await waitForTerminal(url, tokens['bank-b']!, p.id, 30_000);
    expect(done.status).toBe('ACSC');
    expect(done.decisions).toContainEqual(expect.objectContaining({ action: 'redrive', by: 'operator:operator' }));
    const after = await call(operator, 'GET', '/v1/operator/dead-letters');
    expect((after.json.items as { transactionId: string }[]).map((d) => d.transactionId)).not.toContain(p.id);
    // settled: nothing left to re-drive
    const again = await call(operator, 'POST', '/v1/operator/redrive', { transactionIds: [p.id] });
    expect(again.json.items).toEqual([{ transactionId: p.id, outcome: 'skipped', reason: expect.stringContaining('nothing to re-drive') }]);
  });
});
