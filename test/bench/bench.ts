// SPDX-License-Identifier: Apache-2.0
/**
 * Benchmark (a script, not a test): drives N payments through the whole path — submit over HTTP, process,
 * release to the legacy-host simulator over HTTP, ACSC — on the embedded default, with the gateway, the
 * simulator and this load generator on the same machine. Prints throughput, latencies, peak RSS, the CPU each
 * process spent per payment, the store's commits per payment, in the same run the single-core parse +
 * XSD-validate ceiling for the same message, and the time of one routing decision (routing-decisions.ts), printed
 * just before the last line. Last line (read by checks):
 *   payments/s=<x> ceiling/s=<y> ratio=<x/y> p99_ms=<submit p99>
 *
 * Closed loop (default): --concurrency clients, each submitting its next payment when the last was answered.
 * Open loop: --rate R submits R payments/s on a fixed schedule whatever the answers, so latency is measured at
 * an offered load rather than at saturation.
 *
 * Profiles: `embedded` (default: SQLite store and queue), `postgres` (STORE=postgres on the PostgreSQL server of
 * DATABASE_URL, else the local one, in a schema of its own that is dropped afterwards; prints the server's
 * transactions per payment from pg_stat_database) or `aws` (the same path on DynamoDB Local, fauxqs for SQS
 * FIFO and S3, and the Secrets Manager fake: STORE=dynamodb QUEUE=sqs ARCHIVE=s3 SECRETS=aws). The aws profile
 * also prints, per payment, the DynamoDB capacity units consumed (ReturnConsumedCapacity), the SQS, S3 and
 * Secrets Manager requests, the cost per million payments at list prices (test/bench/aws-cost.ts), and the
 * AWS guidance's calls beside them. Local engines measure calls and units, not AWS's latency.
 *
 * `--overload [--seconds 60] [--rate R]`: twice the measured capacity (or R/s) offered for a minute; what was
 * accepted, refused (503/429 with Retry-After), rejected AB05, timed out at the host, re-driven, and the liveness
 * latency and RSS over time (test/bench/overload.ts).
 *
 * Usage: npm run bench -- [--profile embedded|postgres|aws] [--payments 2000] [--concurrency 32] [--rate R]
 *                         [--sync FULL|NORMAL] [--workers 16] [--roles all|split] [--cpu-prof DIR] [--set KEY=VALUE ...]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Iso20022Codec } from '#iso20022';
import { startProvisionedAwsEngines } from '../support/aws-gateway.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { dropTestSchema, onTestServer } from '../support/postgres.js';
import {
  GATEWAY_NODE_OPTIONS,
  REPO_ROOT,
  TEST_DATABASE_URL,
  startGateway,
  startSimulator,
  tempDir,
  tokenFor,
  type NodeProcess,
} from '../support/processes.js';
import {
  awsCountsFromMetrics,
  difference,
  GUIDANCE_PER_PAYMENT,
  guidanceCostPerPayment,
  perMillionPayments,
  price,
  PRICE_LIST,
  requestsOf,
  sum,
  type AwsCounts,
} from './aws-cost.js';
import { runOverload } from './overload.js';
import { measureRoutingDecisions, routingDecisionLine } from './routing-decisions.js';
import { stageBreakdown } from './stages.js';

const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'embedded' },
    /** drive twice the measured capacity (or --rate) for --seconds and report how the gateway copes (overload.ts) */
    overload: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '60' },
    payments: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    rate: { type: 'string' },
    sync: { type: 'string', default: 'FULL' },
    workers: { type: 'string', default: '16' },
    roles: { type: 'string', default: 'all' },
    'cpu-prof': { type: 'string' },
    /** more gateway settings, KEY=VALUE, for comparing one setting (e.g. SQLITE_CHECKPOINT_INTERVAL_MS=0) */
    set: { type: 'string', multiple: true, default: [] },
  },
});
const N = Number(values.payments);
const C = Number(values.concurrency);
const RATE = values.rate === undefined ? null : Number(values.rate);
const WARM_UP = 50;
if (!(N > 0) || !(C > 0) || (RATE !== null && !(RATE > 0))) throw new Error('--payments, --concurrency and --rate must be positive');
if (values.profile !== 'embedded' && values.profile !== 'aws' && values.profile !== 'postgres')
  throw new Error('--profile is embedded (SQLite), postgres (DATABASE_URL) or aws (DynamoDB Local, SQS and S3 emulators)');
const AWS = values.profile === 'aws';
const PG = values.profile === 'postgres';
if (values.roles !== 'all' && values.roles !== 'split') throw new Error('--roles is all (one process) or split (ROLE=api + ROLE=worker)');

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** CPU time (user + system) a process has used, in microseconds (from /proc; clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000; // utime, stime (fields 14 and 15)
}

