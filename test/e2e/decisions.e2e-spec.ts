// SPDX-License-Identifier: Apache-2.0
/**
 * Consumer decisions and the message set around a payment, end to end over real HTTP: the built gateway
 * (hold rule HOLD_AMOUNT_ABOVE=1000) and the built simulator. Every message the gateway writes is checked
 * against the official XSD of its version (../shared/iso20022).
 */
import { randomUUID } from 'node:crypto';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { camt056For, pacs004For, pacs028For, pain001, type PaymentRef } from '../support/iso-messages.js';
import {
  startGateway,
  startSimulator,
  tempDir,
  tokenFor,
  waitForTerminal,
  type NodeProcess,
  type TransactionJson,
} from '../support/processes.js';
import { disposeOfficialValidators, officialVerdict, xpathString, ISO_NS } from '../support/reference.js';

let sim: NodeProcess;
let gw: NodeProcess;
let url: string;
let operator: string;
let writerOnly: string;

interface Tx extends TransactionJson {
  kind: string;
  hold: { rule: string } | null;
  cancellation: { state: string; refusal: { code: string } | null } | null;
  return: { direction: string; state: string } | null;
  relatedTransactionId: string | null;
  childTransactionIds?: string[];
  decisions: { action: string }[];
}

async function call(
  method: string,
  path: string,
  opts: { token?: string; body?: string; type?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { authorization: `Bearer ${opts.token ?? operator}`, ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/xml';
  const res = await fetch(`${url}${path}`, { method, headers, body: opts.body });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    /* XML */
  }
  return { res, text, json };
}

async function submit(xml: string): Promise<string> {
  const { res, json, text } = await call('POST', '/v1/inbox', { body: xml });
  if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${text}`);
  return json.transactionId as string;
}

async function tx(id: string): Promise<Tx> {
  return (await call('GET', `/v1/transactions/${id}`)).json as unknown as Tx;
}

async function until(id: string, pred: (t: Tx) => boolean, timeoutMs = 20_000): Promise<Tx> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await tx(id);
    if (pred(t)) return t;
    if (Date.now() > deadline) throw new Error(`transaction ${id} did not get there: ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The outbox message (optionally of a type prefix), checked against the official schema of its version. */
async function outbox(id: string, type?: string): Promise<{ xml: string; messageType: string }> {
  const { res, text } = await call('GET', `/v1/transactions/${id}/outbox${type ? `?type=${type}` : ''}`);
  expect(res.status).toBe(200);
  const messageType = res.headers.get('x-message-type')!;
  const verdict = officialVerdict(messageType, text);
  if (!verdict.valid) throw new Error(`${messageType} of ${id} is not valid: ${verdict.errors.join('; ')}\n${text}`);
  return { xml: verdict.document!, messageType };
}

const x = (xml: string, messageType: string, path: string) => xpathString(xml, ISO_NS + messageType, path);

/** A payment (amount above the hold threshold when `held`), submitted; returns its id and references. */
async function payment(opts: { held?: boolean; creditorAccountOther?: string } = {}): Promise<{ id: string; ref: PaymentRef }> {
  const ref: PaymentRef = {
    msgId: `M${randomUUID().slice(0, 30)}`,
    endToEndId: `E${randomUUID().slice(0, 30)}`,
    uetr: randomUUID(),
    amount: opts.held ? '1500.00' : '100.00',
    currency: 'EUR',
  };
  const xml = buildPacs008({
    msgId: ref.msgId,
    endToEndId: ref.endToEndId,
    uetr: ref.uetr,
    amount: ref.amount,
    ...(opts.creditorAccountOther ? { creditorAccountOther: opts.creditorAccountOther } : {}),
  });
  return { id: await submit(xml), ref };
}

async function simStats(): Promise<Record<string, unknown>> {
  return (await (await fetch(`${sim.url}/stats`)).json()) as Record<string, unknown>;
}

beforeAll(async () => {
  sim = await startSimulator();
  gw = await startGateway({
    DATA_DIR: tempDir('decisions'),
    LEGACY_HOST_URL: sim.url,
    HOLD_AMOUNT_ABOVE: '1000',
    HOST_ATTEMPTS: '1',
    JOB_MAX_ATTEMPTS: '2',
  });
  url = gw.url;
  operator = await tokenFor(url, 'bank-a');
  writerOnly = await tokenFor(url, 'writer');
});

afterAll(async () => {
  disposeOfficialValidators();
  await gw?.kill();
  await sim?.kill();
});

describe('hold, accept and reject', () => {
  it('holds a payment above HOLD_AMOUNT_ABOVE in PDNG; accept releases it to the host; asking again changes nothing', async () => {
    const { id } = await payment({ held: true });
    const held = await until(id, (t) => t.status === 'PDNG');
    expect(held.hold?.rule).toBe('amount-above-1000');
    expect((await simStats()).received).toBe(0);

    const accepted = await call('POST', `/v1/transactions/${id}/accept`);
    expect(accepted.res.status).toBe(202);
    const done = await waitForTerminal(url, operator, id);
    expect(done.status).toBe('ACSC');

    const again = await call('POST', `/v1/transactions/${id}/accept`);
    expect(again.res.status).toBe(200);
    expect(again.res.headers.get('idempotent-replayed')).toBe('true');
    const rejectLate = await call('POST', `/v1/transactions/${id}/reject`, { body: '{"reasonCode":"AM04"}', type: 'application/json' });
    expect(rejectLate.res.status).toBe(409);
    expect(rejectLate.json.code).toBe('TRANSACTION.DECISION_NOT_ALLOWED');
    expect(rejectLate.json.transactionStatus).toBe('ACSC');
  });

  it('a payment under the threshold is not held, and accept on it is refused with 409', async () => {
    const { id } = await payment();
    const t = await waitForTerminal(url, operator, id);
    expect(t.status).toBe('ACSC');
    const r = await call('POST', `/v1/transactions/${id}/accept`);
    expect(r.res.status).toBe(409);
    expect(String(r.json.detail)).toMatch(/only a payment held/);
  });

  it('reject with an ISO reason code ends it RJCT with a pacs.002 carrying that code; a repeat replays', async () => {
    const { id, ref } = await payment({ held: true });
    await until(id, (t) => t.status === 'PDNG');
    const r = await call('POST', `/v1/transactions/${id}/reject`, {
      body: JSON.stringify({ reasonCode: 'AM04', reason: 'no funds' }),
      type: 'application/json',
    });
    expect(r.res.status).toBe(200);
    expect(r.json.status).toBe('RJCT');
    expect(r.json.reason).toEqual({ code: 'AM04', text: 'no funds' });
    const report = await outbox(id);
    expect(report.messageType).toBe('pacs.002.001.10');
    expect(x(report.xml, report.messageType, 'string(//d:TxInfAndSts/d:TxSts)')).toBe('RJCT');
    expect(x(report.xml, report.messageType, 'string(//d:TxInfAndSts/d:StsRsnInf/d:Rsn/d:Cd)')).toBe('AM04');
    expect(x(report.xml, report.messageType, 'string(//d:TxInfAndSts/d:OrgnlUETR)')).toBe(ref.uetr);
    const again = await call('POST', `/v1/transactions/${id}/reject`, { body: '{"reasonCode":"AM04"}', type: 'application/json' });
    expect(again.res.status).toBe(200);
    expect(again.res.headers.get('idempotent-replayed')).toBe('true');
    expect((await simStats()).unique).toBeGreaterThanOrEqual(0);
  });

  it('refuses a bad reason code (400) and a client without payments:operate (403)', async () => {
    const { id } = await payment({ held: true });
    await until(id, (t) => t.status === 'PDNG');
    const bad = await call('POST', `/v1/transactions/${id}/reject`, { body: '{"reasonCode":"toolong"}', type: 'application/json' });
    expect(bad.res.status).toBe(400);
    expect(bad.json.code).toBe('REQUEST.INVALID_REASON_CODE');
    const forbidden = await call('POST', `/v1/transactions/${id}/accept`, { token: writerOnly });
    expect(forbidden.res.status).toBe(403);
    expect((await tx(id)).status).toBe('PDNG');
  });
});

describe('cancel', () => {
  it('before release: CANC at once, camt.029 CNCL is the latest outbox message and the pacs.002 CANC is still there by type', async () => {
    const { id, ref } = await payment({ held: true });
    await until(id, (t) => t.status === 'PDNG');
    const r = await call('POST', `/v1/transactions/${id}/cancel`, { body: '{"reasonCode":"DUPL"}', type: 'application/json' });
    expect(r.res.status).toBe(200);
    expect(r.json.status).toBe('CANC');
    const latest = await outbox(id);
    expect(latest.messageType).toBe('camt.029.001.09');
    expect(x(latest.xml, latest.messageType, 'string(//d:Sts/d:Conf)')).toBe('CNCL');
    expect(x(latest.xml, latest.messageType, 'string(//d:OrgnlUETR)')).toBe(ref.uetr);
    const report = await outbox(id, 'pacs.002');
    expect(x(report.xml, report.messageType, 'string(//d:TxInfAndSts/d:TxSts)')).toBe('CANC');
    const again = await call('POST', `/v1/transactions/${id}/cancel`);
    expect(again.res.status).toBe(200);
    expect(again.res.headers.get('idempotent-replayed')).toBe('true');
    expect((await simStats()).cancellations ?? 0).toBeDefined();
  });

  it('after settlement: a camt.056 goes to the host, its camt.029 CNCL ends the payment CANC', async () => {
    const { id, ref } = await payment();
    expect((await waitForTerminal(url, operator, id)).status).toBe('ACSC');
    const r = await call('POST', `/v1/transactions/${id}/cancel`);
    expect(r.res.status).toBe(202);
    const t = await until(id, (p) => p.cancellation?.state === 'cancelled' || p.cancellation?.state === 'refused');
    expect(t.status).toBe('CANC');
    const latest = await outbox(id);
    expect(latest.messageType).toBe('camt.029.001.09');
    expect(x(latest.xml, latest.messageType, 'string(//d:OrgnlUETR)')).toBe(ref.uetr);
    const sent = await outbox(id, 'camt.056');
    expect(x(sent.xml, sent.messageType, 'string(//d:OrgnlUETR)')).toBe(ref.uetr);
  });

  it('after settlement, refused by the host (camt.029 RJCR): the payment stays ACSC with the refusal recorded', async () => {
    const faults = (body: object) =>
      fetch(`${sim.url}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const { id } = await payment();
    expect((await waitForTerminal(url, operator, id)).status).toBe('ACSC');
    await faults({ cancelWindowSeconds: 0 });
    try {
      expect((await call('POST', `/v1/transactions/${id}/cancel`)).res.status).toBe(202);
      const t = await until(id, (p) => p.cancellation?.state === 'refused');
      expect(t.status).toBe('ACSC');
      expect(t.cancellation?.refusal?.code).toBe('CUST');
      const latest = await outbox(id);
      expect(latest.messageType).toBe('camt.029.001.09');
      expect(x(latest.xml, latest.messageType, 'string(//d:Sts/d:Conf)')).toBe('RJCR');
      const again = await call('POST', `/v1/transactions/${id}/cancel`);
      expect(again.res.status).toBe(409);
    } finally {
      await faults({ cancelWindowSeconds: 3600 });
    }
  });

  it('is refused with 409 on a rejected payment', async () => {
    const { id } = await payment({ creditorAccountOther: 'ACCT-9999' });
    const t = await waitForTerminal(url, operator, id);
    expect(t.status).toBe('RJCT');
    const r = await call('POST', `/v1/transactions/${id}/cancel`);
    expect(r.res.status).toBe(409);
  });
});

describe('return and redrive', () => {
  it('return after ACSC: a pacs.004 linked to the original goes to the host and is the latest outbox message', async () => {
    const { id, ref } = await payment();
    expect((await waitForTerminal(url, operator, id)).status).toBe('ACSC');
    const r = await call('POST', `/v1/transactions/${id}/return`, { body: '{"reasonCode":"CUST"}', type: 'application/json' });
    expect(r.res.status).toBe(202);
    const t = await until(id, (p) => p.return?.state === 'accepted' || p.return?.state === 'rejected');
    expect(t.return).toMatchObject({ direction: 'outbound', state: 'accepted' });
    expect(t.status).toBe('ACSC');
    const latest = await outbox(id);
    expect(latest.messageType).toBe('pacs.004.001.09');
    expect(x(latest.xml, latest.messageType, 'string(//d:TxInf/d:OrgnlUETR)')).toBe(ref.uetr);
    expect(x(latest.xml, latest.messageType, 'string(//d:TxInf/d:OrgnlEndToEndId)')).toBe(ref.endToEndId);
    const again = await call('POST', `/v1/transactions/${id}/return`);
    expect(again.res.status).toBe(200);
    const held = await payment({ held: true });
    await until(held.id, (p) => p.status === 'PDNG');
    expect((await call('POST', `/v1/transactions/${held.id}/return`)).res.status).toBe(409);
  });

  it('redrive re-runs a dead-lettered release once the host is back, and is refused when nothing is pending', async () => {
    await fetch(`${sim.url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ down: true }),
    });
    try {
      const { id } = await payment();
      // HOST_ATTEMPTS=1, JOB_MAX_ATTEMPTS=2: the release job is dead-lettered while the host is down.
      await until(id, (p) => p.status === 'ACSP', 10_000);
      await new Promise((r) => setTimeout(r, 3_000));
      await fetch(`${sim.url}/admin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ down: false }),
      });
      const r = await call('POST', `/v1/transactions/${id}/redrive`);
      expect(r.res.status).toBe(202);
      expect((await waitForTerminal(url, operator, id)).status).toBe('ACSC');
      const again = await call('POST', `/v1/transactions/${id}/redrive`);
      expect(again.res.status).toBe(409);
    } finally {
      await fetch(`${sim.url}/admin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ down: false }),
      });
    }
  });
});

