// SPDX-License-Identifier: Apache-2.0
/**
 * The API contract end to end, over real HTTP: the built gateway (dist/) as a child process on the
 * embedded default, the built legacy-host simulator as another. Needs `npm run build` first.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XmlDocument, XsdValidator } from 'libxml2-wasm';
import { buildPacs008 } from '../support/pacs008.factory.js';
import {
  REPO_ROOT,
  startGateway,
  startSimulator,
  tempDir,
  tokenFor,
  waitForTerminal,
  type NodeProcess,
  type TransactionJson,
  ON_POSTGRES,
} from '../support/processes.js';
import { referenceDir } from '../support/reference.js';

const example = (name: string) => readFileSync(join(REPO_ROOT, 'config/examples', name), 'utf8');

let sim: NodeProcess;
let gw: NodeProcess;
let url: string;
let tokenA: string;
let tokenB: string;
let pacs002: XsdValidator;

const NS002 = 'urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10';

function xpath(xml: string, path: string): string | null {
  const doc = XmlDocument.fromString(xml);
  try {
    return doc.get(path, { p: NS002 })?.content ?? null;
  } finally {
    doc.dispose();
  }
}

function assertOfficialPacs002(xml: string): void {
  const doc = XmlDocument.fromString(xml);
  try {
    pacs002.validate(doc); // throws XmlValidateError with details when invalid
  } finally {
    doc.dispose();
  }
}

async function submit(body: string, token = tokenA, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}`, ...headers },
    body,
  });
  const text = await res.text();
  return { res, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function get(path: string, token = tokenA) {
  return fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

async function stats(): Promise<{ received: number; unique: number; duplicates: number; accepted: number; rejected: number }> {
  return (await (await fetch(`${sim.url}/stats`)).json()) as never;
}

beforeAll(async () => {
  const xsd = XmlDocument.fromString(readFileSync(join(referenceDir(), 'xsd/pacs.002.001.10.xsd'), 'utf8'));
  pacs002 = XsdValidator.fromDoc(xsd);
  xsd.dispose();
  sim = await startSimulator();
  gw = await startGateway({ DATA_DIR: tempDir('api'), LEGACY_HOST_URL: sim.url, MAX_BODY_BYTES: String(256 * 1024) });
  url = gw.url;
  tokenA = await tokenFor(url, 'bank-a');
  tokenB = await tokenFor(url, 'bank-b');
});

afterAll(async () => {
  pacs002?.dispose();
  await gw?.kill();
  await sim?.kill();
});

describe('auth', () => {
  it('issues client-credentials tokens by Basic auth and by form fields, signed by a published key', async () => {
    const form = await fetch(`${url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'bank-a',
        client_secret: 'bank-a-secret-0001',
        scope: 'payments:read',
      }),
    });
    expect(form.status).toBe(200);
    expect(form.headers.get('cache-control')).toBe('no-store');
    const body = (await form.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'payments:read' });
    expect(body.expires_in).toBeGreaterThan(0);
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
    const kid = JSON.parse(Buffer.from(String(body.access_token).split('.')[0]!, 'base64url').toString()).kid;
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('answers RFC 6749 errors for a wrong secret, a wrong grant and a scope the client lacks', async () => {
    const post = (body: Record<string, string>) =>
      fetch(`${url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body),
      });
    const wrong = await post({ grant_type: 'client_credentials', client_id: 'bank-a', client_secret: 'nope-nope-nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    const grant = await post({ grant_type: 'password', client_id: 'bank-a', client_secret: 'bank-a-secret-0001' });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const scope = await post({
      grant_type: 'client_credentials',
      client_id: 'writer',
      client_secret: 'writer-secret-0003',
      scope: 'payments:read',
    });
    expect(scope.status).toBe(400);
    expect(await scope.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses calls without a valid token (401) or without the scope (403), as problem details', async () => {
    const none = await fetch(`${url}/v1/transactions`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(await none.json()).toMatchObject({ status: 401, code: 'AUTH.INVALID_TOKEN' });
    const forged = await get('/v1/transactions', `${tokenA.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);
    const writerOnly = await tokenFor(url, 'writer');
    const noRead = await get('/v1/transactions', writerOnly);
    expect(noRead.status).toBe(403);
    expect(await noRead.json()).toMatchObject({ code: 'AUTH.INSUFFICIENT_SCOPE' });
  });
});

describe('a payment through the legacy host', () => {
  it('takes the example pacs.008, settles it at the host and answers a pacs.002 that references it', async () => {
    const { res, json } = await submit(
      example('pacs.008.001.08.xml')
        .replace(/<UETR>[^<]+/, `<UETR>${crypto.randomUUID()}`)
        .replace(/<MsgId>[^<]+/, '<MsgId>E2E-HAPPY-1'),
    );
    expect(res.status).toBe(202);
    expect(json).toMatchObject({ status: 'RCVD', messageType: 'pacs.008.001.08' });
    const id = String(json.transactionId);
    expect(res.headers.get('location')).toBe(`/v1/transactions/${id}`);
    const tx = await waitForTerminal(url, tokenA, id);
    expect(tx.status).toBe('ACSC');
    expect(tx).toMatchObject({ msgId: 'E2E-HAPPY-1', messageType: 'pacs.008.001.08', reason: null });
    expect((tx.history as Array<{ status: string }>).map((h) => h.status)).toEqual(['RCVD', 'ACTC', 'ACSP', 'ACSC']);
    expect(tx.amount).toEqual({ value: expect.stringMatching(/^\d+(\.\d+)?$/), currency: expect.any(String) });

    const outbox = await get(`/v1/transactions/${id}/outbox`);
    expect(outbox.status).toBe(200);
    expect(outbox.headers.get('content-type')).toContain('application/xml');
    const xml = await outbox.text();
    assertOfficialPacs002(xml);
    expect(xpath(xml, '//p:OrgnlGrpInfAndSts/p:OrgnlMsgId')).toBe('E2E-HAPPY-1');
    expect(xpath(xml, '//p:OrgnlGrpInfAndSts/p:OrgnlMsgNmId')).toBe('pacs.008.001.08');
    expect(xpath(xml, '//p:TxInfAndSts/p:OrgnlEndToEndId')).toBe(tx.endToEndId);
    expect(xpath(xml, '//p:TxInfAndSts/p:OrgnlUETR')).toBe(tx.uetr);
    expect(xpath(xml, '//p:TxInfAndSts/p:TxSts')).toBe('ACSC');
    // Repeatable.
    expect(await (await get(`/v1/transactions/${id}/outbox`)).text()).toBe(xml);
    const host = (await (await fetch(`${sim.url}/v1/payments/${tx.uetr}`)).json()) as { status: string };
    expect(host.status).toBe('ACSC');
  });

  it('rejects with AC04 what the host rejects, with a pacs.002 RJCT carrying the reason', async () => {
    const { res, json } = await submit(example('pacs.008.001.08-ac04.xml'));
    expect(res.status).toBe(202);
    const tx = await waitForTerminal(url, tokenA, String(json.transactionId));
    expect(tx.status).toBe('RJCT');
    expect(tx.reason?.code).toBe('AC04');
    const xml = await (await get(`/v1/transactions/${tx.transactionId}/outbox`)).text();
    assertOfficialPacs002(xml);
    expect(xpath(xml, '//p:TxInfAndSts/p:TxSts')).toBe('RJCT');
    expect(xpath(xml, '//p:TxInfAndSts/p:StsRsnInf/p:Rsn/p:Cd')).toBe('AC04');
  });

  it('takes a Document wrapped with an AppHdr in an envelope', async () => {
    const { res, json } = await submit(example('pacs.008.001.08-apphdr.xml'));
    expect(res.status).toBe(202);
    expect((await waitForTerminal(url, tokenA, String(json.transactionId))).status).toBe('ACSC');
  });

  it("keeps each client's transactions to itself", async () => {
    const { json } = await submit(buildPacs008({}));
    const id = String(json.transactionId);
    expect((await get(`/v1/transactions/${id}`, tokenB)).status).toBe(404);
    expect((await get(`/v1/transactions/${id}/outbox`, tokenB)).status).toBe(404);
    const listB = (await (await get('/v1/transactions?limit=200', tokenB)).json()) as { items: TransactionJson[] };
    expect(listB.items.map((t) => t.transactionId)).not.toContain(id);
  });

  it('lists with a status filter and cursor pages that do not overlap', async () => {
    for (let i = 0; i < 3; i++) await submit(buildPacs008({}), tokenB);
    const first = (await (await get('/v1/transactions?limit=2', tokenB)).json()) as { items: TransactionJson[]; nextCursor: string };
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBeTruthy();
    const second = (await (await get(`/v1/transactions?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`, tokenB)).json()) as {
      items: TransactionJson[];
    };
    const ids = [...first.items, ...second.items].map((t) => t.transactionId);
    expect(new Set(ids).size).toBe(ids.length);
    const bad = await get('/v1/transactions?status=NOPE', tokenB);
    expect(bad.status).toBe(400);
  });
});

describe('duplicates', () => {
  it('replays the first answer for the same X-Transaction-Id and body, 409 for another body', async () => {
    const key = crypto.randomUUID();
    const body = buildPacs008({});
    const first = await submit(body, tokenA, { 'x-transaction-id': key });
    expect(first.res.status).toBe(202);
    expect(first.json.transactionId).toBe(key);
    const again = await submit(body, tokenA, { 'x-transaction-id': key });
    expect(again.res.status).toBe(202);
    expect(again.json).toEqual(first.json);
    expect(again.res.headers.get('idempotent-replayed')).toBe('true');
    const other = await submit(buildPacs008({}), tokenA, { 'x-transaction-id': key });
    expect(other.res.status).toBe(409);
    expect(other.json).toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED' });
  });

  it('answers 409 naming the original for the same UETR, or the same MsgId + EndToEndId, and never settles twice', async () => {
    const uetr = crypto.randomUUID();
    const original = await submit(buildPacs008({ uetr }));
    const id = String(original.json.transactionId);
    await waitForTerminal(url, tokenA, id);
    const before = await stats();
    const sameUetr = await submit(buildPacs008({ uetr }));
    expect(sameUetr.res.status).toBe(409);
    expect(sameUetr.json).toMatchObject({ code: 'PAYMENT.DUPLICATE', existingTransactionId: id, duplicateBy: 'uetr' });
    const ids = { msgId: `DUP-${Date.now()}`, endToEndId: 'E2E-DUP-1' };
    const a = await submit(buildPacs008({ ...ids }));
    expect(a.res.status).toBe(202);
    const b = await submit(buildPacs008({ ...ids }));
    expect(b.res.status).toBe(409);
    expect(b.json).toMatchObject({ existingTransactionId: a.json.transactionId, duplicateBy: 'msgid-endtoendid' });
    // Another client may use the same MsgId + EndToEndId.
    expect((await submit(buildPacs008({ ...ids }), tokenB)).res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    const after = await stats();
    expect(after.duplicates).toBe(before.duplicates);
  });
});

describe('bad input', () => {
  async function stillServing() {
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  }

  it('not XML -> 400 problem', async () => {
    const { res, json } = await submit('this is not xml');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(json).toMatchObject({ status: 400, code: 'ISO20022.NOT_XML', type: expect.any(String), title: expect.any(String) });
    await stillServing();
  });

  it('XML that is not a supported message -> 422 naming what was found', async () => {
    const { res, json } = await submit('<?xml version="1.0"?><Invoice xmlns="urn:example:invoice"><Id>1</Id></Invoice>');
    expect(res.status).toBe(422);
    expect(json).toMatchObject({ code: 'ISO20022.UNSUPPORTED_MESSAGE' });
    await stillServing();
  });

  it('X-Consistency: region is the default (echoed); global in one region -> 422 before anything is stored; anything else -> 400', async () => {
    const uetr = randomUUID();
    const global = await submit(buildPacs008({ uetr, msgId: 'CONSISTENCY-1' }), tokenA, { 'x-consistency': 'global' });
    expect(global.res.status).toBe(422);
    expect(global.json).toMatchObject({ code: 'CONSISTENCY.NO_PEER_REGION' });
    const bad = await submit(buildPacs008({ uetr, msgId: 'CONSISTENCY-1' }), tokenA, { 'x-consistency': 'everywhere' });
    expect(bad.res.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'REQUEST.INVALID_CONSISTENCY' });
    // nothing was stored by either: the same payment is taken now, not refused as a duplicate
    const taken = await submit(buildPacs008({ uetr, msgId: 'CONSISTENCY-1' }), tokenA, { 'x-consistency': 'region' });
    expect(taken.res.status).toBe(202);
    expect(taken.res.headers.get('x-consistency')).toBe('region');
    expect(taken.json).toMatchObject({ transactionId: expect.any(String) });
  });

  it('a body that is not XML at all (JSON) -> 415', async () => {
    const res = await fetch(`${url}/v1/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenA}` },
      body: '{"a":1}',
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('schema-invalid -> 422 with line-numbered errors and a RJCT/FF01 record whose outbox holds the pacs.002', async () => {
    const valid = buildPacs008({ msgId: 'BAD-SCHEMA-1' });
    const invalid = valid.replace(/<ChrgBr>[A-Z]+<\/ChrgBr>/, '<ChrgBr>XXXX</ChrgBr>');
    expect(invalid).not.toBe(valid);
    const { res, json } = await submit(invalid);
    expect(res.status).toBe(422);
    expect(json).toMatchObject({ code: 'ISO20022.SCHEMA_INVALID' });
    const errors = json.errors as Array<{ line?: number; message: string }>;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.line).toBeGreaterThan(1);
    expect(errors[0]!.message).toMatch(/ChrgBr/);
    const id = String(json.transactionId);
    const tx = (await (await get(`/v1/transactions/${id}`)).json()) as TransactionJson;
    expect(tx).toMatchObject({ status: 'RJCT', reason: { code: 'FF01' }, msgId: 'BAD-SCHEMA-1' });
    const xml = await (await get(`/v1/transactions/${id}/outbox`)).text();
    assertOfficialPacs002(xml);
    expect(xpath(xml, '//p:TxInfAndSts/p:StsRsnInf/p:Rsn/p:Cd')).toBe('FF01');
    expect(xpath(xml, '//p:OrgnlGrpInfAndSts/p:OrgnlMsgId')).toBe('BAD-SCHEMA-1');
    // The corrected message is still accepted afterwards.
    expect((await submit(valid)).res.status).toBe(202);
    await stillServing();
  });

  it('a body over the limit -> 413', async () => {
    const big = `<?xml version="1.0"?><Document>${'<a>x</a>'.repeat(40_000)}</Document>`;
    const { res, json } = await submit(big);
    expect(res.status).toBe(413);
    expect(json).toMatchObject({ status: 413 });
    await stillServing();
  });

  it('entity expansion (billion laughs) -> 4xx fast', async () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">&lol9;</Document>`;
    const started = Date.now();
    const { res, json } = await submit(lol);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(json).toMatchObject({ code: 'ISO20022.DTD_FORBIDDEN' });
    await stillServing();
  });

  it('external entities -> 4xx and no file content echoed', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf><GrpHdr><MsgId>&x;</MsgId></GrpHdr></FIToFICstmrCdtTrf></Document>`;
    const res = await fetch(`${url}/v1/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', authorization: `Bearer ${tokenA}` },
      body: xxe,
    });
    const text = await res.text();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(text).not.toMatch(/root:|\/bin\/(ba)?sh/);
    await stillServing();
  });

  it('a deeply nested document -> 400', async () => {
    const deep = `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</Document>`;
    const { res, json } = await submit(deep);
    expect(res.status).toBe(400);
    expect(json).toMatchObject({ code: 'ISO20022.TOO_DEEP' });
    await stillServing();
  });
});

describe('operations', () => {
  it('readiness reports each adapter of the instance; the host is in the dependencies report', async () => {
    const res = await fetch(`${url}/health/ready`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; info: Record<string, unknown> };
    expect(body.status).toBe('ok');
    // one check per adapter on the embedded default; one for the server every adapter shares on PostgreSQL
    expect(Object.keys(body.info)).toEqual(ON_POSTGRES ? ['postgres'] : expect.arrayContaining(['store', 'queue', 'archive', 'secrets']));
    expect(Object.keys(body.info)).not.toContain('host:http');
    const deps = (await (await fetch(`${url}/health/dependencies`)).json()) as { dependencies: Record<string, { status: string }> };
    expect(deps.dependencies['host:http']).toEqual({ status: 'up' });
  });

  it('serves Prometheus metrics to a token with metrics:read only, and the store counters move when a payment settles', async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${tokenA}` } })).status).toBe(403);
    const monitor = await tokenFor(url, 'monitor');
    const scrape = async () => {
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${monitor}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      return { text, commits: read('clearway_store_commits_total'), writes: read('clearway_store_writes_total') };
    };
    const before = await scrape();
    expect(before.text).toMatch(/^process_cpu_seconds_total /m);
    expect(before.text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
    const { json } = await submit(buildPacs008({}));
    await waitForTerminal(url, tokenA, json.transactionId as string);
    const after = await scrape();
    if (ON_POSTGRES) {
      // PostgreSQL has no group commit: the pool's gauges are served instead
      expect(after.text).toMatch(/^clearway_postgres_pool_connections\{state="idle"\} \d+$/m);
      expect(after.text).toMatch(/^clearway_postgres_pool_waiting 0$/m);
      expect(after.text).not.toMatch(/^clearway_store_commits_total /m);
      return;
    }
    // the create, two jobs claimed and acked, three saves and the archived messages: several writes, fewer or as many commits
    expect(after.writes - before.writes).toBeGreaterThanOrEqual(8);
    expect(after.commits - before.commits).toBeGreaterThan(0);
    expect(after.commits - before.commits).toBeLessThanOrEqual(after.writes - before.writes);
  });

  it('serves the OpenAPI document at /docs', async () => {
    const res = await fetch(`${url}/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/inbox', '/v1/transactions/{id}', '/oauth2/token']));
  });
});
