// SPDX-License-Identifier: Apache-2.0
/**
 * Admission control over HTTP (docs/operations.md, "Overload"): a gateway whose queue backs up stops taking
 * payments at the door with 503 and Retry-After, takes them again once the backlog drains, and settles every
 * payment it accepted (none rejected AB05 for the wait); a client over its quota gets 429 with Retry-After while
 * another client is served.
 */
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

let sim: NodeProcess;
let gateway: NodeProcess;

beforeAll(async () => {
  // a slow host and one worker: the queue backs up at once
  sim = await startSimulator({ SIM_LATENCY_MS: '150' });
  gateway = await startGateway({
    DATA_DIR: tempDir('admission'),
    LEGACY_HOST_URL: sim.url,
    WORKER_CONCURRENCY: '1',
    ADMISSION_MAX_WAIT_SECONDS: '2',
    SLA_SECONDS: '120',
    CLIENT_PAYMENT_QUOTAS: JSON.stringify({ 'bank-b': 2 }),
  });
}, 60_000);

afterAll(async () => {
  await gateway?.kill();
  await sim?.kill();
});

async function submit(token: string) {
  const res = await fetch(`${gateway.url}/v1/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}` },
    body: buildPacs008({}),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

it('refuses new payments with 503 and Retry-After while the backlog is too long, then takes them again; every accepted payment settles', async () => {
  const token = await tokenFor(gateway.url, 'bank-a');
  const accepted: string[] = [];
  let refusal: Awaited<ReturnType<typeof submit>> | null = null;
  const deadline = Date.now() + 30_000;
  // Submit about 25 a second until the door closes: each payment holds the one worker for 150 ms or more, so
  // the expected wait passes 2 s within a few seconds.
  while (!refusal && Date.now() < deadline) {
    const batch = await Promise.all(Array.from({ length: 5 }, () => submit(token)));
    await new Promise((r) => setTimeout(r, 200));
    for (const r of batch) {
      if (r.status === 202) accepted.push(r.body.transactionId as string);
      else if (r.status === 503) refusal = r;
      else throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
    }
  }
  expect(refusal).not.toBeNull();
  expect(refusal!.body).toMatchObject({ status: 503, code: 'ADMISSION.OVERLOADED' });
  expect(Number(refusal!.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(refusal!.body.retryAfterSeconds).toBe(Number(refusal!.retryAfter));

  // The door opens by itself once the workers have caught up.
  let again: Awaited<ReturnType<typeof submit>> | null = null;
  const reopenBy = Date.now() + 90_000;
  while (Date.now() < reopenBy) {
    again = await submit(token);
    if (again.status === 202) break;
    expect(again.status).toBe(503);
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(again?.status).toBe(202);
  accepted.push(again!.body.transactionId as string);

  for (const id of accepted) expect((await waitForTerminal(gateway.url, token, id, 120_000)).status).toBe('ACSC');
}, 240_000);

it('holds a client to its payments per second with 429 and Retry-After; another client is not affected', async () => {
  const quotaClient = await tokenFor(gateway.url, 'bank-b');
  const other = await tokenFor(gateway.url, 'bank-a');
  // wait for the door to be open (the first test may have left a backlog)
  for (let i = 0; i < 120 && (await submit(other)).status !== 202; i++) await new Promise((r) => setTimeout(r, 500));
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await submit(quotaClient));
  expect(answers.slice(0, 2).map((a) => a.status)).toEqual([202, 202]);
  const over = answers.find((a) => a.status === 429);
  expect(over?.body).toMatchObject({ status: 429, code: 'ADMISSION.CLIENT_QUOTA' });
  expect(Number(over?.retryAfter)).toBeGreaterThanOrEqual(1);
  expect((await submit(other)).status).toBe(202);
}, 120_000);
