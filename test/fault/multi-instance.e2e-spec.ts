/**
 * Many instances, one truth: three gateway processes with the same configuration (ROLE=all) share DynamoDB
 * Local (store), one SQS FIFO queue on fauxqs (work queue + DLQ), S3 on fauxqs (archive) and the Secrets
 * Manager fake (token-signing key), and move 3,000 payments through the simulator. Clients spread their
 * calls over the three; one instance is killed with SIGKILL midway and its clients move to the others.
 * Afterwards every accepted payment is terminal with the outcome the host recorded, the host decided each
 * payment once (`/stats`: unique == count), and the payments the killed instance had taken but not
 * finished were finished by the survivors.
 */
import { hostMismatches } from '../support/fault-checks.js';
import { randomUUID } from 'node:crypto';
import { provisionAwsResources } from '../../scripts/aws-provision.js';
import { startAwsEngines, type AwsEngines } from '../support/aws-engines.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, type NodeProcess } from '../support/processes.js';

const TOTAL = Number(process.env.MULTI_PAYMENTS ?? 3000);
const CONCURRENCY = 30;
const TERMINAL = ['ACSC', 'RJCT', 'CANC'];

interface Sent {
  key: string;
  uetr: string;
  reject: boolean;
  accepted: boolean;
  /** Index of the instance that answered 202. */
  by: number;
}

let engines: AwsEngines | null = null;
let sim: NodeProcess | null = null;
const gateways: NodeProcess[] = [];
/** Set when the test ends (also by a timeout): the client loops stop. */
let over = false;

afterAll(async () => {
  over = true;
  await Promise.allSettled(gateways.map((g) => g.kill('SIGKILL')));
  await sim?.kill();
  await engines?.stop();
});

