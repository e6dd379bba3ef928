// SPDX-License-Identifier: Apache-2.0
/** Core mode (no host) and the SLA sweeper, over real HTTP against the built gateway. */
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

const running: NodeProcess[] = [];
afterAll(async () => {
  for (const p of running) await p.kill();
});

async function submit(url: string, token: string, body: string): Promise<string> {
  const res = await fetch(`${url}/v1/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}` },
    body,
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { transactionId: string }).transactionId;
}

it('MODE=core settles without a legacy host', async () => {
  const gw = await startGateway({ DATA_DIR: tempDir('core'), MODE: 'core' });
  running.push(gw);
  const token = await tokenFor(gw.url, 'bank-a');
  const id = await submit(gw.url, token, buildPacs008({}));
  const tx = await waitForTerminal(gw.url, token, id);
  expect(tx.status).toBe('ACSC');
  const outbox = await fetch(`${gw.url}/v1/transactions/${id}/outbox`, { headers: { authorization: `Bearer ${token}` } });
  expect(await outbox.text()).toContain('<TxSts>ACSC</TxSts>');
  const deps = (await (await fetch(`${gw.url}/health/dependencies`)).json()) as { dependencies: Record<string, unknown> };
  expect(Object.keys(deps.dependencies)).toContain('host:core');
});

it('never rejects a payment the host never answers: past the SLA its outcome is unknown and it is investigated (PDNG)', async () => {
  const sim = await startSimulator({ SIM_DOWN: 'true' });
  running.push(sim);
  const gw = await startGateway({
    DATA_DIR: tempDir('sla'),
    LEGACY_HOST_URL: sim.url,
    SLA_SECONDS: '2',
    RECOVERY_AFTER_SECONDS: '1',
    SWEEP_INTERVAL_MS: '200',
    HOST_ATTEMPTS: '1',
    HOST_TIMEOUT_MS: '300',
  });
  running.push(gw);
  const token = await tokenFor(gw.url, 'bank-a');
  const id = await submit(gw.url, token, buildPacs008({}));
  const read = async () =>
    (await (await fetch(`${gw.url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      status: string;
      investigation: { outcome: string } | null;
    };
  const deadline = Date.now() + 30_000;
  let tx = await read();
  while (tx.investigation?.outcome !== 'unknown' && Date.now() < deadline) {
    expect(tx.status).not.toBe('RJCT');
    await new Promise((r) => setTimeout(r, 100));
    tx = await read();
  }
  expect(tx).toMatchObject({ status: 'PDNG', investigation: { outcome: 'unknown' } });
  // No pacs.002 yet: nothing final can be said about it.
  const outbox = await fetch(`${gw.url}/v1/transactions/${id}/outbox`, { headers: { authorization: `Bearer ${token}` } });
  expect(outbox.status).toBe(404);
  // The host saw nothing, so nothing was settled behind the gateway's back.
  const stats = (await (await fetch(`${sim.url}/stats`)).json()) as { unique: number };
  expect(stats.unique).toBe(0);
});
