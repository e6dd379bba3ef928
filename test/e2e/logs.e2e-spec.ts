// SPDX-License-Identifier: Apache-2.0
/**
 * The logs end to end (issue 13 point 1, docs/operations.md "Logs"): the built gateway with LOG_FORMAT=json and
 * LOG_LEVEL=log settles a payment, refuses it again as a duplicate, and refuses a bad bearer token and a wrong
 * client secret; every line of its standard output is then read as JSON. A second gateway takes payments from
 * an inbound RabbitMQ queue (AMQP_URL): the lines of each delivery carry its `deliveryId` and `channel: mq`.
 * Needs `npm run build` first.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { AMQP_URL, amqpNames, deleteTopology } from '../support/amqp.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, TEST_CLIENTS, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

type Line = Record<string, unknown>;

let sim: NodeProcess;
let gw: NodeProcess;
let token: string;
const uetr = randomUUID();
const secret = TEST_CLIENTS.find((c) => c.id === 'bank-a')!.secret;
const REQ = {
  submit: 'e2e-logs-submit-1',
  duplicate: 'e2e-logs-duplicate-1',
  badToken: 'e2e-logs-bad-token-1',
  badSecret: 'e2e-logs-bad-secret-1',
};
let transactionId: string;

function submit(body: string, requestId: string): Promise<Response> {
  return fetch(`${gw.url}/v1/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}`, 'x-request-id': requestId },
    body,
  });
}

/** Every line of standard output, each required to be one JSON object. */
function lines(of: NodeProcess = gw): Line[] {
  return of
    .stdout()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Line;
      } catch {
        throw new Error(`a log line is not JSON: ${l.slice(0, 300)}`);
      }
    });
}