async function ceiling(message: string, seconds = 3): Promise<number> {
  const codec = await Iso20022Codec.create({ schemaDir: join(REPO_ROOT, 'config/schemas') });
  try {
    for (let i = 0; i < 200; i++) codec.readPacs008(codec.parse(message)); // warm-up
    let n = 0;
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) codec.readPacs008(codec.parse(message));
      n += 100;
    }
    return n / seconds;
  } finally {
    codec.dispose();
  }
}

/** One HTTP exchange on a keep-alive agent (node:http: a lighter load generator than fetch). */
function exchange(agent: Agent, url: string, method: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Counters {
  commits: number;
  writes: number;
  largest: number;
  aws: AwsCounts;
}

/** The store's counters and the AWS request meter's from GET /metrics. */
async function counters(url: string, token: string): Promise<Counters> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    commits: read('clearway_store_commits_total'),
    writes: read('clearway_store_writes_total'),
    largest: read('clearway_store_largest_group_commit'),
    aws: awsCountsFromMetrics(text),
  };
}

async function main(): Promise<void> {
  const profDir = values['cpu-prof'];
  const aws = AWS ? await startProvisionedAwsEngines('bench') : null;
  const sim = await startSimulator();
  const dataDir = tempDir('bench');
  const pgSchema = PG ? `clearway_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}` : null;
  const pgEnv = pgSchema
    ? {
        STORE: 'postgres',
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: pgSchema,
        SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      }
    : null;
  /** The server's committed transactions (all databases' sessions on it: the bench is its only user). */
  const pgCommits = async () =>
    Number((await onTestServer<{ n: string }>('SELECT sum(xact_commit) AS n FROM pg_stat_database')).rows[0]!.n);
  const env = (role: string): Record<string, string> => ({
    DATA_DIR: dataDir,
    LEGACY_HOST_URL: sim.url,
    ...(aws ? aws.env : (pgEnv ?? { SQLITE_SYNCHRONOUS: String(values.sync) })),
    WORKER_CONCURRENCY: String(values.workers),
    LOG_LEVEL: 'error',
    ROLE: role,
    ...Object.fromEntries(values.set.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    ...(profDir ? { NODE_OPTIONS: `${GATEWAY_NODE_OPTIONS} --cpu-prof --cpu-prof-dir=${join(profDir, role)}` } : {}),
  });
  const gateways: NodeProcess[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: RATE === null ? C : 128 });
  try {
    const api = await startGateway(env(values.roles === 'split' ? 'api' : 'all'));
    gateways.push(api);
    if (values.roles === 'split') gateways.push(await startGateway(env('worker')));
    const token = await tokenFor(api.url, 'bank-a');
    const monitor = await tokenFor(api.url, 'monitor');
    const headers = { 'content-type': 'application/xml', authorization: `Bearer ${token}` };
    const submit = async (body: string) => {
      const res = await exchange(agent, `${api.url}/v1/inbox`, 'POST', headers, body);
      if (res.status !== 202) throw new Error(`HTTP ${res.status}: ${res.text}`);
      return (JSON.parse(res.text) as { transactionId: string }).transactionId;
    };
    for (let i = 0; i < WARM_UP; i++) await submit(buildPacs008({}));
    await new Promise((r) => setTimeout(r, 1000));

    const bodies = Array.from({ length: N }, () => buildPacs008({}));
    const submitted = new Map<string, number>();
    const submitLatency: number[] = [];
    const one = async (i: number) => {
      const start = performance.now();
      const startWall = Date.now();
      const id = await submit(bodies[i]!);
      submitLatency.push(performance.now() - start);
      submitted.set(id, startWall);
    };
    const counters0 = await Promise.all(gateways.map((g) => counters(g.url, monitor)));
    const pgCommits0 = PG ? await pgCommits() : 0;
    const cpu0 = { gateways: gateways.map((g) => cpuMicros(g.child.pid!)), sim: cpuMicros(sim.child.pid!), self: process.cpuUsage() };
    const t0 = performance.now();
    const wall0 = Date.now();
    if (RATE === null) {
      let next = 0;
      await Promise.all(
        Array.from({ length: C }, async () => {
          for (let i = next++; i < N; i = next++) await one(i);
        }),
      );
    } else {
      const all: Promise<void>[] = [];
      for (let i = 0; i < N; i++) {
        const due = t0 + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        all.push(one(i));
      }
      await Promise.all(all);
    }
    const submitSeconds = (performance.now() - t0) / 1000;

    // Done when the host has every payment and nothing is left between RCVD and a final status; cheap polls
    // (the simulator's counter, then one row per status) so that the bench does not load what it measures.
    const simStats = async () => (await (await fetch(`${sim.url}/stats`)).json()) as { unique: number; duplicates: number };
    while ((await simStats()).unique < N + WARM_UP) await new Promise((r) => setTimeout(r, 100));
    for (;;) {
      const open = await Promise.all(
        ['RCVD', 'ACTC', 'ACSP', 'PDNG'].map(async (s) => {
          const res = await fetch(`${api.url}/v1/transactions?status=${s}&limit=1`, { headers });
          return ((await res.json()) as { items: unknown[] }).items.length;
        }),
      );
      if (open.every((n) => n === 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const cpu1 = {
      gateways: gateways.map((g) => cpuMicros(g.child.pid!)),
      sim: cpuMicros(sim.child.pid!),
      self: process.cpuUsage(cpu0.self),
    };
    const counters1 = await Promise.all(gateways.map((g) => counters(g.url, monitor)));

    // The end-to-end time of each payment: from its submit to its final status in its history.
    const e2e: number[] = [];
    let lastDone = 0;
    let settled = 0;
    let cursor: string | null = null;
    do {
      const q: string = `${api.url}/v1/transactions?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await (await fetch(q, { headers })).json()) as {
        items: Array<{ transactionId: string; status: string; history: Array<{ status: string; at: string }> }>;
        nextCursor: string | null;
      };
      for (const tx of page.items) {
        const start = submitted.get(tx.transactionId);
        if (start === undefined) continue;
        const end = tx.history.find((h) => h.status === 'ACSC' || h.status === 'RJCT');
        if (!end) continue;
        if (end.status === 'ACSC') settled++;
        const at = Date.parse(end.at);
        e2e.push(at - start);
        lastDone = Math.max(lastDone, at);
      }
      cursor = page.nextCursor;
    } while (cursor);
    if (settled !== N) throw new Error(`${settled} of ${N} payments settled (ACSC); the bench counts only a clean run`);
    const totalSeconds = (lastDone - wall0) / 1000;
    const rss = gateways.map((g) => peakRssMb(g.child.pid!));
    const host = await simStats();
    // a stopped gateway's sessions have reported their commits to the server's statistics (idle polling included)
    let pgTransactions = 0;
    if (PG) {
      await Promise.all(gateways.map((g) => g.kill()));
      pgTransactions = (await pgCommits()) - pgCommits0;
    }

    submitLatency.sort((a, b) => a - b);
    e2e.sort((a, b) => a - b);
    const paymentsPerSecond = N / totalSeconds;
    const perPayment = (micros: number) => (micros / N).toFixed(0);
    const commits = counters1.reduce((t, c, i) => t + c.commits - counters0[i]!.commits, 0);
    const writes = counters1.reduce((t, c, i) => t + c.writes - counters0[i]!.writes, 0);
    const ceil = await ceiling(bodies[0]!);
    const ratio = paymentsPerSecond / ceil;
    const gatewayCpu = cpu1.gateways.map((c, i) => c - cpu0.gateways[i]!);

    const load = RATE === null ? `concurrency ${C}` : `open loop at ${RATE}/s`;
    const roles = values.roles === 'split' ? 'ROLE=api + ROLE=worker' : 'one process';
    const store = AWS
      ? 'DynamoDB Local + fauxqs SQS FIFO and S3'
      : PG
        ? `postgresql ${(await onTestServer<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v}, synchronous_commit=${(await onTestServer<{ v: string }>("SELECT current_setting('synchronous_commit') AS v")).rows[0]!.v}`
        : `sqlite synchronous=${values.sync}`;
    console.log(`payments              ${N} (${load}, ${values.workers} workers, ${roles}, ${store})`);
    console.log(`submit phase          ${submitSeconds.toFixed(2)} s  (${(N / submitSeconds).toFixed(0)} submits/s)`);
    console.log(`end to end            ${totalSeconds.toFixed(2)} s  -> ${paymentsPerSecond.toFixed(1)} payments/s settled`);
    console.log(
      `submit latency ms     p50=${percentile(submitLatency, 50).toFixed(1)} p95=${percentile(submitLatency, 95).toFixed(1)} p99=${percentile(submitLatency, 99).toFixed(1)}`,
    );
    console.log(`end-to-end latency ms p50=${percentile(e2e, 50).toFixed(0)} p99=${percentile(e2e, 99).toFixed(0)}`);
    console.log(`gateway peak RSS      ${rss.map((r) => `${r.toFixed(0)} MB`).join(' + ')}`);
    console.log(
      `CPU us per payment    gateway=${gatewayCpu.map(perPayment).join('+')} simulator=${perPayment(cpu1.sim - cpu0.sim)} load-generator=${perPayment(cpu1.self.user + cpu1.self.system)}`,
    );
    if (AWS) printAwsUsage(sum(counters1.map((c, i) => difference(c.aws, counters0[i]!.aws))));
    else if (PG)
      console.log(
        `store                 ${(pgTransactions / N).toFixed(2)} server transactions per payment (pg_stat_database, idle polling included)`,
      );
    else
      console.log(
        `store                 ${(commits / N).toFixed(2)} commits per payment, ${(writes / N).toFixed(2)} writes per payment, largest group commit ${Math.max(...counters1.map((c) => c.largest))}`,
      );
    console.log(`host                  ${host.unique} unique, ${host.duplicates} duplicates`);
    console.log(`parse+XSD ceiling     ${ceil.toFixed(0)} msg/s on one core (same message)`);
    if (profDir) {
      await Promise.all(gateways.map((g) => g.kill()));
      for (const role of values.roles === 'split' ? ['api', 'worker'] : ['all']) {
        const dir = join(profDir, role);
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (!file) throw new Error(`no CPU profile was written in ${dir}`);
        console.log(`CPU by stage (${role} process, from its profile; us per payment, whole process life incl. start):`);
        for (const [stage, us] of stageBreakdown(JSON.parse(readFileSync(join(dir, file), 'utf8')), N + WARM_UP)) {
          console.log(`  ${stage.padEnd(20)} ${us.toFixed(0).padStart(6)}`);
        }
      }
    }
    console.log(routingDecisionLine(measureRoutingDecisions()));
    console.log(
      `payments/s=${paymentsPerSecond.toFixed(1)} ceiling/s=${ceil.toFixed(0)} ratio=${ratio.toFixed(3)} p99_ms=${percentile(submitLatency, 99).toFixed(1)}`,
    );
  } finally {
    agent.destroy();
    for (const g of gateways) await g.kill();
    await sim.kill();
    await aws?.engines.stop();
    if (pgSchema) await dropTestSchema(pgSchema);
  }

  /** Per payment, what the run asked of AWS (background work such as empty long polls and relay sweeps included). */
  function printAwsUsage(run: AwsCounts): void {
    const per = (n: number) => (n / N).toFixed(2);
    const cost = price(run);
    console.log(
      `DynamoDB per payment  ${per(run.readUnits)} read units, ${per(run.writeUnits)} write units (ReturnConsumedCapacity, as DynamoDB Local reports them)`,
    );
    for (const [service, label] of [
      ['dynamodb', 'DynamoDB requests'],
      ['sqs', 'SQS requests'],
      ['s3', 'S3 requests'],
      ['secretsmanager', 'Secrets Manager calls'],
    ] as const) {
      const ops = [...run.requests].filter(([k]) => k.startsWith(`${service} `)).sort((a, b) => b[1] - a[1]);
      console.log(
        `${label.padEnd(22)}${per(requestsOf(run, service))} per payment${ops.length ? `: ${ops.map(([k, v]) => `${k.slice(service.length + 1)} ${per(v)}`).join(', ')}` : ''}`,
      );
    }
    console.log(
      `cost per million      ${perMillionPayments(cost.total, N)} (DynamoDB ${perMillionPayments(cost.dynamodb, N)}, SQS ${perMillionPayments(cost.sqs, N)}, S3 ${perMillionPayments(cost.s3, N)}, Secrets Manager ${perMillionPayments(cost.secretsManager, N)}) at ${PRICE_LIST.region} on-demand list prices read ${PRICE_LIST.read}; compute, storage and transfer not included`,
    );
    const g = GUIDANCE_PER_PAYMENT;
    console.log(
      `AWS guidance          ${g.readUnits} read units, ${g.writeUnits} write units (${g.dynamodbQueries} queries, ${g.dynamodbPuts} puts, ${g.dynamodbDeletes} delete); sqs ${g.sqsRequests.sends} sends + up to ${g.sqsRequests.receivesAtMost} receives + ${g.sqsRequests.deletes} deletes; s3 ${g.s3.puts} puts + ${g.s3.gets} get; ${g.other} -> ${perMillionPayments(guidanceCostPerPayment() * BigInt(N), N)} per million on DynamoDB, SQS and S3`,
    );
  }
}

const run = values.overload
  ? () =>
      runOverload({
        rate: RATE,
        seconds: Number(values.seconds),
        workers: Number(values.workers),
        sync: String(values.sync),
        set: Object.fromEntries(values.set.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
      })
  : main;

run().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
