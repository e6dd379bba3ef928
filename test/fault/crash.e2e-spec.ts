// SPDX-License-Identifier: Apache-2.0
/**
 * Crash safety: 2,000 payments while the gateway is killed with SIGKILL several times and restarted on the
 * same DATA_DIR. Clients retry with their X-Transaction-Id until they get an answer, as a bank's client
 * would. Afterwards every payment that got a 202 is terminal, its status equals the outcome the host
 * recorded, and the host settled none twice.
 */
import { hostMismatches, hostStats, pollUntilTerminal } from '../support/fault-checks.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { freePort, startGateway, startSimulator, tempDir, tokenFor, type NodeProcess } from '../support/processes.js';

const TOTAL = Number(process.env.CRASH_PAYMENTS ?? 2000);
const KILLS = Number(process.env.CRASH_KILLS ?? 4);
const CONCURRENCY = 24;

interface Sent {
  key: string;
  uetr: string;
  reject: boolean;
  accepted: boolean;
}

let sim: NodeProcess;
let gw: NodeProcess | null = null;

afterAll(async () => {
  await gw?.kill('SIGKILL');
  await sim?.kill();
});

it(`keeps every accepted payment through ${KILLS} SIGKILLs and settles none twice`, async () => {
  sim = await startSimulator({ SIM_LATENCY_MS: '2' });
  const dataDir = tempDir('crash');
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    LEGACY_HOST_URL: sim.url,
    RECOVERY_AFTER_SECONDS: '5',
    SWEEP_INTERVAL_MS: '1000',
    JOB_VISIBILITY_MS: '3000',
    WORKER_CONCURRENCY: '16',
  };
  gw = await startGateway(env, port);
  const url = gw.url;
  let token = await tokenFor(url, 'bank-a');

  const payments: Sent[] = Array.from({ length: TOTAL }, (_, i) => ({
    key: crypto.randomUUID(),
    uetr: crypto.randomUUID(),
    reject: i % 10 === 0,
    accepted: false,
  }));
  const bodies = new Map(
    payments.map((p, i) => [
      p.key,
      buildPacs008({
        uetr: p.uetr,
        msgId: `CRASH-${i}`,
        endToEndId: `E2E-${i}`,
        ...(p.reject ? { creditorAccountOther: `ACC${String(i).padStart(6, '0')}9999` } : {}),
      }),
    ]),
  );

  let restarting: Promise<void> | null = null;
  let kills = 0;
  let overloaded = 0;
  async function killAndRestart(): Promise<void> {
    await gw!.kill('SIGKILL');
    kills++;
    await new Promise((r) => setTimeout(r, 200));
    gw = await startGateway(env, port);
    token = await tokenFor(url, 'bank-a');
  }

  async function send(p: Sent): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (restarting) await restarting.catch(() => {});
      try {
        const res = await fetch(`${url}/v1/inbox`, {
          method: 'POST',
          headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}`, 'x-transaction-id': p.key },
          body: bodies.get(p.key)!,
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 202) {
          p.accepted = true;
          return;
        }
        if (res.status === 401) continue; // token from before a restart is still valid; retry is harmless
        if (res.status === 503 && res.headers.has('retry-after')) {
          // admission control (a restarted gateway facing the backlog): nothing was stored; come back as told
          // (at most 5 s here: the retry is idempotent, an early one only gets another 503)
          const body = (await res.json()) as { code: string };
          if (!body.code.startsWith('ADMISSION.')) throw new Error(`unexpected HTTP 503 ${body.code}`);
          overloaded++;
          await new Promise((r) => setTimeout(r, Math.min(5, Number(res.headers.get('retry-after'))) * 1000));
          continue;
        }
        throw new Error(`unexpected HTTP ${res.status}: ${await res.text()}`);
      } catch (e) {
        if ((e as Error).message.startsWith('unexpected')) throw e;
        await new Promise((r) => setTimeout(r, 100)); // connection refused while the gateway is down: retry
      }
    }
    throw new Error(`payment ${p.key} never got an answer`);
  }

  const queue = [...payments];
  let sentCount = 0;
  const killEvery = Math.floor(TOTAL / (KILLS + 1));
  let nextKill = killEvery;
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      await send(p);
      sentCount++;
      if (sentCount >= nextKill && kills < KILLS && !restarting) {
        nextKill += killEvery;
        restarting = killAndRestart().finally(() => (restarting = null));
      }
    }
  });
  await Promise.all(workers);
  if (restarting) await restarting;
  expect(kills).toBe(KILLS);
  const accepted = payments.filter((p) => p.accepted);
  expect(accepted).toHaveLength(TOTAL);

  // Wait until every accepted payment is terminal.
  const statuses = await pollUntilTerminal(
    url,
    token,
    accepted.map((p) => p.key),
  );
  const notTerminal = accepted.filter((p) => !['ACSC', 'RJCT', 'CANC'].includes(statuses.get(p.key)?.status ?? ''));
  expect(notTerminal.map((p) => `${p.key}:${statuses.get(p.key)?.status}`)).toEqual([]);

  // Each status equals what the host recorded.
  const mismatches = await hostMismatches(sim.url, accepted, statuses);
  expect(mismatches).toEqual([]);

  // The host decided each UETR once: one unique record per payment, outcomes add up.
  const stats = await hostStats(sim.url);
  expect(stats.unique).toBe(TOTAL);
  expect(stats.accepted + stats.rejected).toBe(TOTAL);
  expect(stats.rejected).toBe(payments.filter((p) => p.reject).length);
  console.log(
    `crash test: ${TOTAL} payments, ${KILLS} SIGKILLs, host redeliveries absorbed as duplicates: ${stats.duplicates}, admission refusals retried: ${overloaded}`,
  );
}, 600_000);
