// SPDX-License-Identifier: Apache-2.0
/**
 * Two regions, `CONSISTENCY=strong` (issue 15, docs/multi-region.md): regions a and b share one DynamoDB Local
 * table — the stand-in for a global table with multi-Region strong consistency, whose conditional writes hold across
 * regions — and one S3 archive (a replicated bucket); each region has its own gateway instances and its own SQS FIFO
 * queue (its own fauxqs). Clients send payments to both regions; midway region a is killed with its queue (its
 * processes SIGKILLed, its fauxqs stopped). Region b sees a's heartbeat lease run out, takes a over (a's epoch
 * bumped) and carries a's in-flight payments on from their last durable step. Every accepted payment ends
 * terminal with the host's own outcome, and the host decided each once. Then region a comes back: it finds itself
 * taken over, is fenced (down), takes no payments and stores no change, until an operator brings it back.
 */
import { randomUUID } from 'node:crypto';
import { provisionAwsResources } from '../../scripts/aws-provision.js';
import { startAwsEngines, startFauxqs, type AwsEngines, type EngineProcess } from '../support/aws-engines.js';
import { hostMismatches, hostStats, pollUntilTerminal, readOutcomes } from '../support/fault-checks.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { jsonLogLines, startGateway, startSimulator, tempDir, tokenFor, type NodeProcess } from '../support/processes.js';

const TOTAL = Number(process.env.REGION_PAYMENTS ?? 3000);
const CONCURRENCY = 30;
const TERMINAL = ['ACSC', 'RJCT', 'CANC'];

interface Sent {
  key: string;
  uetr: string;
  reject: boolean;
  accepted: boolean;
  /** The region whose gateway answered 202. */
  region: 'a' | 'b' | null;
  /** Whether the 202 came on the first try (a retry may be answered by b for a payment a had stored). */
  firstTry: boolean;
}

let engines: AwsEngines | null = null;
let queueA: EngineProcess | null = null;
let queueB: EngineProcess | null = null;
let sim: NodeProcess | null = null;
const processes: NodeProcess[] = [];
let over = false;

afterAll(async () => {
  over = true;
  await Promise.allSettled(processes.map((g) => g.kill('SIGKILL')));
  await sim?.kill();
  await queueA?.stop();
  await queueB?.stop();
  await engines?.stop();
});