describe('redrive while a job carries the payment on', () => {
  it('answers 202 Idempotent-Replayed and enqueues no second job while the release waits on the host', async () => {
    // the host answers after 4 s (HOST_TIMEOUT_MS is 5 s): the release job stays in flight meanwhile
    const setLatency = (latencyMs: number) =>
      fetch(`${sim.url}/admin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs }),
      });
    await setLatency(4_000);
    try {
      const { id } = await payment();
      await until(id, (p) => p.status === 'ACSP', 10_000);
      const r = await call('POST', `/v1/transactions/${id}/redrive`);
      expect(r.res.status).toBe(202);
      expect(r.res.headers.get('idempotent-replayed')).toBe('true');
      const settled = await waitForTerminal(url, operator, id);
      expect(settled.status).toBe('ACSC');
      // nothing was recorded or enqueued: a redrive would have been a decision on the payment
      expect((await tx(id)).decisions).toEqual([]);
    } finally {
      await setLatency(0);
    }
  });
});

describe('messages about a payment, through the inbox', () => {
  it("pacs.028 gets its own transaction whose outbox holds a pacs.002 with the payment's current status", async () => {
    const { id, ref } = await payment();
    await waitForTerminal(url, operator, id);
    const req = await submit(pacs028For(ref));
    expect(req).not.toBe(id);
    const t = await waitForTerminal(url, operator, req);
    expect(t).toMatchObject({ status: 'ACSC', kind: 'status-request', relatedTransactionId: id });
    const answer = await outbox(req);
    expect(answer.messageType).toMatch(/^pacs\.002\./);
    expect(x(answer.xml, answer.messageType, 'string(//d:TxInfAndSts/d:TxSts)')).toBe('ACSC');
    expect(x(answer.xml, answer.messageType, 'string(//d:TxInfAndSts/d:OrgnlUETR)')).toBe(ref.uetr);
    const unknown = await submit(pacs028For({ ...ref, uetr: randomUUID(), msgId: 'NOSUCH', endToEndId: 'NOSUCH' }));
    expect((await waitForTerminal(url, operator, unknown)).status).toBe('RJCT');
  });

  it("camt.056 cancels the payment it names; the camt.029 is in the request's outbox and the payment's", async () => {
    const { id, ref } = await payment({ held: true });
    await until(id, (t) => t.status === 'PDNG');
    const req = await submit(camt056For(ref));
    const t = await waitForTerminal(url, operator, req);
    expect(t).toMatchObject({ status: 'ACSC', kind: 'cancellation-request', relatedTransactionId: id });
    expect((await tx(id)).status).toBe('CANC');
    const answer = await outbox(req);
    expect(answer.messageType).toBe('camt.029.001.09');
    expect(x(answer.xml, answer.messageType, 'string(//d:Sts/d:Conf)')).toBe('CNCL');
    expect((await outbox(id)).messageType).toBe('camt.029.001.09');
  });

  it('camt.056 for a settled payment goes on to the host; its camt.029 ends the request and the payment', async () => {
    const { id, ref } = await payment();
    expect((await waitForTerminal(url, operator, id)).status).toBe('ACSC');
    const req = await submit(camt056For(ref));
    const t = await waitForTerminal(url, operator, req);
    expect(t).toMatchObject({ status: 'ACSC', kind: 'cancellation-request', relatedTransactionId: id });
    expect(await tx(id)).toMatchObject({ status: 'CANC', cancellation: { state: 'cancelled' } });
    const answer = await outbox(req);
    expect(answer.messageType).toBe('camt.029.001.09');
    expect(x(answer.xml, answer.messageType, 'string(//d:OrgnlUETR)')).toBe(ref.uetr);
    expect((await outbox(id)).messageType).toBe('camt.029.001.09');
  });

  it('camt.056 for an unknown payment is refused with a camt.029 RJCR NOOR', async () => {
    const req = await submit(camt056For({ msgId: 'NOSUCH', endToEndId: 'NOSUCH', uetr: randomUUID() }));
    expect((await waitForTerminal(url, operator, req)).status).toBe('RJCT');
    const answer = await outbox(req);
    expect(x(answer.xml, answer.messageType, 'string(//d:Sts/d:Conf)')).toBe('RJCR');
    expect(x(answer.xml, answer.messageType, 'string(//d:CxlStsRsnInf/d:Rsn/d:Cd)')).toBe('NOOR');
  });

  it('pacs.004 from downstream is linked to the settled payment it returns and answered with a pacs.002', async () => {
    const { id, ref } = await payment();
    expect((await waitForTerminal(url, operator, id)).status).toBe('ACSC');
    const req = await submit(pacs004For(ref));
    const t = await waitForTerminal(url, operator, req);
    expect(t).toMatchObject({ status: 'ACSC', kind: 'return', relatedTransactionId: id });
    expect((await tx(id)).return).toMatchObject({ direction: 'inbound', state: 'received' });
    const answer = await outbox(req);
    expect(answer.messageType).toBe('pacs.002.001.10');
  });

  it('pain.001 becomes one payment per transaction and is answered with a pain.002', async () => {
    const pain = pain001();
    const req = await submit(pain.xml);
    const t = (await waitForTerminal(url, operator, req)) as Tx;
    expect(t).toMatchObject({ status: 'ACSC', kind: 'initiation' });
    expect(t.childTransactionIds).toHaveLength(1);
    const child = await waitForTerminal(url, operator, t.childTransactionIds![0]!);
    expect(child.uetr).toBe(pain.uetr);
    expect(child.status).toBe('ACSC');
    const answer = await outbox(req);
    expect(answer.messageType).toBe('pain.002.001.10');
    expect(x(answer.xml, answer.messageType, 'string(//d:OrgnlGrpInfAndSts/d:OrgnlMsgId)')).toBe(pain.msgId);
    expect(x(answer.xml, answer.messageType, 'string(//d:TxInfAndSts/d:TxSts)')).toBe('ACTC');
    // The payment sent to the host is a pacs.008 the gateway wrote: valid against the official schema.
    const sent = await call('GET', `/v1/transactions/${child.transactionId}`);
    expect(sent.json.messageType).toBe('pacs.008.001.08');
  });
});

describe('versions', () => {
  it.each([
    ['pacs.008.001.08', 'head.001.001.02', 'pacs.002.001.10'],
    ['pacs.008.001.10', 'head.001.001.02', 'pacs.002.001.12'],
    ['pacs.008.001.12', 'head.001.001.04', 'pacs.002.001.14'],
  ] as const)('%s with an AppHdr %s is answered with %s under an answering AppHdr of the same version', async (version, header, answer) => {
    const msgId = `V${randomUUID().replace(/-/g, '').slice(0, 30)}`;
    const uetr = randomUUID();
    const id = await submit(buildPacs008({ version, appHeader: header, msgId, uetr }));
    expect((await waitForTerminal(url, operator, id)).status).toBe('ACSC');
    const { res, text } = await call('GET', `/v1/transactions/${id}/outbox`);
    expect(res.headers.get('x-message-type')).toBe(answer);
    const verdict = officialVerdict(answer, text);
    expect(verdict.errors).toEqual([]);
    expect(verdict.appHdrVersion).toBe(header);
    const h = (path: string) => xpathString(text, ISO_NS + header, path);
    expect(h('string(//d:AppHdr/d:Fr/d:FIId/d:FinInstnId/d:BICFI)')).toBe('CLWYNL2A');
    expect(h('string(//d:AppHdr/d:To/d:FIId/d:FinInstnId/d:BICFI)')).toBe('CLWYDEFF');
    expect(h('string(//d:AppHdr/d:MsgDefIdr)')).toBe(answer);
    expect(h('string(//d:AppHdr/d:Rltd/d:BizMsgIdr)')).toBe(msgId);
    expect(h('string(//d:AppHdr/d:BizMsgIdr)')).not.toBe(msgId);
    expect(x(verdict.document!, answer, 'string(//d:TxInfAndSts/d:OrgnlUETR)')).toBe(uetr);
    expect(x(verdict.document!, answer, 'string(//d:OrgnlGrpInfAndSts/d:OrgnlMsgNmId)')).toBe(version);
  });
});
