// SPDX-License-Identifier: Apache-2.0
/**
 * Clients that no one here wrote (issue 10 points 1-4): every request shape of the AWS ISO 20022 guidance's
 * client script (`bin/test.sh` steps 1-7) and of its MQ reader/writer, written from their documented behaviour
 * (../shared/design/reference-aws-guidance.md sections 1, 6, 7, 11), against the built gateway:
 *  1. GET / region discovery without a token, as `curl --http1.1 --location` with X-S3-Skip/X-SNS-Skip/X-SQS-Skip;
 *  3. the token: HTTP Basic plus a `client_id` form field (test.sh), and HTTP Basic with grant_type/scope/client_id
 *     in the query string and an empty body (the MQ reader/writer, Python requests `params=`);
 *  4. GET /uuid with X-Message-Type;
 *  5. POST /inbox with the guidance's test message shape (AppHdr and Document in no namespace, prefixes declared
 *     and unused, in a <RequestPayload>) as Content-Type application/json with CR/LF stripped (curl --data);
 *  7. POST /outbox: a pacs.002 RJCT FF01 saying the namespace is missing, or with AWS_COMPAT_REPAIR_NAMESPACE=true
 *     the payment settled and its pacs.002 ACSC; while the payment is held or in flight, 400 MISS, repeatably.
 * The message is written here (the guidance's files are not shipped); its shape is the one of data/pacs.008.xml.
 */
import { randomUUID } from 'node:crypto';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, TEST_CLIENTS, waitForTerminal, type NodeProcess } from '../support/processes.js';

const CLIENT = TEST_CLIENTS.find((c) => c.id === 'bank-b')!;
const BASIC = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`;
const PACS_NS = 'urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08';
const HEAD_NS = 'urn:iso:std:iso:20022:tech:xsd:head.001.001.02';

let sim: NodeProcess;
/** AWS_COMPAT_REPAIR_NAMESPACE unset (false); payments above 50,000 are held. */
let gw: NodeProcess;
/** AWS_COMPAT_REPAIR_NAMESPACE=true. */
let repairing: NodeProcess;

beforeAll(async () => {
  sim = await startSimulator();
  gw = await startGateway({
    DATA_DIR: tempDir('guidance-clients'),
    LEGACY_HOST_URL: sim.url,
    HOLD_AMOUNT_ABOVE: '50000',
    REGION_ID: 'eu-west-1',
    LOG_LEVEL: 'debug',
  });
  repairing = await startGateway({
    DATA_DIR: tempDir('guidance-clients-repair'),
    LEGACY_HOST_URL: sim.url,
    AWS_COMPAT_REPAIR_NAMESPACE: 'true',
  });
});

afterAll(async () => {
  await repairing?.kill();
  await gw?.kill();
  await sim?.kill();
});

/**
 * A pacs.008 in the shape of the guidance's data/pacs.008.xml: <RequestPayload> around an AppHdr and a Document
 * that declare their namespaces under prefixes (h, Doc) no element uses, so both are in no namespace; written
 * with CRLF line ends, as a file, then sent as `curl --data @file` sends it: CR and LF removed.
 */
function guidanceMessage(opts: { uetr?: string; amount?: string; creDt?: string } = {}): string {
  const enveloped = buildPacs008({ uetr: opts.uetr ?? randomUUID(), amount: opts.amount ?? '924.06', appHeader: 'head.001.001.02' });
  const file = enveloped
    .replace('<Envelope xmlns="urn:swift:xsd:envelope">', '<RequestPayload>')
    .replace('</Envelope>', '</RequestPayload>')
    .replace(`<AppHdr xmlns="${HEAD_NS}">`, `<AppHdr xmlns:h="${HEAD_NS}">`)
    .replace(`<Document xmlns="${PACS_NS}">`, `<Document xmlns:Doc="${PACS_NS}">`)
    .replace('</MsgDefIdr>', '</MsgDefIdr>\n  <BizSvc>swift.cbprplus.01</BizSvc>')
    .replace(/<CreDt>[^<]*<\/CreDt>/, opts.creDt === undefined ? '$&' : `<CreDt>${opts.creDt}</CreDt>`)
    .replace(/\n/g, '\r\n');
  expect(file).toContain('<RequestPayload>');
  expect(file).not.toContain(`xmlns="${PACS_NS}"`);
  return file.replace(/[\r\n]/g, '');
}

/** `bin/test.sh` step 3: HTTP Basic, and client_id, grant_type and scope url-encoded in the form body. */
async function tokenByBasicAndBody(base: string): Promise<string> {
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
    body: `client_id=${CLIENT.id}&grant_type=client_credentials&scope=rp2%2Fread%20rp2%2Fwrite`,
  });
  const json = (await res.json()) as Record<string, unknown>;
  expect({ status: res.status, json }).toMatchObject({ status: 200, json: { token_type: 'Bearer', scope: 'rp2/read rp2/write' } });
  return json.access_token as string;
}

/** The MQ reader/writer (`auth2token`): HTTP Basic, the parameters in the query string, an empty form body. */
async function tokenByQuery(base: string, query: string): Promise<Response> {
  return fetch(`${base}/oauth2/token?${query}`, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' },
    body: '',
  });
}

/** Step 4 (and the MQ reader): GET /uuid with Bearer, Content-Type application/json, X-Message-Type pacs.008. */
async function newTransactionId(base: string, token: string): Promise<string> {
  const res = await fetch(`${base}/uuid`, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'X-Message-Type': 'pacs.008' },
  });
  const json = (await res.json()) as Record<string, unknown>;
  expect({ status: res.status, message: json.message }).toEqual({ status: 200, message: 'transaction initialized successfully' });
  expect(json.transaction_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  return json.transaction_id as string;
}

/** Step 5: POST /inbox, the XML as the "JSON" body. */
async function inbox(base: string, token: string, id: string, body: string) {
  const res = await fetch(`${base}/inbox`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'X-Transaction-Id': id,
      'X-Message-Type': 'pacs.008',
    },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Step 7 (and the MQ writer): POST /outbox with X-Transaction-Id, no body. */
async function outbox(base: string, token: string, id: string) {
  const res = await fetch(`${base}/outbox`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'X-Transaction-Id': id },
  });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

async function statusOf(base: string, token: string, id: string): Promise<string> {
  const res = await fetch(`${base}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { status: string }).status;
}

