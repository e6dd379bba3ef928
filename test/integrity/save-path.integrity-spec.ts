// SPDX-License-Identifier: Apache-2.0
/**
 * Integrity regressions of issue 9 at the API edge, end to end over real HTTP: the built gateway, the built
 * simulator as the legacy host, and a recording proxy between them that shows exactly what reached the host.
 *   1. substitution: a second body under the same X-Transaction-Id never reaches the host;
 *   2. report poisoning: a refused body under an existing id writes nothing and changes no report;
 *   7. decisions through the inbox (camt.056, pacs.004) need payments:operate like the REST decisions;
 *   8. tenants can neither block nor probe each other (UETRs, transaction ids, pain.001 children);
 *   9. a schema-invalid message whose own ids cannot be echoed is a 422, not a 500.
 */
import { createHash, randomUUID } from 'node:crypto';
import { camt056For, pacs004For, pain001, type PaymentRef } from '../support/iso-messages.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { RecordingProxy } from '../support/recording-proxy.js';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

let sim: NodeProcess;
let proxy: RecordingProxy;
let gw: NodeProcess;
let bankA: string;
let bankB: string;

beforeAll(async () => {
  sim = await startSimulator();
  proxy = await RecordingProxy.start(sim.url);
  gw = await startGateway({
    DATA_DIR: tempDir('integrity-save-path'),
    LEGACY_HOST_URL: proxy.url,
    HOLD_AMOUNT_ABOVE: '1000',
    HOST_ATTEMPTS: '1',
    HOST_TIMEOUT_MS: '1000',
  });
  bankA = await tokenFor(gw.url, 'bank-a');
  bankB = await tokenFor(gw.url, 'bank-b');
});

afterAll(async () => {
  await gw?.kill();
  await proxy?.stop();
  await sim?.kill();
});

async function post(path: string, body: string, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml', ...headers },
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* XML */
  }
  return { status: res.status, json, text };
}