it(`three instances on DynamoDB + SQS move ${TOTAL} payments, one is SIGKILLed midway, none is settled twice`, async () => {
  const t0 = Date.now();
  const phases: string[] = [];
  const phase = (name: string) => phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  engines = await startAwsEngines();
  phase('engines');
  const aws = engines.env();
  const run = randomUUID().slice(0, 8);
  const table = `clearway-${run}`;
  const bucket = `clearway-${run}`;
  const queues = await provisionAwsResources({
    region: engines.region,
    credentials: engines.credentials,
    endpoints: { dynamodb: aws.AWS_ENDPOINT_URL_DYNAMODB!, sqs: aws.AWS_ENDPOINT_URL_SQS!, s3: aws.AWS_ENDPOINT_URL_S3! },
    table,
    queueName: `multi-${run}`,
    bucket,
    maxAttempts: 8,
  });
  sim = await startSimulator({ SIM_LATENCY_MS: '2' });

  const env = {
    ...aws,
    STORE: 'dynamodb',
    QUEUE: 'sqs',
    SECRETS: 'aws',
    ARCHIVE: 's3',
    DYNAMODB_TABLE: table,
    SQS_QUEUE_URL: queues.queueUrl,
    SQS_DLQ_URL: queues.deadLetterQueueUrl,
    S3_BUCKET: bucket,
    S3_FORCE_PATH_STYLE: 'true',
    SECRETS_PREFIX: `clearway-${run}/`,
    JOB_MAX_ATTEMPTS: '8',
    LEGACY_HOST_URL: sim.url,
    // one issuer for all instances: a token from one is accepted by the others (shared signing key)
    AUTH_ISSUER: 'http://clearway.multi-instance.test',
    // the outbox relay (every SWEEP_INTERVAL_MS) and the visibility timeout recover the killed instance's
    // work; the stranded-work sweeper is the last resort, and the SLA must not end payments of a slow run
    RECOVERY_AFTER_SECONDS: '30',
    SWEEP_INTERVAL_MS: '2000',
    SLA_SECONDS: '1800',
    JOB_VISIBILITY_MS: '5000',
    WORKER_CONCURRENCY: '16',
    SQS_WAIT_SECONDS: '1',
  };
  // All three start together on an empty Secrets Manager: the token-signing key is created only if absent, so
  // they agree on one key (the token of the first is used against all three below).
  gateways.push(...(await Promise.all([0, 1, 2].map((i) => startGateway({ ...env, DATA_DIR: tempDir(`multi-${i}`) })))));
  for (const g of gateways) {
    const ready = await fetch(`${g.url}/health/ready`);
    const body = (await ready.json()) as { status: string; info: Record<string, unknown> };
    expect(ready.status).toBe(200);
    expect(Object.keys(body.info)).toEqual(expect.arrayContaining(['dynamodb', 'sqs', 'sqs-dlq', 's3', 'secretsmanager']));
  }
  const jwks = await Promise.all(gateways.map(async (g) => JSON.stringify(await (await fetch(`${g.url}/.well-known/jwks.json`)).json())));
  expect(new Set(jwks).size).toBe(1);
  const token = await tokenFor(gateways[0]!.url, 'bank-a');
  phase('gateways');

  const payments: Sent[] = Array.from({ length: TOTAL }, (_, i) => ({
    key: randomUUID(),
    uetr: randomUUID(),
    reject: i % 10 === 0,
    accepted: false,
    by: -1,
  }));
  const bodyOf = (p: Sent, i: number) =>
    buildPacs008({
      uetr: p.uetr,
      msgId: `MULTI-${run}-${i}`,
      endToEndId: `E2E-${i}`,
      ...(p.reject ? { creditorAccountOther: `ACC${String(i).padStart(6, '0')}9999` } : {}),
    });

  const VICTIM = 1;
  let killed = false;
  const alive = () => gateways.filter((_g, i) => !(killed && i === VICTIM));

  async function send(p: Sent, i: number): Promise<void> {
    const body = bodyOf(p, i);
    for (let attempt = 0; attempt < 100; attempt++) {
      if (over) throw new Error('test over');
      // round robin over the instances; after the kill, over the survivors (the client fails over)
      const n = killed ? [0, 2][(i + attempt) % 2]! : (i + attempt) % 3;
      try {
        const res = await fetch(`${gateways[n]!.url}/v1/inbox`, {
          method: 'POST',
          headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}`, 'x-transaction-id': p.key },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        if (res.status === 202) {
          p.accepted = true;
          p.by = n;
          return;
        }
        throw new Error(`unexpected HTTP ${res.status} from instance ${n}: ${await res.text()}`);
      } catch (e) {
        if ((e as Error).message.startsWith('unexpected')) throw e;
        await new Promise((r) => setTimeout(r, 50)); // the instance died under this call: try another
      }
    }
    throw new Error(`payment ${p.key} never got an answer`);
  }

  async function statusOf(p: Sent): Promise<{ status: string; reason: string | null }> {
    const g = alive()[p.key.charCodeAt(0) % alive().length]!;
    const res = await fetch(`${g.url}/v1/transactions/${p.key}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const tx = (await res.json()) as { status: string; reason: { code: string } | null };
    return { status: tx.status, reason: tx.reason?.code ?? null };
  }
  const statuses = new Map<string, { status: string; reason: string | null }>();
  async function notTerminal(list: Sent[]): Promise<Sent[]> {
    const open: Sent[] = [];
    for (let i = 0; i < list.length; i += 50) {
      await Promise.all(
        list.slice(i, i + 50).map(async (p) => {
          const s = await statusOf(p);
          statuses.set(p.key, s);
          if (!TERMINAL.includes(s.status)) open.push(p);
        }),
      );
    }
    return open;
  }

  // Kill the victim midway, while calls to it are in flight, and note what it had taken but not finished.
  let unfinishedAtKill: Sent[] = [];
  let sentCount = 0;
  const queue = payments.map((p, i) => [p, i] as const);
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      await send(item[0], item[1]);
      sentCount++;
      if (!killed && sentCount >= TOTAL / 2) {
        killed = true;
        await gateways[VICTIM]!.kill('SIGKILL');
        phase('killed');
        unfinishedAtKill = await notTerminal(payments.filter((p) => p.by === VICTIM));
      }
    }
  });
  await Promise.all(workers);
  phase('submitted');
  expect(killed).toBe(true);
  expect(payments.filter((p) => !p.accepted)).toEqual([]);
  // The victim had work in progress when it died (else this test would show nothing about taking over).
  expect(unfinishedAtKill.length).toBeGreaterThan(0);

  // Wait until the host has seen every payment (one cheap call), then until every accepted payment is
  // terminal: the survivors take over the victim's jobs once their visibility timeout ends, and the
  // outbox relay sends the jobs it committed but never handed to the queue.
  const deadline = Date.now() + 400_000;
  while (Date.now() < deadline && !over) {
    const seen = (await (await fetch(`${sim.url}/stats`)).json()) as { unique: number };
    if (seen.unique >= TOTAL) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  phase('host saw all');
  let pending = await notTerminal(payments);
  while (pending.length > 0 && Date.now() < deadline && !over) {
    await new Promise((r) => setTimeout(r, 500));
    pending = await notTerminal(pending);
  }
  phase('terminal');
  expect(pending.map((p) => `${p.key}:${statuses.get(p.key)?.status}`)).toEqual([]);
  // ... including everything the victim had left unfinished
  expect(unfinishedAtKill.filter((p) => !TERMINAL.includes(statuses.get(p.key)!.status))).toEqual([]);

  // Each status equals what the host recorded, and the expected outcome.
  const mismatches = await hostMismatches(sim!.url, payments, statuses);
  expect(mismatches).toEqual([]);

  // The host decided each payment once.
  const stats = (await (await fetch(`${sim.url}/stats`)).json()) as {
    received: number;
    unique: number;
    duplicates: number;
    accepted: number;
    rejected: number;
  };
  expect(stats.unique).toBe(TOTAL);
  expect(stats.accepted + stats.rejected).toBe(TOTAL);
  expect(stats.rejected).toBe(payments.filter((p) => p.reject).length);
  const byInstance = [0, 1, 2].map((n) => payments.filter((p) => p.by === n).length);
  console.log(
    `multi-instance: ${TOTAL} payments taken by instances ${byInstance.join('/')}, ` +
      `${unfinishedAtKill.length} unfinished on the killed one were finished by the survivors; ` +
      `host redeliveries absorbed as duplicates: ${stats.duplicates}; ${phases.join(', ')}`,
  );
}, 600_000);