async function until(base: string, token: string, id: string, wanted: string[]): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await statusOf(base, token, id);
    if (wanted.includes(status)) return status;
    if (Date.now() > deadline) throw new Error(`transaction ${id} is ${status}, not ${wanted.join(' or ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('step 1: GET / region discovery (no token)', () => {
  it('answers the guidance health fields with region_id, as curl --http1.1 --location sends it, never a redirect', async () => {
    const res = await fetch(`${gw.url}/`, {
      redirect: 'follow',
      headers: { 'X-S3-Skip': '1', 'X-SNS-Skip': '1', 'X-SQS-Skip': '1', accept: '*/*' },
    });
    expect(res.status).toBe(200);
    expect(res.redirected).toBe(false);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const json = (await res.json()) as Record<string, unknown>;
    expect(json).toMatchObject({ message: 'execution successful', region_id: 'eu-west-1', api_endpoint: gw.url });
    expect(Object.keys(json).sort()).toEqual(
      ['api_endpoint', 'message', 'region_id', 'request_duration', 'request_id', 'request_timestamp'].sort(),
    );
  });

  it('is no transaction probe: X-Transaction-Id / X-Transaction-Status of a real transaction change nothing', async () => {
    const token = await tokenByBasicAndBody(gw.url);
    const id = await newTransactionId(gw.url, token);
    expect((await inbox(gw.url, token, id, buildPacs008())).status).toBe(200);
    const status = await until(gw.url, token, id, ['ACSC']);
    const probe = async (headers: Record<string, string>) => {
      const res = await fetch(`${gw.url}/`, { headers });
      const json = (await res.json()) as Record<string, unknown>;
      return { status: res.status, keys: Object.keys(json).sort(), text: JSON.stringify(json) };
    };
    const hit = await probe({ 'X-Transaction-Id': id, 'X-Transaction-Status': status, 'X-Transaction-Region': 'eu-west-1' });
    const miss = await probe({ 'X-Transaction-Id': randomUUID(), 'X-Transaction-Status': 'ACSC' });
    expect(hit.status).toBe(200);
    expect(miss.status).toBe(200);
    expect(hit.keys).toEqual(miss.keys);
    expect(hit.text).not.toContain(id);
    expect(hit.text).not.toMatch(/count|ACSC/);
  });
});

describe('step 3: the token', () => {
  it('test.sh: HTTP Basic plus a matching client_id in the form body', async () => {
    expect(await tokenByBasicAndBody(gw.url)).toMatch(/^ey/);
  });

  it('MQ reader/writer: HTTP Basic, grant_type/scope/client_id in the query string, empty body', async () => {
    const res = await tokenByQuery(gw.url, `client_id=${CLIENT.id}&grant_type=client_credentials&scope=rp2%2Fread+rp2%2Fwrite`);
    const json = (await res.json()) as Record<string, unknown>;
    expect({ status: res.status, json }).toMatchObject({ status: 200, json: { token_type: 'Bearer', scope: 'rp2/read rp2/write' } });
    // and the token works
    expect(await newTransactionId(gw.url, json.access_token as string)).toBeTruthy();
  });

  it('refuses a client_id that is not the Basic one, two secrets, and a secret in the query string (never logged)', async () => {
    const mismatch = await tokenByQuery(gw.url, 'client_id=bank-a&grant_type=client_credentials');
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toMatchObject({ error: 'invalid_request' });
    const two = await fetch(`${gw.url}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: `client_id=${CLIENT.id}&client_secret=${CLIENT.secret}&grant_type=client_credentials`,
    });
    expect(two.status).toBe(400);
    const secret = `query-secret-${randomUUID()}`;
    const inQuery = await fetch(`${gw.url}/oauth2/token?client_id=${CLIENT.id}&client_secret=${secret}&grant_type=client_credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    const text = await inQuery.text();
    expect(inQuery.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid_request' });
    expect(text).not.toContain(secret);
    expect(gw.logs()).not.toContain(secret);
  });
});

describe("steps 4-7: the guidance's own test message", () => {
  it('POST /inbox answers 200 (receipt); POST /outbox gives a pacs.002 RJCT FF01 saying the namespace is missing, repeatably', async () => {
    const token = await tokenByBasicAndBody(gw.url);
    const id = await newTransactionId(gw.url, token);
    const message = guidanceMessage();
    expect(message).not.toMatch(/[\r\n]/);
    const sent = await inbox(gw.url, token, id, message);
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({
      message: 'transaction received successfully',
      transaction_id: id,
      region_id: 'eu-west-1',
      api_endpoint: gw.url,
      status: 'RJCT',
    });
    expect(typeof sent.json.request_id).toBe('string');
    expect(typeof sent.json.request_timestamp).toBe('number');
    for (let i = 0; i < 2; i++) {
      const out = await outbox(gw.url, token, id);
      expect(out.status).toBe(200);
      expect(out.contentType).toMatch(/^application\/xml/);
      expect(out.text).toContain('<TxSts>RJCT</TxSts>');
      expect(out.text).toContain('<Cd>FF01</Cd>');
      expect(out.text).toMatch(/<AddtlInf>namespace missing: the AppHdr and the Document are in no namespace/);
      expect(out.text).toContain('<OrgnlMsgNmId>pacs.008.001.08</OrgnlMsgNmId>');
    }
    // the same request again is a replay; /v1/inbox stays strict (422, nothing stored)
    expect((await inbox(gw.url, token, id, message)).json).toMatchObject({ transaction_id: id, status: 'RJCT' });
    const strictId = randomUUID();
    const strict = await fetch(`${gw.url}/v1/inbox`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml', 'X-Transaction-Id': strictId },
      body: message,
    });
    expect(strict.status).toBe(422);
    expect(await strict.json()).toMatchObject({ code: 'ISO20022.UNSUPPORTED_MESSAGE' });
    expect((await fetch(`${gw.url}/v1/transactions/${strictId}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
  });

  it('another schema-invalid message that names itself gets the same contract; what no pacs.002 can answer is a 4xx at once', async () => {
    const token = await tokenByBasicAndBody(gw.url);
    const id = await newTransactionId(gw.url, token);
    const badBic = buildPacs008({ creditorBic: 'NOT-A-BIC' });
    const sent = await inbox(gw.url, token, id, badBic.replace(/[\r\n]/g, ''));
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({ message: 'transaction received successfully', transaction_id: id, status: 'RJCT' });
    const out = await outbox(gw.url, token, id);
    expect(out.status).toBe(200);
    expect(out.text).toContain('<Cd>FF01</Cd>');
    const notXml = await inbox(gw.url, token, await newTransactionId(gw.url, token), '<RequestPayload><AppHdr>');
    expect(notXml.status).toBe(400);
    expect(notXml.json).toMatchObject({ message: 'transaction received failed', error_code: 'ISO20022.NOT_XML' });
  });

  it('with AWS_COMPAT_REPAIR_NAMESPACE=true the payment goes through to ACSC and /outbox gives its pacs.002', async () => {
    const token = await tokenByBasicAndBody(repairing.url);
    const id = await newTransactionId(repairing.url, token);
    const uetr = randomUUID();
    const sent = await inbox(repairing.url, token, id, guidanceMessage({ uetr }));
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({ message: 'transaction received successfully', transaction_id: id, message_type: 'pacs.008.001.08' });
    expect((await waitForTerminal(repairing.url, token, id)).status).toBe('ACSC');
    const out = await outbox(repairing.url, token, id);
    expect(out.status).toBe(200);
    expect(out.text).toContain('<TxSts>ACSC</TxSts>');
    expect(out.text).toContain(`<OrgnlUETR>${uetr}</OrgnlUETR>`);
  });

  it("with the repair, what else is wrong still fails strictly: the guidance's AppHdr CreDt as a date is RJCT FF01", async () => {
    const token = await tokenByBasicAndBody(repairing.url);
    const id = await newTransactionId(repairing.url, token);
    const sent = await inbox(repairing.url, token, id, guidanceMessage({ creDt: '2023-05-05' }));
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({ transaction_id: id, status: 'RJCT' });
    const out = await outbox(repairing.url, token, id);
    expect(out.status).toBe(200);
    expect(out.text).toContain('<Cd>FF01</Cd>');
    expect(out.text).toContain('<AddtlInf>schema validation failed');
  });
});

