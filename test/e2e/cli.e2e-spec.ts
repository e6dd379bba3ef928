// SPDX-License-Identifier: Apache-2.0
/**
 * The operator CLI (`clearway`, dist/apps/cli/src/main.js) as a child process against the built gateway: status,
 * payments find, dlq list --json, redrive --dry-run, export (JSON lines), and the restore drill: backup of a running
 * gateway's store, restore into a fresh DATA_DIR, a gateway started there serves the same payments.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildPacs008 } from '../support/pacs008.factory.js';
import {
  ON_POSTGRES,
  REPO_ROOT,
  startGateway,
  startSimulator,
  tempDir,
  tokenFor,
  waitForTerminal,
  type NodeProcess,
} from '../support/processes.js';

const CLI = join(REPO_ROOT, 'dist/apps/cli/src/main.js');
const run = promisify(execFile);

let sim: NodeProcess;
let gw: NodeProcess;
let dataDir: string;
let bankA: string;
/** bank-a's payments; bankBId: one of bank-b's (the export across clients has both). */
const ids: string[] = [];
let bankBId: string;
const refs: { uetr: string; msgId: string; endToEndId: string }[] = [];

async function clearway(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        CLEARWAY_URL: gw.url,
        CLEARWAY_CLIENT_ID: 'operator',
        CLEARWAY_CLIENT_SECRET: 'operator-secret-0006',
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  sim = await startSimulator();
  dataDir = tempDir('cli');
  gw = await startGateway({ DATA_DIR: dataDir, LEGACY_HOST_URL: sim.url });
  bankA = await tokenFor(gw.url, 'bank-a');
  for (let i = 0; i < 3; i++) {
    const ref = { msgId: `M${randomUUID().slice(0, 30)}`, endToEndId: `E${randomUUID().slice(0, 30)}`, uetr: randomUUID() };
    const res = await fetch(`${gw.url}/v1/inbox`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bankA}`, 'content-type': 'application/xml' },
      body: buildPacs008({ ...ref, amount: '100.00' }),
    });
    const id = ((await res.json()) as { transactionId: string }).transactionId;
    await waitForTerminal(gw.url, bankA, id);
    ids.push(id);
    refs.push(ref);
  }
  const bankB = await tokenFor(gw.url, 'bank-b');
  const res = await fetch(`${gw.url}/v1/inbox`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bankB}`, 'content-type': 'application/xml' },
    body: buildPacs008({
      msgId: `M${randomUUID().slice(0, 30)}`,
      endToEndId: `E${randomUUID().slice(0, 30)}`,
      uetr: randomUUID(),
      amount: '100.00',
    }),
  });
  bankBId = ((await res.json()) as { transactionId: string }).transactionId;
  await waitForTerminal(gw.url, bankB, bankBId);
});

afterAll(async () => {
  await gw?.kill();
  await sim?.kill();
});