async function get(path: string, token = bankA) {
  const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

async function tx(id: string, token = bankA): Promise<Record<string, unknown>> {
  return JSON.parse((await get(`/v1/transactions/${id}`, token)).text) as Record<string, unknown>;
}

async function until(id: string, pred: (t: Record<string, unknown>) => boolean, token = bankA, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await tx(id, token);
    if (pred(t)) return t;
    if (Date.now() > deadline) throw new Error(`transaction ${id} did not get there: ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const setFaults = (body: Record<string, unknown>) =>
  fetch(`${sim.url}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The pacs.008 bodies that reached the host carrying this UETR. */
const deliveredWith = (uetr: string) => proxy.bodiesTo('/v1/payments').filter((b) => b.includes(`<UETR>${uetr}</UETR>`));

describe('1. substitution: the host only ever gets the message that was validated, screened and approved', () => {
  it('REST: a held payment accepted after a second body under its X-Transaction-Id releases the first body, byte for byte', async () => {
    const id = randomUUID();
    const uetr = randomUUID();
    const first = buildPacs008({ uetr, amount: '6000.00' });
    const swapped = buildPacs008({ uetr, amount: '950000.00', creditorIban: 'GB29NWBK60161331926819' });
    expect((await post('/v1/inbox', first, bankA, { 'X-Transaction-Id': id })).status).toBe(202);
    await until(id, (t) => t.status === 'PDNG' && t.hold != null);
    const second = await post('/v1/inbox', swapped, bankA, { 'X-Transaction-Id': id });
    expect(second.status).toBe(409);
    expect(second.json.code).toBe('IDEMPOTENCY.KEY_REUSED');
    expect((await post(`/v1/transactions/${id}/accept`, '', bankA, { 'content-type': 'application/json' })).status).toBeLessThan(300);
    expect(await waitForTerminal(gw.url, bankA, id)).toMatchObject({ status: 'ACSC', amount: { value: '6000.00', currency: 'EUR' } });
    expect(deliveredWith(uetr)).toEqual([first]);
  });

  it('AWS-compat /inbox: the same, during a host outage and with no hold', async () => {
    const id = randomUUID();
    const uetr = randomUUID();
    const first = buildPacs008({ uetr, amount: '100.00' });
    const swapped = buildPacs008({ uetr, amount: '950000.00', creditorIban: 'GB29NWBK60161331926819' });
    await setFaults({ down: true });
    try {
      const inbox = (body: string) =>
        post('/inbox', body, bankA, { 'content-type': 'application/json', 'X-Transaction-Id': id, 'X-Message-Type': 'pacs.008' });
      expect((await inbox(first)).status).toBe(200);
      await until(id, (t) => t.status === 'ACSP' || t.status === 'PDNG');
      const second = await inbox(swapped);
      expect(second.status).toBe(409);
    } finally {
      await setFaults({ down: false });
    }
    await post(`/v1/transactions/${id}/redrive`, '', bankA, { 'content-type': 'application/json' });
    expect(await waitForTerminal(gw.url, bankA, id, 30_000)).toMatchObject({ status: 'ACSC' });
    const delivered = deliveredWith(uetr);
    expect(delivered.length).toBeGreaterThan(0);
    expect(new Set(delivered)).toEqual(new Set([first]));
  });
});

describe('2. report poisoning: nothing refused writes anything under an existing transaction', () => {
  it("a schema-invalid body under a settled payment's id is a 409, and every report still says ACSC", async () => {
    const id = randomUUID();
    const uetr = randomUUID();
    expect((await post('/v1/inbox', buildPacs008({ uetr }), bankA, { 'X-Transaction-Id': id })).status).toBe(202);
    await waitForTerminal(gw.url, bankA, id);
    const reportBefore = (await get(`/v1/transactions/${id}/outbox`)).text;
    const before = await tx(id);
    // schema-invalid (an unknown element) but its MsgId is readable: before the fix, a RJCT FF01 pacs.002 was written under the settled id
    const invalid = buildPacs008({ uetr }).replace('<NbOfTxs>1</NbOfTxs>', '<NbOfTxs>1</NbOfTxs><Bogus>1</Bogus>');
    const refused = await post('/v1/inbox', invalid, bankA, { 'X-Transaction-Id': id });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('IDEMPOTENCY.KEY_REUSED');
    expect(await tx(id)).toEqual(before);
    const reportAfter = (await get(`/v1/transactions/${id}/outbox`)).text;
    expect(reportAfter).toBe(reportBefore);
    expect(reportAfter).toContain('<TxSts>ACSC</TxSts>');
    const aws = await fetch(`${gw.url}/outbox`, { method: 'POST', headers: { authorization: `Bearer ${bankA}`, 'X-Transaction-Id': id } });
    expect(await aws.text()).toContain('<TxSts>ACSC</TxSts>');
  });
});

describe('7. decisions need payments:operate whichever door they come through', () => {
  it('a camt.056 or pacs.004 posted without payments:operate is refused 403 and changes nothing', async () => {
    const client = bankB; // payments:read and payments:write, not payments:operate
    const ref: PaymentRef = {
      msgId: `M${randomUUID().slice(0, 30)}`,
      endToEndId: `E${randomUUID().slice(0, 30)}`,
      uetr: randomUUID(),
      amount: '1500.00',
      currency: 'EUR',
    };
    const submitted = await post(
      '/v1/inbox',
      buildPacs008({ msgId: ref.msgId, endToEndId: ref.endToEndId, uetr: ref.uetr, amount: ref.amount }),
      client,
    );
    expect(submitted.status).toBe(202);
    const id = submitted.json.transactionId as string;
    const held = await until(id, (t) => t.status === 'PDNG', client);
    // the REST cancel answers 403 for this client ...
    expect((await post(`/v1/transactions/${id}/cancel`, '{}', client, { 'content-type': 'application/json' })).status).toBe(403);
    // ... and so does the same decision as a camt.056 (or a pacs.004) through the inbox
    for (const message of [camt056For(ref), pacs004For(ref)]) {
      const r = await post('/v1/inbox', message, client);
      expect(r.status).toBe(403);
      expect(r.json.code).toBe('AUTH.INSUFFICIENT_SCOPE');
    }
    expect(await tx(id, client)).toEqual(held);
    const listed = JSON.parse((await get('/v1/transactions?limit=200', client)).text) as { items: { kind: string }[] };
    expect(listed.items.filter((t) => t.kind !== 'payment')).toEqual([]);
  });
});

describe('8. tenants can neither block nor probe each other', () => {
  it("another client's UETR neither blocks a payment nor tells that it exists; each settles as its own at the host", async () => {
    const uetr = randomUUID();
    const b = await post('/v1/inbox', buildPacs008({ uetr }), bankB);
    expect(b.status).toBe(202);
    await waitForTerminal(gw.url, bankB, b.json.transactionId as string);
    const a = await post('/v1/inbox', buildPacs008({ uetr }), bankA);
    expect(a.status).toBe(202);
    expect(await waitForTerminal(gw.url, bankA, a.json.transactionId as string)).toMatchObject({ status: 'ACSC', uetr });
    const keys = proxy.requests.filter((r) => r.path === '/v1/payments' && r.body.includes(uetr)).map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(2);
    // the same UETR again from the same client is still a duplicate
    expect((await post('/v1/inbox', buildPacs008({ uetr }), bankA)).status).toBe(409);
  });

  it("another client's transaction id as X-Transaction-Id is not an oracle: 202 with an id of its own", async () => {
    const aId = randomUUID();
    expect((await post('/v1/inbox', buildPacs008(), bankA, { 'X-Transaction-Id': aId })).status).toBe(202);
    const aBefore = await waitForTerminal(gw.url, bankA, aId);
    const body = buildPacs008();
    const probe = await post('/v1/inbox', body, bankB, { 'X-Transaction-Id': aId });
    expect(probe.status).toBe(202);
    const bId = probe.json.transactionId as string;
    expect(bId).not.toBe(aId);
    // the client's retry with the same key and body is a replay of its own transaction; another body conflicts with its own
    const retry = await post('/v1/inbox', body, bankB, { 'X-Transaction-Id': aId });
    expect(retry).toMatchObject({ status: 202, json: { transactionId: bId } });
    expect((await post('/v1/inbox', buildPacs008(), bankB, { 'X-Transaction-Id': aId })).json).toMatchObject({
      code: 'IDEMPOTENCY.KEY_REUSED',
      transactionId: bId,
    });
    expect((await get(`/v1/transactions/${aId}`, bankB)).status).toBe(404);
    expect(await tx(aId)).toEqual(aBefore);
  });

  it('pain.001 child ids cannot be predicted (or pre-registered) by another client', async () => {
    const pain = pain001('10.00');
    const pmtInfId = /<(?:\w+:)?PmtInfId>([^<]+)</.exec(pain.xml)![1]!;
    // the id the first child used to get, from the pain.001's own ids only
    const h = createHash('sha256').update(`bank-a|${pain.msgId}|${pmtInfId}|${pain.endToEndId}|1`).digest('hex');
    const predicted = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    expect((await post('/v1/inbox', buildPacs008(), bankB, { 'X-Transaction-Id': predicted })).status).toBe(202);
    const initiation = await post('/v1/inbox', pain.xml, bankA);
    expect(initiation.status).toBe(202);
    const parent = await until(initiation.json.transactionId as string, (t) => t.status === 'ACSC' || t.status === 'RJCT');
    expect(parent.status).toBe('ACSC');
    const children = parent.childTransactionIds as string[];
    expect(children).toHaveLength(1);
    expect(children[0]).not.toBe(predicted);
  });
});

describe('9. a message that is merely wrong gets a clear 4xx, never a 500', () => {
  it.each([
    ['a MsgId of 36 characters', (x: string) => x.replace(/<MsgId>[^<]*<\/MsgId>/, `<MsgId>${'M'.repeat(36)}</MsgId>`)],
    ['a CreDtTm of CURRENT_TIME', (x: string) => x.replace(/<CreDtTm>[^<]*<\/CreDtTm>/, '<CreDtTm>CURRENT_TIME</CreDtTm>')],
    ['a bad UETR', (x: string) => x.replace(/<UETR>[^<]*<\/UETR>/, '<UETR>not-a-uetr</UETR>')],
  ])('%s: 422 ISO20022.SCHEMA_INVALID', async (_what, mutate) => {
    const r = await post('/v1/inbox', mutate(buildPacs008()), bankA);
    expect(r.status).toBe(422);
    expect(r.json.code).toBe('ISO20022.SCHEMA_INVALID');
    expect((await fetch(`${gw.url}/health/live`)).status).toBe(200);
  });
});
