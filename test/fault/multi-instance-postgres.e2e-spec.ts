// SPDX-License-Identifier: Apache-2.0
/**
 * Many instances, one truth on premises: three gateway processes share one PostgreSQL schema (store, jobs table,
 * archive and encrypted secrets; STORE=postgres and nothing else set). The scenario (3,000 payments, one instance
 * SIGKILLed midway, none settled twice, the survivors finish what it had taken) is test/support/multi-instance.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { runMultiInstance } from '../support/multi-instance.js';
import { startSimulator, tempDir, TEST_DATABASE_URL, type NodeProcess } from '../support/processes.js';
import { dropTestSchema } from '../support/postgres.js';

const TOTAL = Number(process.env.MULTI_PAYMENTS ?? 3000);
const SCHEMA = `clearway_multi_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

let sim: NodeProcess | null = null;
const gateways: NodeProcess[] = [];
let over = false;

afterAll(async () => {
  over = true;
  await Promise.allSettled(gateways.map((g) => g.kill('SIGKILL')));
  await sim?.kill();
  await dropTestSchema(SCHEMA);
});

it(`three instances on PostgreSQL move ${TOTAL} payments, one is SIGKILLed midway, none is settled twice`, async () => {
  const t0 = Date.now();
  const phases: string[] = [];
  const phase = (name: string) => phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  sim = await startSimulator({ SIM_LATENCY_MS: '2' });
  const env = {
    STORE: 'postgres',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: SCHEMA,
    // the three start together: the migrations run once, under the advisory lock
    DATABASE_MIGRATE: 'true',
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    JOB_MAX_ATTEMPTS: '8',
    LEGACY_HOST_URL: sim.url,
    AUTH_ISSUER: 'http://clearway.multi-instance.test',
    // the visibility timeout hands the killed instance's jobs to the survivors; the SLA must not end payments of
    // a slow run
    RECOVERY_AFTER_SECONDS: '30',
    SWEEP_INTERVAL_MS: '2000',
    SLA_SECONDS: '1800',
    JOB_VISIBILITY_MS: '5000',
    WORKER_CONCURRENCY: '16',
  };
  await runMultiInstance({
    label: 'PostgreSQL',
    total: TOTAL,
    sim,
    envOf: (i) => ({ ...env, DATA_DIR: tempDir(`multi-pg-${i}`) }),
    readyKeys: ['postgres'],
    gateways,
    over: () => over,
    phase,
    phases,
  });
}, 600_000);
