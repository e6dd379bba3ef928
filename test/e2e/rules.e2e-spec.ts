// SPDX-License-Identifier: Apache-2.0
/**
 * Business rules and sanctions screening end to end, over real HTTP: the built gateway (dist/) and the
 * built legacy-host simulator as child processes, and a controllable screening service on the loopback
 * interface (test/support/screening-server.ts). Needs `npm run build` first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPacs008 } from '../support/pacs008.factory.js';
import {
  startGateway,
  startSimulator,
  tempDir,
  tokenFor,
  waitForTerminal,
  type NodeProcess,
  type TransactionJson,
} from '../support/processes.js';
import { officialVerdict, referenceDir } from '../support/reference.js';
import { TestScreeningServer } from '../support/screening-server.js';

const XAU_SAMPLE = 'samples/pacs.008.001.08/rule-violation-p.8.1.1.a-xau.xml';
const WATCH_LISTED = 'Sanctioned Trading Ltd';

const processes: NodeProcess[] = [];
const screeners: TestScreeningServer[] = [];
let sim: NodeProcess;

afterAll(async () => {
  for (const p of processes) await p.kill();
  for (const s of screeners) await s.stop();
});

beforeAll(async () => {
  sim = await startSimulator();
  processes.push(sim);
});

interface Gateway {
  url: string;
  token: string;
  screening: TestScreeningServer;
}

async function gatewayWith(env: Record<string, string>): Promise<Gateway> {
  const screening = await TestScreeningServer.start();
  screeners.push(screening);
  const gw = await startGateway({
    DATA_DIR: tempDir('rules'),
    LEGACY_HOST_URL: sim.url,
    SCREENING_URL: screening.url,
    SCREENING_TIMEOUT_MS: '500',
    ...env,
  });
  processes.push(gw);
  return { url: gw.url, token: await tokenFor(gw.url, 'bank-a'), screening };
}

async function submit(gw: Gateway, body: string): Promise<string> {
  const res = await fetch(`${gw.url}/v1/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', authorization: `Bearer ${gw.token}` },
    body,
  });
  const text = await res.text();
  if (res.status !== 202) throw new Error(`inbox answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { transactionId: string }).transactionId;
}

async function transaction(gw: Gateway, id: string): Promise<TransactionJson> {
  const res = await fetch(`${gw.url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${gw.token}` } });
  return (await res.json()) as TransactionJson;
}

async function outbox(gw: Gateway, id: string): Promise<string> {
  const res = await fetch(`${gw.url}/v1/transactions/${id}/outbox`, { headers: { authorization: `Bearer ${gw.token}` } });
  expect(res.status).toBe(200);
  return res.text();
}

/** Polls until `check` holds (no fixed sleeps; the test's own timeout bounds it). */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const history = (tx: TransactionJson) => tx.history as Array<{ status: string; reason?: { code: string; text?: string | null } }>;

describe('business rules and screening, fail-open (deny list IR, KP)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await gatewayWith({ SCREENING_FAILURE: 'open', CREDITOR_COUNTRY_DENY: 'IR,KP' });
    gw.screening.watchList.add(WATCH_LISTED);
  });

  it('takes the official XAU sample (schema-valid, 202) and rejects it with AM03 naming the currency', async () => {
    const xml = readFileSync(join(referenceDir(), XAU_SAMPLE), 'utf8');
    const verdict = officialVerdict('pacs.008.001.08', xml);
    expect(verdict.errors).toEqual([]);
    expect(verdict.valid).toBe(true);
    const id = await submit(gw, xml);
    const tx = await waitForTerminal(gw.url, gw.token, id);
    expect(tx.status).toBe('RJCT');
    expect(tx.reason?.code).toBe('AM03');
    expect(tx.reason?.text).toContain('XAU');
    const report = await outbox(gw, id);
    expect(report).toContain('<TxSts>RJCT</TxSts>');
    expect(report).toContain('<Cd>AM03</Cd>');
    expect(report).toContain('<OrgnlUETR>174c245f-2682-4291-ad67-2a41e530cd27</OrgnlUETR>');
    // Rejected by a rule before screening: the screening service never heard of it.
    expect(gw.screening.callsFor(id)).toEqual([]);
  });

  it('rejects a payment to a denied creditor country with RR04', async () => {
    const id = await submit(gw, buildPacs008().replace('<Ctry>NL</Ctry>', '<Ctry>IR</Ctry>'));
    const tx = await waitForTerminal(gw.url, gw.token, id);
    expect(tx.status).toBe('RJCT');
    expect(tx.reason).toEqual({ code: 'RR04', text: 'creditor country IR is not allowed (deny list)' });
    expect(await outbox(gw, id)).toContain('<Cd>RR04</Cd>');
    expect(gw.screening.callsFor(id)).toEqual([]);
  });

  it('rejects a screening hit with RR04 and the screening reference', async () => {
    const uetr = crypto.randomUUID();
    const id = await submit(
      gw,
      buildPacs008({ uetr, amount: '2500.50', creditorBic: 'CLWYFRPP' }).replace('Voorbeeld Handel B.V.', WATCH_LISTED),
    );
    const tx = await waitForTerminal(gw.url, gw.token, id);
    expect(tx.status).toBe('RJCT');
    expect(tx.reason?.code).toBe('RR04');
    const [call] = gw.screening.callsFor(id);
    expect(call!.body).toEqual({
      transactionId: id,
      uetr,
      endToEndId: expect.any(String),
      amount: '2500.50',
      currency: 'EUR',
      debtor: { name: 'Muster Maschinenbau GmbH', country: 'DE', bic: 'CLWYDEFF' },
      creditor: { name: WATCH_LISTED, country: 'NL', bic: 'CLWYFRPP' },
    });
    const reference = /SCR-HIT-\d+/.exec(tx.reason?.text ?? '')?.[0];
    expect(reference).toBeDefined();
    expect(await outbox(gw, id)).toContain(reference!);
  });

  it('settles a payment the screening service clears', async () => {
    const id = await submit(gw, buildPacs008());
    const tx = await waitForTerminal(gw.url, gw.token, id);
    expect(tx.status).toBe('ACSC');
    expect(gw.screening.callsFor(id)).toHaveLength(1);
    expect(history(tx).find((h) => h.status === 'ACTC')?.reason).toBeUndefined();
  });

  it('settles during a screening outage and records that the payment was not screened', async () => {
    await gw.screening.stop();
    try {
      const id = await submit(gw, buildPacs008());
      const tx = await waitForTerminal(gw.url, gw.token, id);
      expect(tx.status).toBe('ACSC');
      const actc = history(tx).find((h) => h.status === 'ACTC');
      expect(actc?.reason?.code).toBe('NARR');
      expect(actc?.reason?.text).toMatch(/screening: not screened.*SCREENING_FAILURE=open/);
    } finally {
      await gw.screening.start();
    }
  });
});

