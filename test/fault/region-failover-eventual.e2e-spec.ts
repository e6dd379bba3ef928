// SPDX-License-Identifier: Apache-2.0
/**
 * Two regions, `CONSISTENCY=eventual` (issue 15, docs/multi-region.md): regions a and b each write their own
 * DynamoDB Local, joined by the test replicator (test/support/dynamodb-replicator.ts: DynamoDB Streams,
 * asynchronous with a lag, last writer wins — a stand-in for DynamoDB global tables). Each region has its own
 * gateway instances and its own SQS FIFO queue (its own fauxqs); the archive bucket and the secrets are shared (a
 * replicated bucket, replicated secrets). A payment is processed only by the region that owns its home region.
 *
 * Clients send to both regions: to region a with `X-Consistency: global` (the 202 comes once the payment is
 * readable in b's replica), to region b with `region`. Midway region a is killed with its engines (its processes
 * SIGKILLed, its fauxqs and its DynamoDB Local stopped: whatever its replica held and had not replicated is gone).
 * Region b sees a's heartbeat lease run out in its replica, takes a over (a's epoch bumped) and carries a's
 * payments on from the last state that reached b. Every accepted payment ends terminal with the host's own outcome,
 * and the host decided each once (it is idempotent by UETR: a payment a had already released is answered from its
 * record). Then region a comes back on an empty engine, backfilled from b like a new replica: it finds itself taken
 * over and acts on nothing until an operator brings it back with a fresh epoch.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { provisionAwsResources } from '../../scripts/aws-provision.js';
import { startAwsEngines, startDynamoDbLocal, startFauxqs, type AwsEngines, type EngineProcess } from '../support/aws-engines.js';
import { seedReplica, startReplicator, type Replicator } from '../support/dynamodb-replicator.js';
import { hostMismatches, hostStats, pollUntilTerminal, readOutcomes } from '../support/fault-checks.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { jsonLogLines, startGateway, startSimulator, tempDir, tokenFor, type NodeProcess } from '../support/processes.js';

const TOTAL = Number(process.env.REGION_PAYMENTS ?? 3000);
const CONCURRENCY = 20;
/**
 * The stand-in replicator runs in this process on a 2-core machine shared with five engines and three gateways: it
 * ships a few hundred writes a second. Clients hold back while its backlog is above this, so the replication lag
 * stays well below the lease (else b would take a over while a runs: a partition, which is not this test).
 */
const MAX_REPLICATION_BACKLOG = 150;
const TERMINAL = ['ACSC', 'RJCT', 'CANC'];
const LAG_MS = 200;

interface Sent {
  key: string;
  uetr: string;
  reject: boolean;
  accepted: boolean;
  /** The region whose gateway answered 202. */
  region: 'a' | 'b' | null;
  firstTry: boolean;
}

let shared: AwsEngines | null = null;
const engines: EngineProcess[] = [];
let replicator: Replicator | null = null;
let sim: NodeProcess | null = null;
const processes: NodeProcess[] = [];
let over = false;

afterAll(async () => {
  over = true;
  await Promise.allSettled(processes.map((g) => g.kill('SIGKILL')));
  await replicator?.stop();
  await sim?.kill();
  await Promise.allSettled(engines.map((e) => e.stop()));
  await shared?.stop();
}, 60_000);

