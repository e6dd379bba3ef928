// SPDX-License-Identifier: Apache-2.0
/**
 * Real OS processes on one database file: concurrent receivers, and a SIGKILL in the middle of a
 * transaction; two processes settling payments against the same ledger accounts. The children run this
 * library's own code, transpiled on the fly to plain ESM. The adapters import only types from #domain and
 * #application, except LedgerError, the ledger rule and the repository port's lookup limits: the children's
 * `#application` is those transpiled ports and the posting rule alone.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { PaymentSnapshot } from '#domain';
import { EmbeddedDatabase } from './embedded-database.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.adapter.js';
import { SqliteTransactionRepository } from './sqlite-transaction-repository.adapter.js';
import { SqliteWorkQueue } from './sqlite-work-queue.adapter.js';
import { keysOf, sampleJob, samplePayment, tempDataDir } from './testing/embedded.fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCES = [
  'embedded-database.ts',
  'embedded.migrations.ts',
  'wal-checkpointer.ts',
  'sqlite-work-queue.adapter.ts',
  'sqlite-transaction-repository.adapter.ts',
  'sqlite-ledger-store.adapter.ts',
];
const APPLICATION = join(here, '../../../application/src');
const APPLICATION_SOURCES = [
  'ports/ledger.port.ts',
  'ports/transaction-repository.port.ts',
  'ledger/ledger-limits.ts',
  'ledger/posting-rule.ts',
];

const CHILD = `
import { readFileSync } from 'node:fs';
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
} else if (mode === 'settle') {
  // arg: a JSON file of [{payment, postings}] (deltas as strings); tries each settling update in turn
  const repo = new SqliteTransactionRepository(db);
  const outcomes = [];
  for (const { payment, postings } of JSON.parse(readFileSync(arg, 'utf8'))) {
    const legs = postings.map((p) => ({ ...p, delta: BigInt(p.delta) }));
    try {
      outcomes.push((await repo.update(payment, payment.version, [], legs)) ? 'settled' : 'stale');
    } catch (e) {
      outcomes.push(e && e.name === 'LedgerError' ? e.code : 'error: ' + e.message);
    }
  }
  process.stdout.write(JSON.stringify(outcomes));
  db.close();
}
`;

function buildChild(dir: string): string {
  const transpile = (source: string, target: string) => {
    const out = ts.transpileModule(readFileSync(source, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        verbatimModuleSyntax: false,
      },
    });
    writeFileSync(join(dir, target), out.outputText);
  };
  for (const file of SOURCES) transpile(join(here, file), file.replace(/\.ts$/, '.js'));
  mkdirSync(join(dir, 'application/ports'), { recursive: true });
  mkdirSync(join(dir, 'application/ledger'), { recursive: true });
  for (const file of APPLICATION_SOURCES) transpile(join(APPLICATION, file), `application/${file.replace(/\.ts$/, '.js')}`);
  writeFileSync(
    join(dir, 'application/index.js'),
    APPLICATION_SOURCES.map((f) => `export * from './${f.replace(/\.ts$/, '.js')}';\n`).join(''),
  );
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', imports: { '#application': './application/index.js' } }));
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

  it('two processes settling against the same few accounts: every payment settles at most once, no balance goes wrong', async () => {
    const dataDir = join(tmp.dir, 'ledger');
    const db = new EmbeddedDatabase({ dataDir });
    const [A, B, C] = ['DE89370400440532013000', 'FR1420041010050500013M02606', 'GB29NWBK60161331926819'];
    const opening = { [A]: 10_000n, [B]: 5_000n, [C]: 0n };
    const payments: { payment: PaymentSnapshot; postings: { account: string; currency: string; delta: string }[] }[] = [];
    try {
      await new SqliteLedgerStore(db).openAccounts(
        Object.entries(opening).map(([id, balance]) => ({ id, currency: 'EUR', balance })),
        false,
      );
      const repo = new SqliteTransactionRepository(db);
      const routes = [
        [A, B],
        [B, C],
        [C, A],
        [A, C],
        [B, A],
      ] as const;
      for (let i = 0; i < 300; i++) {
        const [from, to] = routes[i % routes.length]!;
        const minor = 100n + BigInt((i * 37) % 400); // 1.00 to 4.99: together far more than there is
        const p = samplePayment({ status: 'ACSP' });
        await repo.create(p, keysOf(p), []);
        payments.push({
          payment: { ...p, version: 1, status: 'ACSC' },
          postings: [
            { account: from, currency: 'EUR', delta: String(-minor) },
            { account: to, currency: 'EUR', delta: String(minor) },
          ],
        });
      }
    } finally {
      db.close();
    }
    // both processes try every payment, in opposite orders, starting at the same moment
    const startAt = String(Date.now() + 1500);
    writeFileSync(join(tmp.dir, 'forward.json'), JSON.stringify(payments));
    writeFileSync(join(tmp.dir, 'backward.json'), JSON.stringify([...payments].reverse()));
    const results = await Promise.all([
      run(script, ['settle', dataDir, join(tmp.dir, 'forward.json'), startAt]),
      run(script, ['settle', dataDir, join(tmp.dir, 'backward.json'), startAt]),
    ]);
    for (const r of results) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const first = JSON.parse(results[0]!.stdout) as string[];
    const second = (JSON.parse(results[1]!.stdout) as string[]).reverse();
    expect(first).toHaveLength(300);
    // both took part: each settled some payments itself
    expect([first.includes('settled'), second.includes('settled')]).toEqual([true, true]);
    expect([...first, ...second].filter((o) => !['settled', 'stale', 'LEDGER.INSUFFICIENT_FUNDS'].includes(o))).toEqual([]);

    const check = new EmbeddedDatabase({ dataDir });
    try {
      const repo = new SqliteTransactionRepository(check);
      const ledger = new SqliteLedgerStore(check);
      const settledIds = new Set<string>();
      const expected = { ...opening };
      for (const [i, { payment, postings }] of payments.entries()) {
        const stored = (await repo.get(payment.id))!;
        const settledBy = [first[i], second[i]].filter((o) => o === 'settled').length;
        // at most one process settled it, and the store agrees with what the processes saw
        expect({ i, settledBy, status: stored.status }).toEqual({
          i,
          settledBy: Math.min(settledBy, 1),
          status: settledBy === 0 ? 'ACSP' : 'ACSC',
        });
        if (settledBy === 1) {
          settledIds.add(payment.id);
          for (const leg of postings) expected[leg.account] = expected[leg.account]! + BigInt(leg.delta);
        }
      }
      // some payments were refused for funds, and many were settled
      expect(settledIds.size).toBeGreaterThan(50);
      expect(settledIds.size).toBeLessThan(300);
      const accounts = await ledger.listAccounts();
      const actual = Object.fromEntries(accounts.map((a) => [a.id, a.balance]));
      expect(actual).toEqual(expected);
      expect(accounts.every((a) => a.balance >= 0n)).toBe(true);
      expect(accounts.reduce((s, a) => s + a.balance, 0n)).toBe(15_000n);
      // the journal holds exactly two legs per settled payment, and each balance is the sum of its journal
      const legs = (await ledger.postings()).filter((r) => r.kind === 'settlement');
      expect(legs).toHaveLength(settledIds.size * 2);
      expect(new Set(legs.map((r) => r.transactionId))).toEqual(settledIds);
      for (const a of accounts) {
        expect((await ledger.postings(a.id)).reduce((s, r) => s + r.delta, 0n)).toBe(a.balance);
      }
    } finally {
      check.close();
    }
  }, 60_000);

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
