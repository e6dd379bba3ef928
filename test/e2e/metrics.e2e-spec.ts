// SPDX-License-Identifier: Apache-2.0
/**
 * GET /metrics end to end (issue 13 point 2): the built gateway with METRICS_PORT, in front of the simulator. A
 * payment that settles moves the payment, host and build series, read once through the API port with a
 * `metrics:read` token and once through METRICS_PORT without one; the API-port endpoint still wants the scope.
 */
import { buildPacs008 } from '../support/pacs008.factory.js';
import { freePort, startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

let sim: NodeProcess;
let gw: NodeProcess;
let url: string;
let metricsUrl: string;
let writer: string;
let monitor: string;

/** One sample line: `name{a="x",b="y"} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels` (0 when none). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function submitAndSettle(): Promise<{ history: Array<{ status: string; reason?: { code: string } }> }> {
  const res = await fetch(`${url}/v1/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', authorization: `Bearer ${writer}` },
    body: buildPacs008({}),
  });
  expect(res.status).toBe(202);
  const { transactionId } = (await res.json()) as { transactionId: string };
  const tx = await waitForTerminal(url, writer, transactionId);
  expect(tx.status).toBe('ACSC');
  return tx as never;
}

/** Checks that one settled payment moved every series it should, between two scrapes. */
async function expectSettlementCounted(scrape: () => Promise<Sample[]>): Promise<void> {
  const before = await scrape();
  const tx = await submitAndSettle();
  // the terminal change is counted after its write commits: the scrape may come a moment after the API shows it
  let after = await scrape();
  for (
    let i = 0;
    i < 50 &&
    value(after, 'clearway_payment_received_to_terminal_seconds_count') ===
      value(before, 'clearway_payment_received_to_terminal_seconds_count');
    i++
  ) {
    await new Promise((r) => setTimeout(r, 100));
    after = await scrape();
  }
  const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);

  const statuses = tx.history.map((h) => h.status);
  expect(statuses).toEqual(['RCVD', 'ACTC', 'ACSP', 'ACSC']);
  const steps = statuses.map((to, i) => ({ from: i === 0 ? 'none' : statuses[i - 1]!, to }));
  for (const { from, to } of steps) {
    expect({ from, to, delta: delta('clearway_payment_transitions_total', { from, to, reason: 'none', kind: 'payment' }) }).toEqual({
      from,
      to,
      delta: 1,
    });
  }
  expect(delta('clearway_payment_submit_duration_seconds_count', { route: '/v1/inbox', status_class: '2xx' })).toBe(1);
  expect(delta('clearway_payment_submit_duration_seconds_sum')).toBeGreaterThan(0);
  expect(delta('clearway_payment_received_to_terminal_seconds_count', { status: 'ACSC', kind: 'payment' })).toBe(1);
  expect(delta('clearway_host_call_duration_seconds_count', { host: 'http', operation: 'deliver', outcome: 'settled' })).toBe(1);
  expect(delta('clearway_host_call_duration_seconds_count', { outcome: 'error' })).toBe(0);
  // histograms: cumulative buckets ending at +Inf = count
  expect(value(after, 'clearway_payment_submit_duration_seconds_bucket', { route: '/v1/inbox', status_class: '2xx', le: '+Inf' })).toBe(
    value(after, 'clearway_payment_submit_duration_seconds_count', { route: '/v1/inbox', status_class: '2xx' }),
  );

  const build = after.filter((s) => s.name === 'clearway_build_info');
  expect(build).toHaveLength(1);
  expect(build[0]).toMatchObject({ value: 1, labels: { version: '0.1.0', revision: 'e2e-rev', node: expect.stringMatching(/^v\d+\./) } });
  // the queue and investigation gauges are read at the scrape; nothing is dead-lettered or unknown here
  expect(value(after, 'clearway_queue_dead_letter_jobs')).toBe(0);
  expect(value(after, 'clearway_payments_outcome_unknown')).toBe(0);
  expect(after.some((s) => s.name === 'clearway_queue_waiting_jobs')).toBe(true);
  expect(after.some((s) => s.name === 'clearway_queue_inflight_jobs')).toBe(true);
  expect(after.some((s) => s.name === 'nodejs_eventloop_lag_p99_seconds')).toBe(true);
}

beforeAll(async () => {
  sim = await startSimulator();
  const metricsPort = await freePort();
  gw = await startGateway({
    DATA_DIR: tempDir('metrics'),
    LEGACY_HOST_URL: sim.url,
    METRICS_PORT: String(metricsPort),
    GIT_REVISION: 'e2e-rev',
  });
  url = gw.url;
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  writer = await tokenFor(url, 'bank-a');
  monitor = await tokenFor(url, 'monitor');
}, 60_000);

afterAll(async () => {
  await gw?.kill();
  await sim?.kill();
});

describe('metrics', () => {
  it('GET /metrics on the API port still wants a token with metrics:read when METRICS_PORT is set', async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${writer}` } })).status).toBe(403);
  });

  it('through the API port with metrics:read: a settled payment moves the transition, submit, lifetime and host series', async () => {
    await expectSettlementCounted(async () => {
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${monitor}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      return parse(await res.text());
    });
  });

  it('through METRICS_PORT without a token: the same series move; nothing else is served there', async () => {
    await expectSettlementCounted(async () => {
      const res = await fetch(metricsUrl);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      return parse(await res.text());
    });
    expect((await fetch(metricsUrl.replace(/\/metrics$/, '/v1/transactions'))).status).toBe(404);
    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(404);
  });

  it('a refused submission is timed too, under its status class', async () => {
    const scrape = async () => parse(await (await fetch(metricsUrl)).text());
    const before = await scrape();
    const res = await fetch(`${url}/v1/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', authorization: `Bearer ${writer}` },
      body: '<not-iso/>',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const after = await scrape();
    const labels = { route: '/v1/inbox', status_class: '4xx' };
    expect(
      value(after, 'clearway_payment_submit_duration_seconds_count', labels) -
        value(before, 'clearway_payment_submit_duration_seconds_count', labels),
    ).toBe(1);
  });
});
