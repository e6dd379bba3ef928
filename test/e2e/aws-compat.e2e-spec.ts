// SPDX-License-Identifier: Apache-2.0
/**
 * The AWS reference guidance's API against Clearway, as its clients call it: GET /uuid, POST /inbox with the
 * XML sent as Content-Type application/json and X-Transaction-Id / X-Message-Type headers, POST /outbox,
 * tokens with the rp2/read and rp2/write scopes.
 */
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';
import { disposeOfficialValidators, ISO_NS, officialVerdict, xpathString } from '../support/reference.js';

let sim: NodeProcess;
let gw: NodeProcess;
let rp2: string;
let readOnly: string;

beforeAll(async () => {
  sim = await startSimulator();
  gw = await startGateway({ DATA_DIR: tempDir('aws-compat'), LEGACY_HOST_URL: sim.url });
  rp2 = await tokenFor(gw.url, 'bank-a', 'rp2/read rp2/write');
  readOnly = await tokenFor(gw.url, 'bank-a', 'rp2/read');
});

afterAll(async () => {
  disposeOfficialValidators();
  await gw?.kill();
  await sim?.kill();
});

async function newId(token = rp2): Promise<Record<string, unknown>> {
  const res = await fetch(`${gw.url}/uuid`, { headers: { authorization: `Bearer ${token}`, 'X-Message-Type': 'pacs.008' } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function inbox(id: string, xml: string, token = rp2) {
  const res = await fetch(`${gw.url}/inbox`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'X-Transaction-Id': id, 'X-Message-Type': 'pacs.008' },
    body: xml,
  });
  return { res, json: (await res.json()) as Record<string, unknown> };
}

async function outbox(id: string) {
  const res = await fetch(`${gw.url}/outbox`, { method: 'POST', headers: { authorization: `Bearer ${rp2}`, 'X-Transaction-Id': id } });
  return { res, text: await res.text() };
}

it('GET /uuid answers the guidance fields with a fresh transaction id', async () => {
  const a = await newId(readOnly);
  const b = await newId();
  expect(a).toMatchObject({ message: 'transaction initialized successfully', region_id: 'local' });
  expect(a.transaction_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(a.transaction_id).not.toBe(b.transaction_id);
  expect(typeof a.request_id).toBe('string');
  expect(a.request_timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
});

it('POST /inbox takes XML sent as application/json; POST /outbox then returns the real pacs.002, repeatably', async () => {
  const id = (await newId()).transaction_id as string;
  const uetr = crypto.randomUUID();
  const body = buildPacs008({ uetr });
  const { res, json } = await inbox(id, body);
  expect(res.status).toBe(200);
  expect(json).toMatchObject({ message: 'transaction received successfully', transaction_id: id, region_id: 'local' });
  expect(typeof json.request_timestamp).toBe('number');

  await waitForTerminal(gw.url, rp2, id);
  for (let i = 0; i < 2; i++) {
    const out = await outbox(id);
    expect(out.res.status).toBe(200);
    expect(out.res.headers.get('content-type')).toMatch(/application\/xml/);
    const verdict = officialVerdict('pacs.002.001.10', out.text);
    expect(verdict.errors).toEqual([]);
    expect(xpathString(out.text, ISO_NS + 'pacs.002.001.10', 'string(//d:TxInfAndSts/d:TxSts)')).toBe('ACSC');
    expect(xpathString(out.text, ISO_NS + 'pacs.002.001.10', 'string(//d:TxInfAndSts/d:OrgnlUETR)')).toBe(uetr);
  }
  // The same request again is idempotent; the same id with another body is refused; /v1 shows the same transaction.
  expect((await inbox(id, body)).res.status).toBe(200);
  const reused = await inbox(id, buildPacs008());
  expect(reused.res.status).toBe(409);
  expect(reused.json.code).toBe('IDEMPOTENCY.KEY_REUSED');
  const v1 = await fetch(`${gw.url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${rp2}` } });
  expect(v1.status).toBe(200);
});

it('POST /outbox shows rejections (unlike the guidance) and answers 400 MISS while there is no report', async () => {
  const early = await outbox((await newId()).transaction_id as string);
  expect(early.res.status).toBe(400);
  expect(JSON.parse(early.text)).toMatchObject({ error_code: 'MISS', code: 'OUTBOX.NOT_READY' });

  const id = (await newId()).transaction_id as string;
  expect((await inbox(id, buildPacs008({ creditorAccountOther: 'ACCT-9999' }))).res.status).toBe(200);
  expect((await waitForTerminal(gw.url, rp2, id)).status).toBe('RJCT');
  const out = await outbox(id);
  expect(out.res.status).toBe(200);
  expect(xpathString(out.text, ISO_NS + 'pacs.002.001.10', 'string(//d:TxInfAndSts/d:TxSts)')).toBe('RJCT');
  expect(xpathString(out.text, ISO_NS + 'pacs.002.001.10', 'string(//d:StsRsnInf/d:Rsn/d:Cd)')).toBe('AC04');
});

it('refuses bad input with a problem that also carries the guidance fields; scopes are enforced', async () => {
  const id = (await newId()).transaction_id as string;
  const bad = await inbox(id, '<Document><Nope/></Document>');
  expect(bad.res.status).toBe(422);
  expect(bad.json).toMatchObject({ message: 'transaction received failed', transaction_id: id, code: 'ISO20022.UNSUPPORTED_MESSAGE' });
  const missing = await fetch(`${gw.url}/inbox`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rp2}`, 'content-type': 'application/json' },
    body: buildPacs008(),
  });
  expect(missing.status).toBe(400);
  expect((await inbox((await newId()).transaction_id as string, buildPacs008(), readOnly)).res.status).toBe(403);
  // /v1/inbox stays strict: JSON is refused there.
  const strict = await fetch(`${gw.url}/v1/inbox`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rp2}`, 'content-type': 'application/json' },
    body: buildPacs008(),
  });
  expect(strict.status).toBe(415);
});
