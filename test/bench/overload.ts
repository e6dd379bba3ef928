// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench -- --overload`: how the gateway behaves when offered more than it can do (docs/operations.md,
 * "Overload"). On the embedded default it first measures its capacity (closed loop, 1,500 payments), then offers
 * twice that (or `--rate R`) on a fixed schedule for `--seconds` (default 60), while a separate connection asks
 * `GET /health/live` every 100 ms and the gateway's RSS is sampled every 5 s. Refused submissions are counted,
 * not retried. Then it waits for every accepted payment to end and prints: accepted, refused with Retry-After
 * (503 and 429), AB05 rejections, host call timeouts, recovery re-drives, duplicates at the host, the liveness
 * latency (p50, p99, max), and the RSS over time.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startGateway, startSimulator, tempDir, tokenFor, type NodeProcess } from '../support/processes.js';

export interface OverloadOptions {
  rate: number | null;
  seconds: number;
  workers: number;
  sync: string;
  set: Record<string, string>;
}

interface Answer {
  status: number;
  retryAfter: string | null;
  text: string;
}

function exchange(agent: Agent, url: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

async function metric(url: string, token: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
}

export async function runOverload(o: OverloadOptions): Promise<void> {
  const sim = await startSimulator();
  let gateway: NodeProcess | null = null;
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    gateway = await startGateway({
      DATA_DIR: tempDir('overload'),
      LEGACY_HOST_URL: sim.url,
      SQLITE_SYNCHRONOUS: o.sync,
      WORKER_CONCURRENCY: String(o.workers),
      LOG_LEVEL: 'warn',
      ...o.set,
    });
    const g = gateway;
    const token = await tokenFor(g.url, 'bank-a');
    const monitor = await tokenFor(g.url, 'monitor');
    const headers = { 'content-type': 'application/xml', authorization: `Bearer ${token}` };
    const submit = () => exchange(agent, `${g.url}/v1/inbox`, 'POST', headers, buildPacs008({}));
    const openPayments = async () => {
      let n = 0;
      for (const s of ['RCVD', 'ACTC', 'ACSP', 'PDNG']) {
        const res = await fetch(`${g.url}/v1/transactions?status=${s}&limit=1`, { headers });
        n += ((await res.json()) as { items: unknown[] }).items.length;
      }
      return n;
    };
    const drain = async (limitMs: number) => {
      const end = Date.now() + limitMs;
      while ((await openPayments()) > 0) {
        if (Date.now() > end) throw new Error('payments still open after the drain limit');
        await sleep(500);
      }
    };

    // 1. Capacity: closed loop, 32 clients, 1,500 payments, from the first submit to the last one ended.
    let capacity: number | null = null;
    if (o.rate === null) {
      for (let i = 0; i < 50; i++) await submit();
      await drain(60_000);
      const t0 = Date.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          for (let i = next++; i < 1500; i = next++) {
            const r = await submit();
            if (r.status !== 202) throw new Error(`capacity run: HTTP ${r.status} ${r.text}`);
          }
        }),
      );
      await drain(120_000);
      capacity = 1500 / ((Date.now() - t0) / 1000);
    }
    const offered = o.rate ?? 2 * capacity!;

    // 2. Overload: `offered` submissions a second for `seconds`, liveness every 100 ms, RSS every 5 s.
    const before = {
      hostTimeouts: await metric(g.url, monitor, 'clearway_host_call_timeouts_total'),
      redriven: await metric(g.url, monitor, 'clearway_recovery_redriven_total'),
      slaTimeouts: await metric(g.url, monitor, 'clearway_sla_timeouts_total'),
      simDuplicates: ((await (await fetch(`${sim.url}/stats`)).json()) as { duplicates: number }).duplicates,
    };
    const counts = { accepted: 0, refused503: 0, refused429: 0, withoutRetryAfter: 0, other: 0, errors: 0 };
    const live: number[] = [];
    const rss: number[] = [rssMb(g.child.pid!)];
    let running = true;
    const probe = (async () => {
      while (running) {
        const t = performance.now();
        const r = await exchange(probeAgent, `${g.url}/health/live`, 'GET', {}).catch(() => null);
        live.push(r?.status === 200 ? performance.now() - t : Infinity);
        await sleep(Math.max(0, 100 - (performance.now() - t)));
      }
    })();
    const heap: string[] = [];
    // The event loop's longest delay in each 5 s window (prom-client's monitorEventLoopDelay, 10 ms resolution,
    // reset at each scrape): the longest synchronous step the gateway ran in that window, plus up to 10 ms.
    const lagMaxMs: number[] = [];
    await metric(g.url, monitor, 'nodejs_eventloop_lag_max_seconds'); // starts the first window
    const memory = async () => {
      rss.push(rssMb(g.child.pid!));
      const text = await (await fetch(`${g.url}/metrics`, { headers: { authorization: `Bearer ${monitor}` } })).text();
      const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      const mb = (name: string) => (read(name) / 1024 / 1024).toFixed(0);
      heap.push(`${mb('nodejs_heap_size_used_bytes')}/${mb('nodejs_heap_size_total_bytes')}/${mb('nodejs_external_memory_bytes')}`);
      lagMaxMs.push(read('nodejs_eventloop_lag_max_seconds') * 1000);
    };
    const rssTimer = setInterval(() => void memory(), 5000);
    const t0 = performance.now();
    const total = Math.round(offered * o.seconds);
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / offered - performance.now();
      if (wait > 1) await sleep(wait);
      inflight.push(
        submit().then(
          (r) => {
            if (r.status === 202) counts.accepted++;
            else if (r.status === 503 || r.status === 429) {
              if (r.status === 503) counts.refused503++;
              else counts.refused429++;
              if (!r.retryAfter) counts.withoutRetryAfter++;
            } else counts.other++;
          },
          () => void counts.errors++,
        ),
      );
    }
    await Promise.all(inflight);
    const offeredSeconds = (performance.now() - t0) / 1000;
    const drainStart = Date.now();
    await drain(20 * 60_000);
    const drainSeconds = (Date.now() - drainStart) / 1000;
    running = false;
    await probe;
    clearInterval(rssTimer);
    rss.push(rssMb(g.child.pid!));

    // 3. What became of the accepted payments.
    let ab05 = 0;
    let rejected = 0;
    let cursor: string | null = null;
    do {
      const q: string = `${g.url}/v1/transactions?status=RJCT&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await (await fetch(q, { headers })).json()) as {
        items: Array<{ reason: { code: string } | null }>;
        nextCursor: string | null;
      };
      for (const tx of page.items) {
        rejected++;
        if (tx.reason?.code === 'AB05') ab05++;
      }
      cursor = page.nextCursor;
    } while (cursor);
    const after = {
      hostTimeouts: await metric(g.url, monitor, 'clearway_host_call_timeouts_total'),
      redriven: await metric(g.url, monitor, 'clearway_recovery_redriven_total'),
      slaTimeouts: await metric(g.url, monitor, 'clearway_sla_timeouts_total'),
      sim: (await (await fetch(`${sim.url}/stats`)).json()) as { unique: number; duplicates: number },
    };
    live.sort((a, b) => a - b);
    console.log(
      `capacity              ${capacity === null ? 'not measured (--rate given)' : `${capacity.toFixed(1)} payments/s (closed loop, 32 clients)`}`,
    );
    console.log(`offered               ${offered.toFixed(0)} payments/s for ${offeredSeconds.toFixed(1)} s (${total} submissions)`);
    console.log(`accepted              ${counts.accepted} (202)`);
    console.log(
      `refused               ${counts.refused503} with 503, ${counts.refused429} with 429; ${counts.withoutRetryAfter} without Retry-After; other answers ${counts.other}, connection errors ${counts.errors}`,
    );
    console.log(`drained in            ${drainSeconds.toFixed(1)} s after the last submission`);
    console.log(`AB05 rejections       ${ab05} (of ${rejected} rejected); SLA sweeper actions ${after.slaTimeouts - before.slaTimeouts}`);
    console.log(`host call timeouts    ${after.hostTimeouts - before.hostTimeouts}`);
    console.log(`recovery re-drives    ${after.redriven - before.redriven}`);
    console.log(`host duplicates       ${after.sim.duplicates - before.simDuplicates} (host holds ${after.sim.unique} payments)`);
    console.log(
      `/health/live ms       p50=${percentile(live, 50).toFixed(1)} p99=${percentile(live, 99).toFixed(1)} max=${live.at(-1)!.toFixed(1)} (${live.length} probes)`,
    );
    console.log(`gateway RSS MB        ${rss.map((m) => m.toFixed(0)).join(' ')} (every 5 s), peak ${Math.max(...rss).toFixed(0)}`);
    console.log(`gateway heap MB       ${heap.join(' ')} (every 5 s, from /metrics: V8 heap used/committed/external)`);
    const text = await (await fetch(`${g.url}/metrics`, { headers: { authorization: `Bearer ${monitor}` } })).text();
    const series = (re: RegExp) => [...text.matchAll(re)].map((m) => [m[1]!, Number(m[2])] as const);
    const gc = series(/^nodejs_gc_duration_seconds_sum\{kind="(\w+)"\} (\S+)$/gm);
    const gcCount = new Map(series(/^nodejs_gc_duration_seconds_count\{kind="(\w+)"\} (\S+)$/gm));
    const commits = await metric(g.url, monitor, 'clearway_store_commits_total');
    const commitSeconds = await metric(g.url, monitor, 'clearway_store_commit_seconds_total');
    const longestCommit = await metric(g.url, monitor, 'clearway_store_longest_commit_seconds');
    console.log(
      `group commits         ${commits} in all, ${((commitSeconds / commits) * 1000).toFixed(2)} ms on average, longest ${(longestCommit * 1000).toFixed(1)} ms (the event loop is held meanwhile; the fsync is not)`,
    );
    const checkpoints = await metric(g.url, monitor, 'clearway_store_checkpoints_total');
    const pauseSeconds = await metric(g.url, monitor, 'clearway_store_checkpoint_pause_seconds_total');
    const longestCheckpoint = await metric(g.url, monitor, 'clearway_store_longest_checkpoint_seconds');
    const walSyncs = await metric(g.url, monitor, 'clearway_store_wal_syncs_total');
    console.log(
      `WAL                   ${walSyncs} fdatasyncs off the loop; ${checkpoints} checkpoints on their own thread (longest first pass ${(longestCheckpoint * 1000).toFixed(1)} ms), writes paused ${(pauseSeconds * 1000).toFixed(0)} ms in all for their second passes`,
    );
    console.log(
      `event-loop delay max  ${lagMaxMs.map((m) => m.toFixed(0)).join(' ')} ms (each 5 s window), longest ${Math.max(...lagMaxMs).toFixed(1)} ms`,
    );
    console.log(
      `gateway GC            ${gc.map(([kind, sec]) => `${kind} ${gcCount.get(kind) ?? 0}x ${(sec * 1000).toFixed(0)} ms`).join(', ')} (whole process life)`,
    );
  } finally {
    agent.destroy();
    probeAgent.destroy();
    await gateway?.kill();
    await sim.kill();
  }
}
