// SPDX-License-Identifier: Apache-2.0
/**
 * Running on PostgreSQL as an operator does (docs/postgres.md): a gateway that may not migrate (the production
 * default) refuses a schema that is behind and names the command; `clearway migrate` brings it up; a schema newer
 * than the gateway is refused; `npm run keys:rotate` rotates the signing keys in the encrypted secret store while a
 * gateway runs; a gateway holding another secrets key refuses to start rather than mis-read a secret.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { dropTestSchema, onTestServer } from '../support/postgres.js';
import { REPO_ROOT, startGateway, tempDir, TEST_DATABASE_URL, tokenFor, waitForTerminal, type NodeProcess } from '../support/processes.js';

const GATEWAY_MAIN = join(REPO_ROOT, 'dist/apps/gateway/src/main.js');
const CLI_MAIN = join(REPO_ROOT, 'dist/apps/cli/src/main.js');
const ROTATE_MAIN = join(REPO_ROOT, 'dist/scripts/keys-rotate.js');
const SCHEMA = `clearway_e2e_ops_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const SECRETS_ONLY = `clearway_e2e_sec_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const env = {
  STORE: 'postgres',
  DATABASE_URL: TEST_DATABASE_URL,
  DATABASE_SCHEMA: SCHEMA,
  SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  MODE: 'core',
  DATA_DIR: tempDir('pg-ops'),
};

/** Runs a built entry point to its end (at most 30 s): exit code and output. */
function run(main: string, extra: Record<string, string>, args: string[] = []): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

let gw: NodeProcess | null = null;
afterAll(async () => {
  await gw?.kill();
  await dropTestSchema(SCHEMA);
  await dropTestSchema(SECRETS_ONLY);
});

describe('PostgreSQL operations', () => {
  it('DATABASE_MIGRATE=false refuses a schema behind and names the command; clearway migrate brings it up; the gateway then starts', async () => {
    const refused = await run(GATEWAY_MAIN, { DATABASE_MIGRATE: 'false', PORT: '0' });
    expect(refused.code).toBe(2);
    expect(refused.output).toMatch(
      /configuration error: the PostgreSQL schema is at version 0, this gateway needs \d+: migrate it \(DATABASE_MIGRATE=true or clearway migrate\)/,
    );
    const tables = await onTestServer<{ n: string }>('SELECT count(*) AS n FROM pg_namespace WHERE nspname = $1', [SCHEMA]);
    expect(tables.rows[0]!.n).toBe('0'); // it created nothing

    const migrated = await run(CLI_MAIN, {}, ['migrate']);
    expect(migrated).toMatchObject({ code: 0 });
    expect(migrated.output).toMatch(new RegExp(`schema ${SCHEMA}: migrated to version \\d+ \\(applied 1, `));
    expect((await run(CLI_MAIN, {}, ['migrate', '--check'])).code).toBe(0);

    gw = await startGateway({ ...env, DATABASE_MIGRATE: 'false' });
    const ready = (await (await fetch(`${gw.url}/health/ready`)).json()) as { info: Record<string, unknown> };
    expect(Object.keys(ready.info)).toEqual(['postgres']);
    const token = await tokenFor(gw.url, 'bank-a');
    const res = await fetch(`${gw.url}/v1/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}` },
      body: buildPacs008({}),
    });
    expect(res.status).toBe(202);
    const { transactionId } = (await res.json()) as { transactionId: string };
    expect((await waitForTerminal(gw.url, token, transactionId)).status).toBe('ACSC');
    const stored = await onTestServer<{ status: string }>(`SELECT status FROM ${SCHEMA}.payments WHERE id = $1`, [transactionId]);
    expect(stored.rows).toEqual([{ status: 'ACSC' }]);
  });

  it('rotates the signing keys in the encrypted secret store while the gateway runs (npm run keys:rotate)', async () => {
    const kids = async () =>
      ((await (await fetch(`${gw!.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const [current, next] = await kids();
    const rotated = await run(ROTATE_MAIN, {});
    expect(rotated).toMatchObject({ code: 0 });
    expect(rotated.output).toContain(`signing with ${next} (was next)`);
    const deadline = Date.now() + 30_000;
    let kid = current;
    while (kid !== next && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const token = await tokenFor(gw!.url, 'bank-a');
      kid = (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    }
    expect(kid).toBe(next);
    // what the database holds is sealed: no key material in clear
    const rows = await onTestServer<{ name: string; ciphertext: Buffer }>(`SELECT name, ciphertext FROM ${SCHEMA}.secrets`);
    expect(rows.rows.map((r) => r.name)).toEqual(expect.arrayContaining(['auth-signing-key', 'auth-signing-key-next']));
    for (const r of rows.rows) expect(r.ciphertext.toString('latin1')).not.toMatch(/"kty"|"d"\s*:/);
  });

  it('refuses to start with another secrets key, and on a schema newer than it knows', async () => {
    const wrongKey = await run(GATEWAY_MAIN, { SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'), PORT: '0' });
    expect(wrongKey.code).not.toBe(0);
    expect(wrongKey.output).toMatch(/secret auth-signing-key was sealed with key \S+; this gateway holds key \S+/);

    await onTestServer(`INSERT INTO ${SCHEMA}.schema_migrations (version, name) VALUES (999, 'from a newer gateway')`);
    const newer = await run(GATEWAY_MAIN, { PORT: '0' });
    expect(newer.code).toBe(2);
    expect(newer.output).toMatch(/the PostgreSQL schema is at version 999, this gateway knows up to \d+/);
    expect(newer.output).not.toMatch(/^\s+at /m); // a message, not a stack trace
  });

  it('keeps only the secrets on PostgreSQL beside the embedded store (SECRETS=postgres); readiness pings the server', async () => {
    const only = await startGateway({
      DATA_DIR: tempDir('pg-secrets-only'),
      MODE: 'core',
      SECRETS: 'postgres',
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: SECRETS_ONLY,
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    try {
      const ready = (await (await fetch(`${only.url}/health/ready`)).json()) as { info: Record<string, unknown> };
      expect(Object.keys(ready.info).sort()).toEqual(['archive', 'postgres', 'queue', 'store']);
      const names = await onTestServer<{ name: string }>(`SELECT name FROM ${SECRETS_ONLY}.secrets ORDER BY name`);
      expect(names.rows.map((r) => r.name)).toEqual(['auth-signing-key', 'auth-signing-key-next']);
      const payments = await onTestServer<{ n: string }>(`SELECT count(*) AS n FROM ${SECRETS_ONLY}.payments`);
      expect(payments.rows[0]!.n).toBe('0'); // the payments are in the embedded store
      expect(
        (await fetch(`${only.url}/v1/transactions`, { headers: { authorization: `Bearer ${await tokenFor(only.url, 'bank-a')}` } })).status,
      ).toBe(200);
    } finally {
      await only.kill();
    }
  });
});
