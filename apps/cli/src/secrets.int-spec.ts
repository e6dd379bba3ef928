// SPDX-License-Identifier: Apache-2.0
import { randomBytes } from 'node:crypto';
import { FileSecretStore } from '#adapters/embedded';
import { PostgresSecretStore } from '#adapters/postgres';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_TEST_DATABASE_URL, testSchemas } from '../../../libs/adapters/postgres/src/testing/postgres.fixtures.js';
import { run, type CliIo } from './cli.js';
import { EXIT } from './format.js';

/** `clearway secrets set` against the stores it writes: PostgreSQL (a real server) and the file store. */
describe('clearway secrets set', () => {
  const url = process.env.DATABASE_URL || LOCAL_TEST_DATABASE_URL;
  const schemas = testSchemas(url);
  afterAll(() => schemas.cleanup());

  function io(env: Record<string, string>, input: string) {
    const out: string[] = [];
    const err: string[] = [];
    const cli: CliIo = {
      stdout: { write: (s: string) => out.push(s) > 0 },
      stderr: { write: (s: string) => err.push(s) > 0 },
      env,
      stderrIsTTY: false,
      stdin: (async function* () {
        yield Buffer.from(input);
      })(),
    };
    return { cli, out: () => out.join(''), err: () => err.join('') };
  }

  it('seals the value from standard input into the PostgreSQL store, readable with the same key only', async () => {
    const db = await schemas.fresh();
    const key = randomBytes(32);
    const env = {
      STORE: 'postgres',
      DATABASE_URL: url,
      DATABASE_SCHEMA: db.options.schema!,
      SECRETS_ENCRYPTION_KEY: key.toString('base64'),
    };
    const t = io(env, 'Basic aG9zdDpzM2NyZXQ=\n');
    await expect(run(['secrets', 'set', 'host/auth'], t.cli)).resolves.toBe(EXIT.OK);
    expect(t.err()).toContain('secret host/auth written to the PostgreSQL (sealed) store');
    expect(t.err() + t.out()).not.toContain('aG9zdDpzM2NyZXQ=');
    await expect(new PostgresSecretStore(db, key).get('host/auth')).resolves.toBe('Basic aG9zdDpzM2NyZXQ=');
    const raw = await db.pool.query<{ ciphertext: Buffer }>("SELECT ciphertext FROM secrets WHERE name = 'host/auth'");
    expect(raw.rows[0]!.ciphertext.toString('latin1')).not.toContain('aG9zdDpzM2NyZXQ=');
    await expect(new PostgresSecretStore(db, randomBytes(32)).get('host/auth')).rejects.toThrow(/was sealed with key/);
  });

  it('writes the file store in DATA_DIR on the embedded default', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clearway-secrets-cli-'));
    await expect(run(['--json', 'secrets', 'set', 'clients/bank-a'], io({ DATA_DIR: dataDir }, 'bank-a-secret-0001').cli)).resolves.toBe(
      EXIT.OK,
    );
    await expect(new FileSecretStore(dataDir).get('clients/bank-a')).resolves.toBe('bank-a-secret-0001');
  });

  it('refuses an empty value, a token-signing key, and Secrets Manager, writing nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clearway-secrets-cli-'));
    const empty = io({ DATA_DIR: dataDir }, '\n');
    await expect(run(['secrets', 'set', 'clients/x'], empty.cli)).resolves.toBe(EXIT.USAGE);
    expect(empty.err()).toMatch(/no value on standard input/);
    const signing = io({ DATA_DIR: dataDir }, 'x');
    await expect(run(['secrets', 'set', 'auth-signing-key'], signing.cli)).resolves.toBe(EXIT.USAGE);
    expect(signing.err()).toMatch(/keys:rotate/);
    await expect(new FileSecretStore(dataDir).get('clients/x')).resolves.toBeNull();
    const aws = io({ SECRETS: 'aws', AWS_REGION: 'eu-west-1' }, 'x');
    await expect(run(['secrets', 'set', 'clients/x'], aws.cli)).resolves.toBe(EXIT.USAGE);
    expect(aws.err()).toMatch(/aws secretsmanager put-secret-value/);
  });
});
