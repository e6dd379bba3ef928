/**
 * Real OS processes on one database file: concurrent receivers, and a SIGKILL in the middle of a
 * transaction. The children run this library's own code, transpiled on the fly to plain ESM (the adapters
 * import only types from #domain/#application, so they load without the rest of the tree).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { EmbeddedDatabase } from './embedded-database.js';
import { SqliteTransactionRepository } from './sqlite-transaction-repository.adapter.js';
import { SqliteWorkQueue } from './sqlite-work-queue.adapter.js';
import { keysOf, sampleJob, samplePayment, tempDataDir } from './testing/embedded.fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCES = [
  'embedded-database.ts',
  'embedded.migrations.ts',
  'sqlite-work-queue.adapter.ts',
  'sqlite-transaction-repository.adapter.ts',
];

const CHILD = `
import { EmbeddedDatabase } from './embedded-database.js';
import { SqliteWorkQueue, enqueueJobs } from './sqlite-work-queue.adapter.js';
import { SqliteTransactionRepository } from './sqlite-transaction-repository.adapter.js';
const [mode, dataDir, arg, startAt] = process.argv.slice(2);
// start together, whatever each process's start-up time
if (startAt) await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const db = new EmbeddedDatabase({ dataDir });
if (mode === 'receive') {
  const queue = new SqliteWorkQueue(db);
  let idle = 0;
  const out = [];
  while (idle < 20) {
    const got = await queue.receive(Number(arg), 60000);
    if (got.length === 0) { idle++; await new Promise((r) => setTimeout(r, 2)); continue; }
    idle = 0;
    for (const r of got) {
      out.push({ id: r.job.deduplicationId, group: r.job.groupKey, at: performance.timeOrigin + performance.now() });
    }
    await new Promise((r) => setTimeout(r, 1)); // "work"
    for (const r of got) await queue.ack(r.receipt);
  }
  process.stdout.write(JSON.stringify(out));
  db.close();
} else if (mode === 'crash') {
  const repo = new SqliteTransactionRepository(db);
  const committed = JSON.parse(arg);
  for (const { payment, keys, jobs } of committed) await repo.create(payment, keys, jobs);
  db.immediate(() => {
    db.run("INSERT INTO payments (id, client_id, status, version, created_at, updated_at, uetr, msg_id, end_to_end_id, snapshot) VALUES ('half-done', 'c', 'RCVD', 1, 0, 0, NULL, 'm', 'e', '{}')");
    enqueueJobs(db, [{ type: 'payment.process', transactionId: 'half-done', groupKey: 'half-done', deduplicationId: 'half-done' }], Date.now());
    process.kill(process.pid, 'SIGKILL');
  });
}
`;

function buildChild(dir: string): string {
  for (const file of SOURCES) {
    const out = ts.transpileModule(readFileSync(join(here, file), 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        verbatimModuleSyntax: false,
      },
    });
    writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), out.outputText);
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'child.js'), CHILD);
  return join(dir, 'child.js');
}

function run(script: string, args: string[]): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('embedded database shared by several processes', () => {
  const tmp = tempDataDir();
  let script: string;
  beforeAll(() => {
    script = buildChild(tmp.dir);
  });
  afterAll(() => tmp.cleanup());

  it('three processes receiving concurrently never get the same job, and keep each group in order', async () => {
    const dataDir = join(tmp.dir, 'concurrent');
    const db = new EmbeddedDatabase({ dataDir });
    const queue = new SqliteWorkQueue(db);
    const jobs = Array.from({ length: 600 }, (_, i) => sampleJob({ groupKey: `g${i % 40}`, deduplicationId: `job-${i}` }));
    await queue.enqueue(jobs);
    db.close();

    const startAt = String(Date.now() + 1500);
    const results = await Promise.all([1, 2, 3].map((k) => run(script, ['receive', dataDir, String(k * 3), startAt])));
    for (const r of results) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const received = results.flatMap((r) => JSON.parse(r.stdout) as { id: string; group: string; at: number }[]);
    expect(results.every((r) => (JSON.parse(r.stdout) as unknown[]).length > 0)).toBe(true); // all took part
    expect(received).toHaveLength(600);
    expect(new Set(received.map((r) => r.id)).size).toBe(600);
    // within each group, jobs were received in enqueue order even across processes
    const byGroup = new Map<string, { id: string; at: number }[]>();
    for (const r of received) byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), r]);
    for (const [group, list] of byGroup) {
      const inTimeOrder = [...list].sort((a, b) => a.at - b.at).map((r) => Number(r.id.slice(4)));
      expect({ group, order: inTimeOrder }).toEqual({ group, order: [...inTimeOrder].sort((a, b) => a - b) });
    }
  }, 60_000);

  it('keeps every committed write and none of a transaction cut by SIGKILL', async () => {
    const dataDir = join(tmp.dir, 'crash');
    const committed = Array.from({ length: 5 }, () => {
      const payment = samplePayment();
      return { payment, keys: keysOf(payment), jobs: [sampleJob({ transactionId: payment.id })] };
    });
    const result = await run(script, ['crash', dataDir, JSON.stringify(committed)]);
    expect(result.signal).toBe('SIGKILL');

    const db = new EmbeddedDatabase({ dataDir });
    try {
      const repo = new SqliteTransactionRepository(db);
      for (const { payment } of committed) await expect(repo.get(payment.id)).resolves.toEqual({ ...payment, version: 1 });
      await expect(repo.get('half-done')).resolves.toBeNull();
      const stats = await new SqliteWorkQueue(db).stats();
      expect(stats.ready).toBe(5);
      expect(db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE dedup_id = 'half-done'`)!.n).toBe(0);
      expect(db.get<{ integrity_check: string }>('PRAGMA integrity_check')!.integrity_check).toBe('ok');
    } finally {
      db.close();
    }
  }, 30_000);

  it('two connections updating from the same version: exactly one wins', async () => {
    const dataDir = join(tmp.dir, 'occ');
    const a = new EmbeddedDatabase({ dataDir });
    const b = new EmbeddedDatabase({ dataDir });
    try {
      const repoA = new SqliteTransactionRepository(a);
      const repoB = new SqliteTransactionRepository(b);
      const p = samplePayment();
      await repoA.create(p, keysOf(p), []);
      const seenByA = (await repoA.get(p.id))!;
      const seenByB = (await repoB.get(p.id))!;
      const results = await Promise.all([
        repoA.update({ ...seenByA, status: 'ACTC' }, seenByA.version, []),
        repoB.update({ ...seenByB, status: 'RJCT' }, seenByB.version, []),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      await expect(repoB.get(p.id)).resolves.toMatchObject({ version: 2, status: results[0] ? 'ACTC' : 'RJCT' });
    } finally {
      a.close();
      b.close();
    }
  });
});
