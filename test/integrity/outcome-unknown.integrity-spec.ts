// SPDX-License-Identifier: Apache-2.0
/**
 * Integrity regression of issue 9, item 5: a payment whose outcome at the host is unknown is never reported
 * rejected. Against the built gateway and the built simulator: the host settles a payment but its answers are
 * lost (SIM_DROP_ANSWERS), then it cannot be reached at all; past the SLA the payment is PDNG "outcome unknown,
 * investigating" (listed and counted at GET /v1/investigations), never RJCT; when the host is back, the
 * gateway's status request (pacs.028) gets the host's record and the payment ends ACSC with its pacs.002,
 * settled once. A payment the host never got is delivered again when the host says it has no record of it.
 */
import { randomUUID } from 'node:crypto';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

const running: NodeProcess[] = [];
afterAll(async () => {
  for (const p of running.reverse()) await p.kill();
});

interface Tx {
  transactionId: string;
  status: string;
  reason: { code: string; text: string | null } | null;
  history: { status: string; reason?: { code: string } }[];
  investigation: { inquiries: number; outcome: string; lastAnswer: string | null } | null;
}

async function setup(simEnv: Record<string, string>) {
  const sim = await startSimulator(simEnv);
  running.push(sim);
  const gw = await startGateway({
    DATA_DIR: tempDir('integrity-unknown'),
    LEGACY_HOST_URL: sim.url,
    SLA_SECONDS: '2',
    RECOVERY_AFTER_SECONDS: '1',
    SWEEP_INTERVAL_MS: '200',
    HOST_ATTEMPTS: '1',
    HOST_TIMEOUT_MS: '500',
    JOB_MAX_ATTEMPTS: '2',
  });
  running.push(gw);
  const token = await tokenFor(gw.url, 'bank-a');
  const get = async <T>(path: string): Promise<T> =>
    (await (await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as T;
  const faults = (body: Record<string, unknown>) =>
    fetch(`${sim.url}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const stats = async () =>
    (await (await fetch(`${sim.url}/stats`)).json()) as { unique: number; accepted: number; statusRequests: { received: number } };
  const submit = async (): Promise<string> => {
    const res = await fetch(`${gw.url}/v1/inbox`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
      body: buildPacs008({ uetr: randomUUID() }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { transactionId: string }).transactionId;
  };
  const until = async (id: string, pred: (t: Tx) => boolean, timeoutMs = 30_000): Promise<Tx> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const t = await get<Tx>(`/v1/transactions/${id}`);
      expect(t.status).not.toBe('RJCT');
      if (pred(t)) return t;
      if (Date.now() > deadline) throw new Error(`transaction ${id} did not get there: ${JSON.stringify(t)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { sim, gw, token, get, faults, stats, submit, until };
}

it("settled at the host, its answers lost, the host then unreachable: PDNG under investigation past the SLA, then ACSC from the host's record", async () => {
  const { gw, token, get, faults, stats, submit, until } = await setup({ SIM_DROP_ANSWERS: '1000' });
  const id = await submit();
  // the host took and settled it, but the gateway never heard back
  for (let i = 0; (await stats()).unique < 1; i++) {
    if (i > 200) throw new Error('the simulator never received the payment');
    await new Promise((r) => setTimeout(r, 50));
  }
  await faults({ down: true });
  const unknown = await until(id, (t) => t.investigation?.outcome === 'unknown' && t.investigation.inquiries >= 1);
  expect(unknown.status).toBe('PDNG');
  expect(unknown.reason?.text).toMatch(/unknown, investigating/);
  const listed = await get<{ count: number; complete: boolean; items: Tx[] }>('/v1/investigations');
  expect(listed.items.map((t) => t.transactionId)).toContain(id);
  expect(listed.count).toBeGreaterThanOrEqual(1);
  expect(listed.complete).toBe(true);
  // well past the SLA, still not rejected
  await new Promise((r) => setTimeout(r, 2500));
  expect((await get<Tx>(`/v1/transactions/${id}`)).status).toBe('PDNG');

  await faults({ down: false, dropAnswers: 0 });
  const done = await waitForTerminal(gw.url, token, id, 60_000);
  expect(done.status).toBe('ACSC');
  const tx = await get<Tx>(`/v1/transactions/${id}`);
  expect(tx.history.map((h) => h.status)).not.toContain('RJCT');
  expect(tx.investigation?.outcome).toBe('known');
  const outbox = await fetch(`${gw.url}/v1/transactions/${id}/outbox`, { headers: { authorization: `Bearer ${token}` } });
  expect(await outbox.text()).toContain('<TxSts>ACSC</TxSts>');
  const s = await stats();
  expect(s.unique).toBe(1);
  expect(s.statusRequests.received).toBeGreaterThanOrEqual(1);
  expect((await get<{ items: Tx[] }>('/v1/investigations')).items.map((t) => t.transactionId)).not.toContain(id);
});

it('never reached the host (down from the start): investigated, not rejected; when the host is back and has no record, it is delivered again and settles once', async () => {
  const { gw, token, faults, stats, submit, until } = await setup({ SIM_DOWN: 'true' });
  const id = await submit();
  await until(id, (t) => t.investigation?.outcome === 'unknown');
  expect((await stats()).unique).toBe(0);
  await faults({ down: false });
  const done = await waitForTerminal(gw.url, token, id, 60_000);
  expect(done.status).toBe('ACSC');
  expect((await stats()).unique).toBe(1);
});