describe('screening fail-closed', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await gatewayWith({ SCREENING_FAILURE: 'closed' });
  });

  it('keeps the payment RCVD while screening is down and settles it once screening is back', async () => {
    // The outage: the service answers 503 (so the retries can be seen) ...
    gw.screening.answer = () => ({ status: 503, json: { error: 'down for maintenance' } });
    const id = await submit(gw, buildPacs008());
    await until('two screening attempts', () => gw.screening.callsFor(id).length >= 2);
    const waiting = await transaction(gw, id);
    expect(waiting.status).toBe('RCVD');
    expect(history(waiting).map((h) => h.status)).toEqual(['RCVD']);
    // ... then it is unreachable altogether ...
    await gw.screening.stop();
    expect((await transaction(gw, id)).status).toBe('RCVD');
    // ... and comes back.
    gw.screening.answer = null;
    await gw.screening.start();
    const tx = await waitForTerminal(gw.url, gw.token, id, 60_000);
    expect(tx.status).toBe('ACSC');
    expect(history(tx).map((h) => h.status)).toEqual(['RCVD', 'ACTC', 'ACSP', 'ACSC']);
    expect(history(tx).find((h) => h.status === 'ACTC')?.reason).toBeUndefined();
  });
});

describe('screening fail-closed, an outage longer than the job attempts', () => {
  it('keeps retrying past JOB_MAX_ATTEMPTS (no dead letter) and settles once screening answers', async () => {
    const gw = await gatewayWith({ SCREENING_FAILURE: 'closed', JOB_MAX_ATTEMPTS: '2' });
    gw.screening.answer = () => ({ status: 503, json: { error: 'down' } });
    const id = await submit(gw, buildPacs008());
    // Five calls: more than two jobs' worth of attempts.
    await until('five screening attempts', () => gw.screening.callsFor(id).length >= 5);
    expect((await transaction(gw, id)).status).toBe('RCVD');
    gw.screening.answer = null;
    const tx = await waitForTerminal(gw.url, gw.token, id, 60_000);
    expect(tx.status).toBe('ACSC');
  });
});

describe('screening fail-closed that never answers', () => {
  it('is rejected by the SLA sweeper with AB05', async () => {
    const gw = await gatewayWith({
      SCREENING_FAILURE: 'closed',
      SLA_SECONDS: '2',
      RECOVERY_AFTER_SECONDS: '1',
      SWEEP_INTERVAL_MS: '200',
    });
    gw.screening.answer = () => ({ hang: true });
    const id = await submit(gw, buildPacs008());
    const tx = await waitForTerminal(gw.url, gw.token, id, 30_000);
    expect(tx.status).toBe('RJCT');
    expect(tx.reason?.code).toBe('AB05');
    expect(gw.screening.callsFor(id).length).toBeGreaterThanOrEqual(1);
    expect(await outbox(gw, id)).toContain('<Cd>AB05</Cd>');
  });
});