it(`two regions on one strongly consistent table move ${TOTAL} payments; region a dies midway, b takes over, a comes back fenced`, async () => {
  const t0 = Date.now();
  const phases: string[] = [];
  const phase = (name: string) => phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  // the shared table and archive (and the secrets), and one SQS per region
  engines = await startAwsEngines();
  [queueA, queueB] = await Promise.all([startFauxqs(), startFauxqs()]);
  phase('engines');
  const aws = engines.env();
  const run = randomUUID().slice(0, 8);
  const table = `clearway-${run}`;
  const bucket = `clearway-${run}`;
  const shared = { region: engines.region, credentials: engines.credentials, table, bucket, maxAttempts: 8 };
  const provision = (sqs: string, name: string) =>
    provisionAwsResources({
      ...shared,
      queueName: `${name}-${run}`,
      endpoints: { dynamodb: aws.AWS_ENDPOINT_URL_DYNAMODB!, sqs, s3: aws.AWS_ENDPOINT_URL_S3! },
    });
  const [urlsA, urlsB] = await Promise.all([provision(queueA.endpoint, 'region-a'), provision(queueB.endpoint, 'region-b')]);
  sim = await startSimulator({ SIM_LATENCY_MS: '2' });

  const common = {
    ...aws,
    STORE: 'dynamodb',
    QUEUE: 'sqs',
    SECRETS: 'aws',
    ARCHIVE: 's3',
    DYNAMODB_TABLE: table,
    S3_BUCKET: bucket,
    S3_FORCE_PATH_STYLE: 'true',
    SECRETS_PREFIX: `clearway-${run}/`,
    JOB_MAX_ATTEMPTS: '8',
    LEGACY_HOST_URL: sim.url,
    AUTH_ISSUER: 'http://clearway.regions.test',
    CONSISTENCY: 'strong',
    // six heartbeats: three processes starting at once on a busy 2-core machine can miss a couple (one CI run
    // saw b taken over seconds after start with a 3 s lease)
    REGION_HEARTBEAT_SECONDS: '1',
    REGION_LEASE_SECONDS: '6',
    RECOVERY_AFTER_SECONDS: '5',
    SWEEP_INTERVAL_MS: '2000',
    SLA_SECONDS: '1800',
    JOB_VISIBILITY_MS: '5000',
    WORKER_CONCURRENCY: '16',
    SQS_WAIT_SECONDS: '1',
    LOG_FORMAT: 'json',
  };
  const regionEnv = (region: 'a' | 'b', sqs: EngineProcess, urls: { queueUrl: string; deadLetterQueueUrl: string }) => ({
    ...common,
    REGION_ID: region,
    PEER_REGIONS: region === 'a' ? 'b' : 'a',
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    SQS_QUEUE_URL: urls.queueUrl,
    SQS_DLQ_URL: urls.deadLetterQueueUrl,
  });
  const start = (region: 'a' | 'b', i: number, sqs: EngineProcess, urls: { queueUrl: string; deadLetterQueueUrl: string }) =>
    startGateway({ ...regionEnv(region, sqs, urls), DATA_DIR: tempDir(`region-${region}-${i}`) });
  // two instances in region a, one in region b (started together: they agree on one token-signing key)
  const [a1, a2, b1] = await Promise.all([start('a', 1, queueA, urlsA), start('a', 2, queueA, urlsA), start('b', 1, queueB, urlsB)]);
  processes.push(a1, a2, b1);
  const regionA = [a1, a2];
  const token = await tokenFor(b1.url, 'bank-a');
  const operator = await tokenFor(b1.url, 'operator');
  for (const [g, id] of [
    [a1, 'a'],
    [b1, 'b'],
  ] as const) {
    const health = await fetch(`${g.url}/health/region`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ region_id: id, status: 'healthy', consistency: 'strong' });
    expect(await (await fetch(`${g.url}/`)).json()).toMatchObject({ region_id: id });
  }
  // X-Consistency: global — on a strongly consistent table the write itself makes it readable in the peer region
  const globalKey = randomUUID();
  const global = await fetch(`${b1.url}/v1/inbox`, {
    method: 'POST',
    headers: {
      'content-type': 'application/xml',
      authorization: `Bearer ${token}`,
      'x-transaction-id': globalKey,
      'x-consistency': 'global',
    },
    body: buildPacs008({ uetr: randomUUID(), msgId: `REGION-${run}-global` }),
  });
  expect(global.status).toBe(202);
  expect(global.headers.get('x-consistency')).toBe('global');
  expect((await fetch(`${a1.url}/v1/transactions/${globalKey}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  phase('gateways');

  const payments: Sent[] = Array.from({ length: TOTAL }, (_, i) => ({
    key: randomUUID(),
    uetr: randomUUID(),
    reject: i % 10 === 0,
    accepted: false,
    region: null,
    firstTry: false,
  }));
  const bodyOf = (p: Sent, i: number) =>
    buildPacs008({
      uetr: p.uetr,
      msgId: `REGION-${run}-${i}`,
      endToEndId: `E2E-${i}`,
      ...(p.reject ? { creditorAccountOther: `ACC${String(i).padStart(6, '0')}9999` } : {}),
    });

  let killed = false;
  async function send(p: Sent, i: number): Promise<void> {
    const body = bodyOf(p, i);
    for (let attempt = 0; attempt < 100; attempt++) {
      if (over) throw new Error('test over');
      // even payments to region a (its two instances), odd ones to b; once a is gone, all to b (DNS failover)
      const toA = !killed && i % 2 === 0;
      const g = toA ? regionA[(i / 2 + attempt) % 2]! : b1;
      try {
        const res = await fetch(`${g.url}/v1/inbox`, {
          method: 'POST',
          headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}`, 'x-transaction-id': p.key },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        if (res.status === 202) {
          p.accepted = true;
          p.region = toA ? 'a' : 'b';
          p.firstTry = attempt === 0;
          return;
        }
        throw new Error(`unexpected HTTP ${res.status}: ${await res.text()}`);
      } catch (e) {
        if ((e as Error).message.startsWith('unexpected')) throw e;
        await new Promise((r) => setTimeout(r, 50)); // the region died under this call: try again (at b)
      }
    }
    throw new Error(`payment ${p.key} never got an answer`);
  }

  // Kill region a (its processes and its queue) midway, while calls to it are in flight.
  let unfinishedAtKill: Sent[] = [];
  let sentCount = 0;
  const queue = payments.map((p, i) => [p, i] as const);
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      await send(item[0], item[1]);
      sentCount++;
      if (!killed && sentCount >= TOTAL / 2) {
        killed = true;
        await Promise.all(regionA.map((g) => g.kill('SIGKILL')));
        await queueA!.stop();
        phase('region a killed');
        const taken = await readOutcomes(
          b1.url,
          token,
          payments.filter((p) => p.region === 'a').map((p) => p.key),
        );
        unfinishedAtKill = payments.filter((p) => taken.has(p.key) && !TERMINAL.includes(taken.get(p.key)!.status));
      }
    }
  });
  await Promise.all(workers);
  phase('submitted');
  expect(killed).toBe(true);
  expect(payments.filter((p) => !p.accepted)).toEqual([]);
  // Region a had work in flight when it died (else this test would show nothing about taking over).
  expect(unfinishedAtKill.length).toBeGreaterThan(0);

  const statuses = await pollUntilTerminal(
    b1.url,
    token,
    payments.map((p) => p.key),
    400_000,
    1000,
  );
  phase('terminal');
  const pending = payments.filter((p) => !TERMINAL.includes(statuses.get(p.key)?.status ?? ''));
  expect(pending.map((p) => `${p.key}:${statuses.get(p.key)?.status}`)).toEqual([]);
  expect(unfinishedAtKill.filter((p) => !TERMINAL.includes(statuses.get(p.key)!.status))).toEqual([]);
  // every payment records the region that took it (a retried submit may have been stored by a before it died)
  for (const p of payments) {
    const home = statuses.get(p.key)!.homeRegion;
    if (p.firstTry) expect(home).toBe(p.region);
    else expect(['a', 'b']).toContain(home);
  }

  // b took a over: a is down at a higher epoch, taken over by b
  const regions = (await (await fetch(`${b1.url}/v1/operator/regions`, { headers: { authorization: `Bearer ${operator}` } })).json()) as {
    adopted: string[];
    peers: { id: string; status: string; epoch: number; takenOverBy: string | null }[];
  };
  expect(regions.adopted).toEqual(['a']);
  expect(regions.peers).toEqual([expect.objectContaining({ id: 'a', status: 'down', takenOverBy: 'b' })]);
  const takeoverEpoch = regions.peers[0]!.epoch;
  expect(takeoverEpoch).toBeGreaterThan(1);

  // Each status equals what the host recorded, and the host decided each payment once.
  expect(await hostMismatches(sim.url, payments, statuses)).toEqual([]);
  const stats = await hostStats(sim.url);
  // (and the one X-Consistency: global payment of the start)
  expect(stats.unique).toBe(TOTAL + 1);
  expect(stats.accepted + stats.rejected).toBe(TOTAL + 1);

  // Region a comes back (a fresh queue, a fresh process): it finds itself taken over and acts on nothing.
  const queueA2 = await startFauxqs();
  const urlsA2 = await provision(queueA2.endpoint, 'region-a2');
  const a3 = await startGateway({ ...regionEnv('a', queueA2, urlsA2), DATA_DIR: tempDir('region-a-3') }, undefined, { keepStdout: true });
  processes.push(a3);
  try {
    const fenced = await fetch(`${a3.url}/health/region`);
    expect(fenced.status).toBe(503);
    expect(await fenced.json()).toMatchObject({ region_id: 'a', status: 'down', epoch: takeoverEpoch });
    const refused = await fetch(`${a3.url}/v1/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}` },
      body: buildPacs008({ uetr: randomUUID(), msgId: `REGION-${run}-fenced` }),
    });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'REGION.DOWN' });
    await new Promise((r) => setTimeout(r, 3000)); // a few heartbeats and sweeps of the returning region
    expect(jsonLogLines(a3.stdout()).filter((l) => l.msg === 'payment status changed')).toEqual([]);

    // An operator brings a back: a fresh epoch, b lets go, a takes payments again.
    const up = await fetch(`${b1.url}/v1/operator/regions/a/up`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ id: 'a', status: 'healthy', takenOverBy: null, epoch: takeoverEpoch + 1 });
    const healthyAgain = Date.now() + 10_000;
    while ((await fetch(`${a3.url}/health/region`)).status !== 200 && Date.now() < healthyAgain)
      await new Promise((r) => setTimeout(r, 200));
    expect((await fetch(`${a3.url}/health/region`)).status).toBe(200);
    const back = await fetch(`${a3.url}/v1/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}` },
      body: buildPacs008({ uetr: randomUUID(), msgId: `REGION-${run}-back` }),
    });
    expect(back.status).toBe(202);
  } finally {
    await a3.kill('SIGKILL');
    await queueA2.stop();
  }
  console.log(
    `region failover: ${TOTAL} payments, ${payments.filter((p) => p.region === 'a').length} taken by region a, ` +
      `${unfinishedAtKill.length} of them unfinished when it died and finished by b; host duplicates absorbed: ${stats.duplicates}; ${phases.join(', ')}`,
  );
}, 600_000);