it(`two regions replicating eventually move ${TOTAL} payments; region a dies with its engine, b takes over, a comes back fenced`, async () => {
  const t0 = Date.now();
  const phases: string[] = [];
  const phase = (name: string) => phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  // the shared archive (S3) and secrets; per region: a DynamoDB Local (its replica) and an SQS
  shared = await startAwsEngines({ dynamodb: false });
  const [dynamoA, dynamoB, queueA, queueB] = await Promise.all([startDynamoDbLocal(), startDynamoDbLocal(), startFauxqs(), startFauxqs()]);
  engines.push(dynamoA, dynamoB, queueA, queueB);
  phase('engines');
  const aws = shared.env();
  const run = randomUUID().slice(0, 8);
  const table = `clearway-${run}`;
  const bucket = `clearway-${run}`;
  const credentials = shared.credentials;
  const provision = (dynamodb: string, sqs: string, name: string) =>
    provisionAwsResources({
      region: shared!.region,
      credentials,
      table,
      bucket,
      maxAttempts: 8,
      streams: true,
      queueName: `${name}-${run}`,
      endpoints: { dynamodb, sqs, s3: aws.AWS_ENDPOINT_URL_S3! },
    });
  const [urlsA, urlsB] = await Promise.all([
    provision(dynamoA.endpoint, queueA.endpoint, 'region-a'),
    provision(dynamoB.endpoint, queueB.endpoint, 'region-b'),
  ]);
  const replicationErrors: string[] = [];
  let aDead = false;
  const join = (a: EngineProcess, from: 'start' | 'now') =>
    startReplicator({
      regions: [
        { id: 'a', endpoint: a.endpoint, table },
        { id: 'b', endpoint: dynamoB.endpoint, table },
      ],
      lagMs: LAG_MS,
      pollMs: 50,
      concurrency: 32,
      from,
      region: shared!.region,
      credentials,
      // region a's engine is gone for a while: its stream and its writes fail, by design
      onError: (e, context) => {
        if (!aDead) replicationErrors.push(`${context}: ${e.message}`);
      },
    });
  replicator = join(dynamoA, 'start');
  // what the replication looked like, printed when the test fails
  const lagLog: string[] = [];
  let maxBacklog = 0;
  /** Region a was killed (from then on clients send to b). */
  let killed = false;
  const probeA = new DynamoDBClient({ region: shared.region, credentials, endpoint: dynamoA.endpoint });
  const probeB = new DynamoDBClient({ region: shared.region, credentials, endpoint: dynamoB.endpoint });
  const leaseIn = async (c: DynamoDBClient) =>
    (
      await c.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'REGIONS' }, sk: { S: 'LEASE#a' } } })).catch(() => null)
    )?.Item?.heartbeatAt?.S?.slice(11, 23);
  const lagTimer = setInterval(() => {
    const st = replicator!.stats();
    if (!killed) maxBacklog = Math.max(maxBacklog, st.backlog);
    const at = new Date().toISOString().slice(11, 23);
    void Promise.all([leaseIn(probeA), leaseIn(probeB)]).then(([la, lb]) =>
      lagLog.push(`${at} backlog=${st.backlog} pending=${st.pending} shipped=${st.shipped} read=${st.read} leaseA=${la} leaseB=${lb}`),
    );
  }, 1000);
  lagTimer.unref();
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
    CONSISTENCY: 'eventual',
    CONSISTENCY_GLOBAL_TIMEOUT_SECONDS: '10',
    // the lease must outlast the replication lag (the stand-in replicator on a busy 2-core machine lags by seconds)
    REGION_HEARTBEAT_SECONDS: '2',
    REGION_LEASE_SECONDS: '15',
    RECOVERY_AFTER_SECONDS: '5',
    SWEEP_INTERVAL_MS: '2000',
    SLA_SECONDS: '1800',
    JOB_VISIBILITY_MS: '5000',
    WORKER_CONCURRENCY: '16',
    SQS_WAIT_SECONDS: '1',
    LOG_FORMAT: 'json',
  };
  const regionEnv = (
    region: 'a' | 'b',
    dynamo: EngineProcess,
    peerDynamo: EngineProcess,
    sqs: EngineProcess,
    urls: { queueUrl: string; deadLetterQueueUrl: string },
  ) => ({
    ...common,
    REGION_ID: region,
    PEER_REGIONS: region === 'a' ? 'b' : 'a',
    PEER_DYNAMODB_ENDPOINTS: `${region === 'a' ? 'b' : 'a'}=${peerDynamo.endpoint}`,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    SQS_QUEUE_URL: urls.queueUrl,
    SQS_DLQ_URL: urls.deadLetterQueueUrl,
  });
  const envA = (i: number) => ({ ...regionEnv('a', dynamoA, dynamoB, queueA, urlsA), DATA_DIR: tempDir(`eventual-a-${i}`) });
  const envB = { ...regionEnv('b', dynamoB, dynamoA, queueB, urlsB), DATA_DIR: tempDir('eventual-b-1') };
  // two instances in region a, one in region b (started together: they agree on one token-signing key)
  const keep = { keepStdout: true };
  const [a1, a2, b1] = await Promise.all([
    startGateway(envA(1), undefined, keep),
    startGateway(envA(2), undefined, keep),
    startGateway(envB, undefined, keep),
  ]);
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
    expect(await health.json()).toMatchObject({ region_id: id, status: 'healthy', consistency: 'eventual' });
  }
  const inbox = (g: NodeProcess, key: string | null, body: string, consistency: 'region' | 'global') =>
    fetch(`${g.url}/v1/inbox`, {
      method: 'POST',
      headers: {
        'content-type': 'application/xml',
        authorization: `Bearer ${token}`,
        'x-consistency': consistency,
        ...(key ? { 'x-transaction-id': key } : {}),
      },
      body,
      signal: AbortSignal.timeout(20_000),
    });

  // X-Consistency: global answers once b's replica holds the payment (at least the replication lag)
  const globalKey = randomUUID();
  const globalStarted = Date.now();
  const global = await inbox(a1, globalKey, buildPacs008({ uetr: randomUUID(), msgId: `EVENTUAL-${run}-global` }), 'global');
  const globalMs = Date.now() - globalStarted;
  expect(global.status).toBe(202);
  expect(global.headers.get('x-consistency')).toBe('global');
  expect(global.headers.get('x-consistency-replica')).toBe('b');
  expect(globalMs).toBeGreaterThanOrEqual(LAG_MS);
  expect((await fetch(`${b1.url}/v1/transactions/${globalKey}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  // b reads a's payment (once settled there) but may not change it: only the region that owns it does (421 names it)
  const settled = await pollUntilTerminal(b1.url, token, [globalKey], 30_000, 100);
  expect(settled.get(globalKey)).toMatchObject({ status: 'ACSC', homeRegion: 'a' });
  const misdirected = await fetch(`${b1.url}/v1/transactions/${globalKey}/return`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reasonCode: 'CUST' }),
  });
  expect(misdirected.status).toBe(421);
  expect(await misdirected.json()).toMatchObject({ code: 'REGION.NOT_HOME', homeRegion: 'a', region: 'b' });
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
      msgId: `EVENTUAL-${run}-${i}`,
      endToEndId: `E2E-${i}`,
      ...(p.reject ? { creditorAccountOther: `ACC${String(i).padStart(6, '0')}9999` } : {}),
    });

  async function send(p: Sent, i: number): Promise<void> {
    const body = bodyOf(p, i);
    let last = '';
    for (let attempt = 0; attempt < 200; attempt++) {
      if (over) throw new Error('test over');
      while (!killed && replicator!.stats().backlog > MAX_REPLICATION_BACKLOG) await new Promise((r) => setTimeout(r, 20));
      // even payments to region a (global durability), odd ones to b; once a is gone, all to b (DNS failover),
      // with region durability (the peer that would hold a copy is down: global cannot be met until it is back)
      const toA = !killed && i % 2 === 0;
      const g = toA ? regionA[(i / 2 + attempt) % 2]! : b1;
      try {
        const res = await inbox(g, p.key, body, toA ? 'global' : 'region');
        if (res.status === 202) {
          p.accepted = true;
          p.region = toA ? 'a' : 'b';
          p.firstTry = attempt === 0;
          return;
        }
        // b answered for a payment a stored and b already holds, before b took a over, or a global wait
        // timed out: retryable by contract
        if (res.status === 503) {
          last = `${g === b1 ? 'b' : 'a'} ${res.status} ${await res.text()}`;
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        throw new Error(`unexpected HTTP ${res.status}: ${await res.text()}`);
      } catch (e) {
        if ((e as Error).message.startsWith('unexpected')) throw e;
        last = (e as Error).message;
        await new Promise((r) => setTimeout(r, 50)); // the region died under this call: try again (at b)
      }
    }
    throw new Error(`payment ${p.key} never got an answer (last: ${last})`);
  }

  const setSimLatency = async (latencyMs: number) => {
    const res = await fetch(`${sim!.url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs }),
    });
    if (!res.ok) throw new Error(`simulator faults: HTTP ${res.status}`);
  };

  // Kill region a (its processes, its queue and its DynamoDB Local) midway, while calls to it are in flight.
  let unfinishedAtKill: Sent[] = [];
  let sentCount = 0;
  const queue = payments.map((p, i) => [p, i] as const);
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    try {
      for (let item = queue.shift(); item; item = queue.shift()) {
        await send(item[0], item[1]);
        sentCount++;
        if (!killed && sentCount >= TOTAL / 2) {
          killed = true;
          // The host slows down first (5 s an answer, for 2 s before the pause: longer than the replication lag), so a
          // holds payments in flight (released, not answered) and b's replica sees them so: without it a fast run can
          // leave b nothing unfinished to take over, and the test shows nothing.
          await setSimLatency(5000);
          await new Promise((r) => setTimeout(r, 2000));
          // The last moments of a region before it dies do not reach its peer: replication from a stops, a works
          // on for a moment (its progress is held and dropped), then a dies with its engine.
          replicator!.pause('a');
          await new Promise((r) => setTimeout(r, 1500));
          aDead = true;
          await Promise.all(regionA.map((g) => g.kill('SIGKILL')));
          await Promise.all([queueA.stop(), dynamoA.stop()]);
          await setSimLatency(2);
          phase('region a killed');
          // what b holds of a's payments now (b's replica): the unfinished ones are b's to finish
          const held = await readOutcomes(
            b1.url,
            token,
            payments.filter((p) => p.region === 'a').map((p) => p.key),
          );
          unfinishedAtKill = payments.filter((p) => held.has(p.key) && !TERMINAL.includes(held.get(p.key)!.status));
        }
      }
    } catch (e) {
      if (!over) {
        over = true;
        const regionLines = (g: NodeProcess) =>
          jsonLogLines(g.stdout())
            .filter((l) => /region|heartbeat|took over/i.test(String(l.msg)))
            .map((l) => `${String(l.time)} ${String(l.msg)}`)
            .slice(0, 20)
            .join('\n');
        const dump = async (e: EngineProcess) => {
          const c = new DynamoDBClient({ region: shared!.region, credentials, endpoint: e.endpoint });
          const r = await c.send(
            new QueryCommand({
              TableName: table,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': { S: 'REGIONS' } },
            }),
          );
          c.destroy();
          return JSON.stringify(r.Items);
        };
        console.log(
          `${lagLog.join('\n')}\n--- a1\n${regionLines(a1)}\n--- b1\n${regionLines(b1)}\n--- A ${await dump(dynamoA).catch(String)}\n--- B ${await dump(dynamoB)}\n${JSON.stringify(replicator!.stats())}`,
        );
      }
      throw e;
    }
  });
  await Promise.all(workers);
  phase('submitted');
  expect(killed).toBe(true);
  clearInterval(lagTimer);
  probeA.destroy();
  probeB.destroy();
  expect(payments.filter((p) => !p.accepted)).toEqual([]);
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
  for (const p of payments) {
    const home = statuses.get(p.key)!.homeRegion;
    if (p.firstTry) expect(home).toBe(p.region);
    else expect(['a', 'b']).toContain(home);
  }

  // b carried a's payments on: the last write of each payment a had not finished in b's replica is b's, at the
  // takeover epoch (`regionHolder`, `regionEpoch` on the item)
  const itemsB = new DynamoDBClient({ region: shared.region, credentials, endpoint: dynamoB.endpoint });
  const writers = new Map<string, string | undefined>();
  for (const p of unfinishedAtKill) {
    const { Item } = await itemsB.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: `TX#${p.key}` }, sk: { S: 'TX' } }, ConsistentRead: true }),
    );
    writers.set(p.key, `${Item?.regionHolder?.S}@${Item?.regionEpoch?.N}`);
  }
  itemsB.destroy();

  // b took a over in its replica: a is down at a higher epoch, taken over by b
  const regions = (await (await fetch(`${b1.url}/v1/operator/regions`, { headers: { authorization: `Bearer ${operator}` } })).json()) as {
    adopted: string[];
    peers: { id: string; status: string; epoch: number; takenOverBy: string | null }[];
  };
  expect(regions.adopted).toEqual(['a']);
  expect(regions.peers).toEqual([expect.objectContaining({ id: 'a', status: 'down', takenOverBy: 'b' })]);
  const takeoverEpoch = regions.peers[0]!.epoch;
  expect(takeoverEpoch).toBeGreaterThan(1);
  expect([...new Set(writers.values())]).toEqual([`b@${takeoverEpoch}`]);

  // Each status equals what the host recorded, and the host decided each payment once.
  expect(await hostMismatches(sim.url, payments, statuses)).toEqual([]);
  const stats = await hostStats(sim.url);
  expect(stats.unique).toBe(TOTAL + 1);
  expect(stats.accepted + stats.rejected).toBe(TOTAL + 1);
  expect(replicationErrors).toEqual([]);

  // Region a comes back on an empty engine, joined again and backfilled from b (like a new replica).
  await replicator.stop();
  const dynamoA2 = await startDynamoDbLocal();
  const queueA2 = await startFauxqs();
  engines.push(dynamoA2, queueA2);
  const urlsA2 = await provision(dynamoA2.endpoint, queueA2.endpoint, 'region-a2');
  aDead = false;
  replicator = join(dynamoA2, 'now');
  const polled = Date.now() + 10_000;
  while (Object.values(replicator.stats().polls).filter((n) => n > 0).length < 2 && Date.now() < polled) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const seeded = await seedReplica(
    { endpoint: dynamoB.endpoint, table },
    { endpoint: dynamoA2.endpoint, table },
    {
      region: shared.region,
      credentials,
    },
  );
  expect(seeded).toBeGreaterThan(TOTAL);
  phase('a backfilled');
  const a3 = await startGateway({ ...regionEnv('a', dynamoA2, dynamoB, queueA2, urlsA2), DATA_DIR: tempDir('eventual-a-3') }, undefined, {
    keepStdout: true,
  });
  processes.push(a3);
  const fenced = await fetch(`${a3.url}/health/region`);
  expect(fenced.status).toBe(503);
  expect(await fenced.json()).toMatchObject({ region_id: 'a', status: 'down', epoch: takeoverEpoch });
  const refused = await inbox(a3, null, buildPacs008({ uetr: randomUUID(), msgId: `EVENTUAL-${run}-fenced` }), 'region');
  expect(refused.status).toBe(503);
  expect(await refused.json()).toMatchObject({ code: 'REGION.DOWN' });
  await new Promise((r) => setTimeout(r, 3000)); // a few heartbeats and sweeps of the returning region
  expect(jsonLogLines(a3.stdout()).filter((l) => l.msg === 'payment status changed')).toEqual([]);

  // An operator brings a back (at b: the change reaches a through replication): a fresh epoch, b lets go.
  const up = await fetch(`${b1.url}/v1/operator/regions/a/up`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
  expect(up.status).toBe(200);
  expect(await up.json()).toMatchObject({ id: 'a', status: 'healthy', takenOverBy: null, epoch: takeoverEpoch + 1 });
  const healthyAgain = Date.now() + 15_000;
  while ((await fetch(`${a3.url}/health/region`)).status !== 200 && Date.now() < healthyAgain) await new Promise((r) => setTimeout(r, 200));
  expect((await fetch(`${a3.url}/health/region`)).status).toBe(200);
  const backKey = randomUUID();
  const back = await inbox(a3, backKey, buildPacs008({ uetr: randomUUID(), msgId: `EVENTUAL-${run}-back` }), 'global');
  expect(back.status).toBe(202);
  const backDone = await pollUntilTerminal(a3.url, token, [backKey], 60_000, 500);
  expect(backDone.get(backKey)).toMatchObject({ status: 'ACSC', homeRegion: 'a' });
  expect(replicationErrors).toEqual([]);
  console.log(
    `region failover (eventual): ${TOTAL} payments, ${payments.filter((p) => p.region === 'a').length} taken by region a, ` +
      `${unfinishedAtKill.length} of them unfinished in b's replica when a died and finished by b; host duplicates absorbed: ${stats.duplicates}; ` +
      `global answered in ${globalMs} ms; most replication backlog held: ${maxBacklog}; ${phases.join(', ')}`,
  );
}, 900_000);
