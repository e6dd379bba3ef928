// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { POSTGRES_MIGRATIONS } from '#adapters/postgres';
import { LOCAL_TEST_DATABASE_URL, testSchemas } from '../../../libs/adapters/postgres/src/testing/postgres.fixtures.js';
import { run, type CliIo } from './cli.js';
import { EXIT } from './format.js';

/** `clearway migrate` against a real PostgreSQL server (DATABASE_URL, else the local one .ci/run starts). */
describe('clearway migrate', () => {
  const url = process.env.DATABASE_URL || LOCAL_TEST_DATABASE_URL;
  const schemas = testSchemas(url);
  const made: string[] = [];
  afterAll(async () => {
    for (const s of made) await schemas.admin.pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await schemas.cleanup();
  });

  function io(env: Record<string, string>) {
    const out: string[] = [];
    const err: string[] = [];
    const cli: CliIo = {
      stdout: { write: (s: string) => out.push(s) > 0 },
      stderr: { write: (s: string) => err.push(s) > 0 },
      env,
      stderrIsTTY: false,
    };
    return { cli, out: () => out.join(''), err: () => err.join('') };
  }
  const latest = POSTGRES_MIGRATIONS.at(-1)!.version;

  it('creates the schema, then finds nothing to do; --check says whether the schema is at this version', async () => {
    const schema = `clearway_cli_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    made.push(schema);
    const env = { DATABASE_URL: url, DATABASE_SCHEMA: schema };

    const check = io(env);
    await expect(run(['migrate', '--check'], check.cli)).resolves.toBe(EXIT.ERROR);
    expect(check.err()).toMatch(/at version 0, this gateway needs \d+/);

    const first = io(env);
    await expect(run(['migrate'], first.cli)).resolves.toBe(EXIT.OK);
    expect(first.err()).toContain(
      `schema ${schema}: migrated to version ${latest} (applied ${POSTGRES_MIGRATIONS.map((m) => m.version).join(', ')})`,
    );

    const again = io(env);
    await expect(run(['--json', 'migrate'], again.cli)).resolves.toBe(EXIT.OK);
    expect(JSON.parse(again.out())).toEqual({ server: expect.any(String), schema, applied: [], version: latest });
    await expect(run(['migrate', '--check'], io(env).cli)).resolves.toBe(EXIT.OK);

    // a newer gateway migrated it: refused, and never touched
    await schemas.admin.pool.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES (999, 'newer')`);
    const newer = io(env);
    await expect(run(['migrate'], newer.cli)).resolves.toBe(EXIT.USAGE);
    expect(newer.err()).toMatch(/at version 999, this gateway knows up to/);
    await expect(run(['migrate', '--check'], io(env).cli)).resolves.toBe(EXIT.ERROR);
  });

  it('refuses without a PostgreSQL store, and names a server it cannot reach without its password', async () => {
    const none = io({ STORE: 'embedded' });
    await expect(run(['migrate'], none.cli)).resolves.toBe(EXIT.USAGE);
    expect(none.err()).toMatch(/no adapter is on PostgreSQL/);

    const missing = io({});
    await expect(run(['migrate'], missing.cli)).resolves.toBe(EXIT.USAGE);
    expect(missing.err()).toMatch(/DATABASE_URL is required/);

    const down = io({ DATABASE_URL: 'postgres://clearway:hunter2-secret@127.0.0.1:1/clearway' });
    await expect(run(['migrate'], down.cli)).resolves.toBe(EXIT.USAGE);
    expect(down.err()).toMatch(/PostgreSQL at postgres:\/\/clearway:\*\*\*@127\.0\.0\.1:1\/clearway cannot be used/);
    expect(down.err()).not.toContain('hunter2');
  });
});
