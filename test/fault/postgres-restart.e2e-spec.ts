// SPDX-License-Identifier: Apache-2.0
/**
 * A PostgreSQL restart in the middle of a run loses and doubles nothing: two gateways share one schema and take
 * 1,500 payments while the server is stopped (fast shutdown: every connection cut, in-flight transactions rolled
 * back), kept down for a few seconds, and started again. Clients retry with their X-Transaction-Id as a bank's
 * client would; while the server is down the gateways answer 503 STORE.UNAVAILABLE with Retry-After, never a 500,
 * and they stay up. Afterwards every payment is accepted once and terminal with the outcome the host recorded, the
 * host decided each once, no job was dead-lettered, and both gateways are ready again (their job listeners back).
 *
 * The server is the test server (DATABASE_URL, else the local one). It is stopped and started with
 * PG_STOP_COMMAND / PG_START_COMMAND, else with pg_ctlcluster for the Debian cluster on its port; neither: the
 * test fails and says so.
 */
import { execFileSync, execSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { hostMismatches, hostStats, pollUntilTerminal } from '../support/fault-checks.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { onTestServer, dropTestSchema } from '../support/postgres.js';
import { startGateway, startSimulator, tempDir, TEST_DATABASE_URL, tokenFor, type NodeProcess } from '../support/processes.js';

const TOTAL = Number(process.env.PG_RESTART_PAYMENTS ?? 1500);
const DOWN_MS = 4000;
const CONCURRENCY = 24;
const SCHEMA = `clearway_restart_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

interface Sent {
  key: string;
  uetr: string;
  reject: boolean;
  accepted: boolean;
}

/** How to stop and start the server: the operator's commands, else the Debian cluster listening on its port. */
function serverControl(): { stop: () => void; start: () => void } {
  const stop = process.env.PG_STOP_COMMAND;
  const start = process.env.PG_START_COMMAND;
  if (stop && start) return { stop: () => execSync(stop, { stdio: 'inherit' }), start: () => execSync(start, { stdio: 'inherit' }) };
  const port = new URL(TEST_DATABASE_URL).port || '5432';
  let clusters: string;
  try {
    clusters = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  } catch (e) {
    throw new Error(
      `cannot restart the test PostgreSQL server: pg_lsclusters failed (${(e as Error).message}); set PG_STOP_COMMAND and PG_START_COMMAND`,
      { cause: e },
    );
  }
  const cluster = clusters
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[2] === port);
  if (!cluster) throw new Error(`no Debian PostgreSQL cluster on port ${port}; set PG_STOP_COMMAND and PG_START_COMMAND`);
  const [version, name] = cluster as [string, string];
  return {
    stop: () => execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'stop', '-m', 'fast'], { stdio: 'inherit' }),
    start: () => execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'start'], { stdio: 'inherit' }),
  };
}

let sim: NodeProcess | null = null;
const gateways: NodeProcess[] = [];
let control: ReturnType<typeof serverControl> | null = null;
let serverDown = false;
let restarted: Promise<void> | null = null;

afterAll(async () => {
  await restarted?.catch(() => undefined);
  if (serverDown) control?.start(); // never leave the machine's server stopped
  await Promise.allSettled(gateways.map((g) => g.kill()));
  await sim?.kill();
  await dropTestSchema(SCHEMA);
});

it(`a PostgreSQL restart under ${TOTAL} payments on two gateways loses and doubles nothing`, async () => {
  control = serverControl();
  sim = await startSimulator({ SIM_LATENCY_MS: '2' });
  const env = {
    STORE: 'postgres',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: SCHEMA,
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LEGACY_HOST_URL: sim.url,
    AUTH_ISSUER: 'http://clearway.postgres-restart.test',
    JOB_MAX_ATTEMPTS: '8',
    JOB_VISIBILITY_MS: '5000',
    SWEEP_INTERVAL_MS: '1000',
    RECOVERY_AFTER_SECONDS: '20',
    SLA_SECONDS: '1800',
    WORKER_CONCURRENCY: '16',
  };
  gateways.push(await startGateway({ ...env, DATA_DIR: tempDir('pg-restart-0') }));
  gateways.push(await startGateway({ ...env, DATA_DIR: tempDir('pg-restart-1') }));
  const token = await tokenFor(gateways[0]!.url, 'bank-a');

  const payments: Sent[] = Array.from({ length: TOTAL }, (_, i) => ({
    key: randomUUID(),
    uetr: randomUUID(),
    reject: i % 10 === 0,
    accepted: false,
  }));
  const answers = new Map<number, number>();
  async function send(p: Sent, i: number): Promise<void> {
    const body = buildPacs008({
      uetr: p.uetr,
      msgId: `PGR-${SCHEMA.slice(-8)}-${i}`,
      endToEndId: `E2E-${i}`,
      ...(p.reject ? { creditorAccountOther: `ACC${String(i).padStart(6, '0')}9999` } : {}),
    });
    for (let attempt = 0; attempt < 400; attempt++) {
      const g = gateways[(i + attempt) % 2]!;
      const res = await fetch(`${g.url}/v1/inbox`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}`, 'x-transaction-id': p.key },
        body,
        signal: AbortSignal.timeout(30_000),
      }).catch((e: unknown) => {
        // a gateway must answer through the outage, never drop the call or die
        throw new Error(`no answer (${(e as Error).message}); gateway ${g.running ? 'running' : 'DEAD'}\n${g.logs().slice(-4000)}`, {
          cause: e,
        });
      });
      answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
      if (res.status === 202) {
        p.accepted = true;
        return;
      }
      const text = await res.text();
      if (res.status !== 503) throw new Error(`unexpected HTTP ${res.status}: ${text}`);
      expect(JSON.parse(text)).toMatchObject({ code: 'STORE.UNAVAILABLE' });
      expect(res.headers.get('retry-after')).toBe('1');
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`payment ${p.key} never got an answer`);
  }

  let sent = 0;
  const queue = payments.map((p, i) => [p, i] as const);
  const clients = Array.from({ length: CONCURRENCY }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      await send(item[0], item[1]);
      sent++;
      if (!restarted && sent >= TOTAL / 3) {
        restarted = (async () => {
          serverDown = true;
          control!.stop();
          await new Promise((r) => setTimeout(r, DOWN_MS));
          control!.start();
          serverDown = false;
        })();
      }
    }
  });
  await Promise.all(clients);
  expect(restarted).not.toBeNull();
  await restarted;
  expect(payments.filter((p) => !p.accepted)).toEqual([]);
  // the outage was seen by clients as 503 (and only as 503), and by nobody as a 500
  expect(answers.get(503) ?? 0).toBeGreaterThan(0);
  expect([...answers.keys()].sort()).toEqual([202, 503]);

  const statuses = await pollUntilTerminal(
    gateways[1]!.url,
    token,
    payments.map((p) => p.key),
  );
  const open = payments.filter((p) => !['ACSC', 'RJCT', 'CANC'].includes(statuses.get(p.key)?.status ?? ''));
  expect(open.map((p) => `${p.key}:${statuses.get(p.key)?.status}`)).toEqual([]);
  expect(await hostMismatches(sim.url, payments, statuses)).toEqual([]);
  const stats = await hostStats(sim.url);
  expect(stats.unique).toBe(TOTAL);
  expect(stats.accepted + stats.rejected).toBe(TOTAL);
  expect(stats.rejected).toBe(payments.filter((p) => p.reject).length);

  // one payment row per payment, nothing dead-lettered, and both gateways ready again
  const counts = await onTestServer<{ payments: string; dead: string }>(
    `SELECT (SELECT count(*) FROM ${SCHEMA}.payments) AS payments, (SELECT count(*) FROM ${SCHEMA}.jobs WHERE state = 'dead') AS dead`,
  );
  expect(counts.rows[0]).toEqual({ payments: String(TOTAL), dead: '0' });
  for (const g of gateways) expect((await fetch(`${g.url}/health/ready`)).status).toBe(200);
  console.log(
    `postgres restart: ${TOTAL} payments on 2 gateways, server down ${DOWN_MS} ms; answers ${JSON.stringify(Object.fromEntries(answers))}; ` +
      `host redeliveries absorbed as duplicates: ${stats.duplicates}`,
  );
}, 600_000);