async function eventually(check: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

beforeAll(async () => {
  sim = await startSimulator();
  gw = await startGateway({ DATA_DIR: tempDir('logs'), LEGACY_HOST_URL: sim.url, LOG_FORMAT: 'json', LOG_LEVEL: 'log' }, undefined, {
    keepStdout: true,
  });
  token = await tokenFor(gw.url, 'bank-a');
  const message = buildPacs008({ uetr });
  const first = await submit(message, REQ.submit);
  expect(first.status).toBe(202);
  transactionId = ((await first.json()) as { transactionId: string }).transactionId;
  expect((await waitForTerminal(gw.url, token, transactionId)).status).toBe('ACSC');
  expect((await submit(message, REQ.duplicate)).status).toBe(409);
  const badToken = await fetch(`${gw.url}/v1/transactions`, {
    headers: { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.forged-signature', 'x-request-id': REQ.badToken },
  });
  expect(badToken.status).toBe(401);
  const badSecret = await fetch(`${gw.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': REQ.badSecret },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'bank-a', client_secret: 'wrong-secret-e2e-logs' }),
  });
  expect(badSecret.status).toBe(401);
  // the last lines (the 401s' request lines and the token endpoint's refusal, each written by its own
  // onResponse hook, in no fixed order) are written after the answers went out
  await eventually(() => {
    const last = lines().filter((l) => l.requestId === REQ.badSecret);
    expect(last.filter((l) => l.msg === 'request completed')).toHaveLength(1);
    expect(last.filter((l) => l.msg === 'authentication failed')).toHaveLength(1);
  });
});

afterAll(async () => {
  await gw?.kill();
  await sim?.kill();
});

describe('the gateway’s log lines (LOG_FORMAT=json)', () => {
  it('are one JSON object per line, with an ISO time, a level name and a message', () => {
    const all = lines();
    expect(all.length).toBeGreaterThan(20);
    for (const line of all) {
      expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(['fatal', 'error', 'warn', 'info']).toContain(line.level);
      expect(typeof line.msg).toBe('string');
    }
  });

  it('audit every stored status change RCVD → ACTC → ACSP → ACSC with the transaction id, UETR and client', () => {
    const audit = lines().filter((l) => l.msg === 'payment status changed' && l.transactionId === transactionId);
    expect(audit.map((l) => [l.from, l.to])).toEqual([
      [null, 'RCVD'],
      ['RCVD', 'ACTC'],
      ['ACTC', 'ACSP'],
      ['ACSP', 'ACSC'],
    ]);
    for (const l of audit) {
      expect(l).toMatchObject({ level: 'info', transactionId, uetr, clientId: 'bank-a', messageType: 'pacs.008.001.08', channel: 'api' });
    }
    // the first in the request that received it, the others in the pipeline jobs that made them
    expect(audit[0]).toMatchObject({ requestId: REQ.submit });
    for (const l of audit.slice(1)) {
      expect(l.jobType).toMatch(/^payment\./);
      expect(l.attempt).toBeGreaterThanOrEqual(1);
    }
  });

  it('give every pipeline worker line its job type and attempt', () => {
    const worker = lines().filter((l) => typeof l.jobType === 'string' && String(l.jobType).startsWith('payment.'));
    expect(worker.length).toBeGreaterThanOrEqual(3);
    for (const l of worker) {
      expect(Number.isInteger(l.attempt)).toBe(true);
      expect(l).toMatchObject({ transactionId, uetr, clientId: 'bank-a' });
    }
  });

  it('give request lines the X-Request-Id the caller sent, and end each request with one line', () => {
    const done = lines().filter((l) => l.msg === 'request completed' && l.requestId === REQ.submit);
    expect(done).toEqual([
      expect.objectContaining({
        level: 'info',
        method: 'POST',
        path: '/v1/inbox',
        statusCode: 202,
        clientId: 'bank-a',
        transactionId,
        uetr,
      }),
    ]);
    expect(typeof done[0]!.responseTimeMs).toBe('number');
  });

  it('log the refused duplicate with the transaction it duplicates', () => {
    expect(lines().filter((l) => l.requestId === REQ.duplicate && l.msg === 'duplicate refused')).toEqual([
      expect.objectContaining({
        code: 'PAYMENT.DUPLICATE',
        clientId: 'bank-a',
        duplicateBy: 'uetr',
        duplicateOf: transactionId,
        transactionId,
      }),
    ]);
  });

  it('log failed authentications at WARN with the reason (and the client id when named)', () => {
    const failed = lines().filter((l) => l.msg === 'authentication failed');
    expect(failed).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        requestId: REQ.badToken,
        endpoint: 'bearer',
        path: '/v1/transactions',
        source: '127.0.0.1',
      }),
    );
    expect(failed).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        requestId: REQ.badSecret,
        endpoint: 'token',
        clientId: 'bank-a',
        reason: 'unknown client or wrong secret',
      }),
    );
  });

  it('never contain a bearer token, a client secret or a message body', () => {
    const output = gw.stdout() + gw.logs();
    expect(output).not.toContain(token);
    expect(output).not.toContain(token.split('.')[2]!);
    expect(output).not.toContain('forged-signature');
    expect(output).not.toContain(secret);
    expect(output).not.toContain('wrong-secret-e2e-logs');
    expect(output).not.toContain('FIToFICstmrCdtTrf');
    expect(output).not.toContain('<Document');
  });
});

describe('the log lines of an MQ delivery (the inbound queue)', () => {
  const names = amqpNames('logs');
  let mqGw: NodeProcess;
  const messageId = randomUUID();
  const duplicateDelivery = 'e2e-logs-mq-duplicate-1';
  const mqUetr = randomUUID();

  async function send(body: string, properties: { messageId?: string; correlationId?: string }): Promise<void> {
    const conn = await connect(AMQP_URL);
    try {
      const ch = await conn.createConfirmChannel();
      ch.sendToQueue(names.inboundQueue, Buffer.from(body), { persistent: true, contentType: 'application/xml', ...properties });
      await ch.waitForConfirms();
    } finally {
      await conn.close();
    }
  }

  beforeAll(async () => {
    mqGw = await startGateway(
      {
        ...names.env,
        DATA_DIR: tempDir('logs-mq'),
        LEGACY_HOST_URL: sim.url,
        MQ_CLIENT_ID: 'bank-a',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'log',
      },
      undefined,
      { keepStdout: true },
    );
    const message = buildPacs008({ uetr: mqUetr });
    // A delivery with a message-id (a UUID: also the transaction id), then the same payment again named only by
    // its correlation-id (refused as a duplicate of the first).
    await send(message, { messageId, correlationId: 'e2e-logs-mq-corr-1' });
    expect((await waitForTerminal(mqGw.url, await tokenFor(mqGw.url, 'bank-a'), messageId)).status).toBe('ACSC');
    await send(message, { correlationId: duplicateDelivery });
    await eventually(() => expect(lines(mqGw).filter((l) => l.msg === 'duplicate refused')).toHaveLength(1));
  });

  afterAll(async () => {
    await mqGw?.kill();
    await deleteTopology(names).catch(() => undefined);
  });

  it('carry the delivery id (the message-id) and channel mq, with the payment once it is stored', () => {
    const received = lines(mqGw).filter((l) => l.msg === 'payment status changed' && l.transactionId === messageId && l.to === 'RCVD');
    expect(received).toEqual([
      expect.objectContaining({ level: 'info', deliveryId: messageId, channel: 'mq', uetr: mqUetr, clientId: 'bank-a' }),
    ]);
    expect(received[0]!.requestId).toBeUndefined();
    // The pipeline's own lines are the jobs', not the delivery's.
    const steps = lines(mqGw).filter((l) => l.msg === 'payment status changed' && l.transactionId === messageId && l.to !== 'RCVD');
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const l of steps) expect(l.deliveryId).toBeUndefined();
  });

  it('name a delivery without a message-id by its correlation-id: its duplicate refusal and dead-lettering', () => {
    const ofDelivery = lines(mqGw).filter((l) => l.deliveryId === duplicateDelivery);
    expect(ofDelivery).toContainEqual(
      expect.objectContaining({
        msg: 'duplicate refused',
        channel: 'mq',
        code: 'PAYMENT.DUPLICATE',
        clientId: 'bank-a',
        duplicateBy: 'uetr',
        duplicateOf: messageId,
      }),
    );
    expect(ofDelivery).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        channel: 'mq',
        msg: expect.stringMatching(/^inbound message refused \(PAYMENT\.DUPLICATE\)/),
      }),
    );
    for (const l of ofDelivery) expect(l.channel).toBe('mq');
  });
});