describe('POST /outbox before the report exists: 400 MISS, repeatably (was 500)', () => {
  async function expectMissTwice(base: string, token: string, id: string, status: string) {
    for (let i = 0; i < 2; i++) {
      const out = await outbox(base, token, id);
      expect({ status: out.status, contentType: out.contentType }).toMatchObject({ status: 400 });
      expect(JSON.parse(out.text)).toMatchObject({
        status: 400,
        message: 'missing object in s3',
        error_code: 'MISS',
        transaction_id: id,
        transaction_status: status,
      });
    }
  }

  it('while the payment is held (PDNG)', async () => {
    const token = await tokenByBasicAndBody(gw.url);
    const id = await newTransactionId(gw.url, token);
    expect((await inbox(gw.url, token, id, buildPacs008({ amount: '60000.00' }))).status).toBe(200);
    await until(gw.url, token, id, ['PDNG']);
    await expectMissTwice(gw.url, token, id, 'PDNG');
  });

  it('while the payment is in flight (ACSP, the host down)', async () => {
    const setFaults = (body: Record<string, unknown>) =>
      fetch(`${sim.url}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const token = await tokenByBasicAndBody(gw.url);
    const id = await newTransactionId(gw.url, token);
    expect((await setFaults({ down: true })).ok).toBe(true);
    try {
      expect((await inbox(gw.url, token, id, buildPacs008())).status).toBe(200);
      await until(gw.url, token, id, ['ACSP']);
      await expectMissTwice(gw.url, token, id, 'ACSP');
    } finally {
      await setFaults({ down: false });
    }
  });
});