describe('clearway CLI against a gateway', () => {
  it('lists its commands with --help', async () => {
    const r = await clearway(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['status', 'payments', 'dlq', 'redrive', 'export', 'backup', 'restore']) expect(r.stdout).toContain(c);
  });

  it('stops quietly when its reader closes the pipe early (clearway … | head)', async () => {
    // the CLI's stdout is a pipe the reader closes after the first chunk: EPIPE is not an error
    const exit = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, '--help'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(exit).toEqual({ code: 0, stderr: '' });
  });

  it('status, payments find, dlq list --json and redrive --dry-run', async () => {
    const status = await clearway(['--json', 'status']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      ready: true,
      queue: { backlog: { queued: expect.any(Number) }, counts: expect.any(Object) },
    });

    const found = await clearway(['--json', 'payments', 'find', '--msg-id', refs[0]!.msgId]);
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout)).toEqual([expect.objectContaining({ transactionId: ids[0], clientId: 'bank-a', status: 'ACSC' })]);
    const byE2e = await clearway(['payments', 'find', '--e2e-id', refs[1]!.endToEndId]);
    expect(byE2e.stdout).toContain(ids[1]);
    expect((await clearway(['payments', 'find', '--uetr', randomUUID()])).code).toBe(3);

    const dlq = await clearway(['--json', 'dlq', 'list']);
    expect(dlq.code).toBe(0);
    expect(JSON.parse(dlq.stdout)).toEqual([]);

    const dry = await clearway(['--json', 'redrive', '--dry-run', '--ids', ids[2]!]);
    expect(dry.code).toBe(3); // settled: skipped, nothing to re-drive
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, redriven: 0, items: [{ transactionId: ids[2], outcome: 'skipped' }] });

    // a client without the operator scope: the gateway refuses, exit 1
    const refused = await clearway(['dlq', 'list'], { CLEARWAY_CLIENT_ID: 'bank-b', CLEARWAY_CLIENT_SECRET: 'bank-b-secret-0002' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('AUTH.INSUFFICIENT_SCOPE');
  });

  it("exports every client's transactions as JSON lines with the operator scope, and a client's own with --own", async () => {
    const r = await clearway(['export', '--status', 'ACSC']);
    expect(r.code).toBe(0);
    const exported = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { transactionId: string; clientId: string; status: string });
    expect(exported.map((t) => t.transactionId).sort()).toEqual([...ids, bankBId].sort());
    expect(exported.find((t) => t.transactionId === bankBId)?.clientId).toBe('bank-b');
    expect(
      exported
        .filter((t) => t.clientId === 'bank-a')
        .map((t) => t.transactionId)
        .sort(),
    ).toEqual([...ids].sort());
    expect(exported.every((t) => t.status === 'ACSC')).toBe(true);
    expect(r.stderr).toContain('exported 4 transactions');

    const bankAEnv = { CLEARWAY_CLIENT_ID: 'bank-a', CLEARWAY_CLIENT_SECRET: 'bank-a-secret-0001' };
    const own = await clearway(['export', '--own', '--status', 'ACSC'], bankAEnv);
    expect(own.code).toBe(0);
    const mine = own.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { transactionId: string });
    expect(mine.map((t) => t.transactionId).sort()).toEqual([...ids].sort());

    // without the operator scope, the export across clients is refused and says how to export one's own
    const refused = await clearway(['export'], bankAEnv);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('AUTH.INSUFFICIENT_SCOPE');
    expect(refused.stderr).toContain('--own');
  });

  // backup and restore are the embedded store's (SQLite's online backup); PostgreSQL has pg_dump and PITR (docs/postgres.md)
  (ON_POSTGRES ? it.skip : it)(
    'restore drill: backup while the gateway runs, restore into a fresh DATA_DIR, a gateway there serves the same payments',
    async () => {
      const file = join(tempDir('cli-backup'), 'clearway-backup.db');
      const backup = await clearway(['backup', file, '--data-dir', dataDir]);
      expect(backup.code).toBe(0);
      expect(existsSync(file)).toBe(true);
      expect((await clearway(['backup', file, '--data-dir', dataDir])).code).toBe(2); // no overwrite without --force
      // the running gateway holds its database: restoring over it is refused, even with --force
      expect((await clearway(['restore', file, '--data-dir', dataDir, '--force'])).code).toBe(2);

      const fresh = tempDir('cli-restored');
      const restore = await clearway(['--json', 'restore', file, '--data-dir', fresh]);
      expect(restore.code).toBe(0);
      expect(JSON.parse(restore.stdout)).toMatchObject({ integrity: 'ok' });

      const restored = await startGateway({ DATA_DIR: fresh, LEGACY_HOST_URL: sim.url });
      try {
        const token = await tokenFor(restored.url, 'bank-a');
        for (const id of ids) {
          const before = await (await fetch(`${gw.url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${bankA}` } })).json();
          const after = await (
            await fetch(`${restored.url}/v1/transactions/${id}`, { headers: { authorization: `Bearer ${token}` } })
          ).json();
          expect(after).toEqual(before);
        }
      } finally {
        await restored.kill();
      }
    },
  );
});
