/**
 * Benchmark (a script, not a test): drives N payments through the whole path — submit over HTTP, process,
 * release to the legacy-host simulator over HTTP, ACSC — at a given concurrency, on the embedded default.
 * Prints throughput, latencies and peak RSS, and in the same run the single-core parse + XSD-validate
 * ceiling for the same message. Last line (read by checks):
 *   payments/s=<x> ceiling/s=<y> ratio=<x/y> p99_ms=<submit p99>
 *
 * Usage: npm run bench -- [--payments 2000] [--concurrency 32] [--sync FULL|NORMAL]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Iso20022Codec } from '#iso20022';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { REPO_ROOT, startGateway, startSimulator, tempDir, tokenFor } from '../support/processes.js';

const { values } = parseArgs({
  options: {
    payments: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    sync: { type: 'string', default: 'FULL' },
    workers: { type: 'string', default: '16' },
  },
});
const N = Number(values.payments);
const C = Number(values.concurrency);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
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

async function main(): Promise<void> {
  const sim = await startSimulator();
  const gw = await startGateway({
    DATA_DIR: tempDir('bench'),
    LEGACY_HOST_URL: sim.url,
    SQLITE_SYNCHRONOUS: String(values.sync),
    WORKER_CONCURRENCY: String(values.workers),
    LOG_LEVEL: 'error',
  });
  try {
    const token = await tokenFor(gw.url, 'bank-a');
    const headers = { 'content-type': 'application/xml', authorization: `Bearer ${token}` };
    const submit = async (body: string) => {
      const res = await fetch(`${gw.url}/v1/inbox`, { method: 'POST', headers, body });
      if (res.status !== 202) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { transactionId: string }).transactionId;
    };
    for (let i = 0; i < 50; i++) await submit(buildPacs008({})); // warm-up
    await new Promise((r) => setTimeout(r, 1000));

    const bodies = Array.from({ length: N }, () => buildPacs008({}));
    const submitted = new Map<string, number>();
    const submitLatency: number[] = [];
    let next = 0;
    const t0 = performance.now();
    const wall0 = Date.now();
    await Promise.all(
      Array.from({ length: C }, async () => {
        for (let i = next++; i < N; i = next++) {
          const start = performance.now();
          const startWall = Date.now();
          const id = await submit(bodies[i]!);
          submitLatency.push(performance.now() - start);
          submitted.set(id, startWall);
        }
      }),
    );
    const submitSeconds = (performance.now() - t0) / 1000;

    // Wait for all to be terminal, then read their ACSC times from the history.
    const e2e: number[] = [];
    let lastDone = 0;
    let settled = 0;
    for (;;) {
      e2e.length = 0;
      lastDone = 0;
      settled = 0;
      let pending = 0;
      let cursor: string | null = null;
      do {
        const q: string = `${gw.url}/v1/transactions?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = (await (await fetch(q, { headers })).json()) as {
          items: Array<{ transactionId: string; status: string; history: Array<{ status: string; at: string }> }>;
          nextCursor: string | null;
        };
        for (const tx of page.items) {
          const start = submitted.get(tx.transactionId);
          if (start === undefined) continue;
          const end = tx.history.find((h) => h.status === 'ACSC' || h.status === 'RJCT');
          if (!end) {
            pending++;
            continue;
          }
          settled++;
          const at = Date.parse(end.at);
          e2e.push(at - start);
          lastDone = Math.max(lastDone, at);
        }
        cursor = page.nextCursor;
      } while (cursor);
      if (pending === 0 && settled === N) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const totalSeconds = (lastDone - wall0) / 1000;
    const rss = peakRssMb(gw.child.pid!);
    const simStats = (await (await fetch(`${sim.url}/stats`)).json()) as { unique: number; duplicates: number };

    submitLatency.sort((a, b) => a - b);
    e2e.sort((a, b) => a - b);
    const paymentsPerSecond = N / totalSeconds;
    const ceil = await ceiling(bodies[0]!);
    const ratio = paymentsPerSecond / ceil;

    console.log(`payments              ${N} (concurrency ${C}, ${values.workers} workers, sqlite synchronous=${values.sync})`);
    console.log(`submit phase          ${submitSeconds.toFixed(2)} s  (${(N / submitSeconds).toFixed(0)} submits/s)`);
    console.log(`end to end            ${totalSeconds.toFixed(2)} s  -> ${paymentsPerSecond.toFixed(1)} payments/s settled`);
    console.log(
      `submit latency ms     p50=${percentile(submitLatency, 50).toFixed(1)} p95=${percentile(submitLatency, 95).toFixed(1)} p99=${percentile(submitLatency, 99).toFixed(1)}`,
    );
    console.log(`end-to-end latency ms p50=${percentile(e2e, 50).toFixed(0)} p99=${percentile(e2e, 99).toFixed(0)}`);
    console.log(`gateway peak RSS      ${rss.toFixed(0)} MB`);
    console.log(`host                  ${simStats.unique} unique, ${simStats.duplicates} duplicates`);
    console.log(`parse+XSD ceiling     ${ceil.toFixed(0)} msg/s on one core (same message)`);
    console.log(
      `payments/s=${paymentsPerSecond.toFixed(1)} ceiling/s=${ceil.toFixed(0)} ratio=${ratio.toFixed(3)} p99_ms=${percentile(submitLatency, 99).toFixed(1)}`,
    );
  } finally {
    await gw.kill();
    await sim.kill();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
