// SPDX-License-Identifier: Apache-2.0
/**
 * `clearway secrets set <name>`: writes one entry of the gateway's secret store (a client secret named by
 * `secretName` in CLEARWAY_CLIENTS, the legacy host's credentials named by LEGACY_HOST_AUTH_SECRET, ...) through
 * the store the gateway is configured with: SECRETS=postgres (sealed with SECRETS_ENCRYPTION_KEY) or the file store
 * in DATA_DIR. The value is read from standard input, never from the command line (shell history, `ps`). On AWS,
 * Secrets Manager is written with its own tools.
 */
import { FileSecretStore } from '#adapters/embedded';
import { PostgresSecretStore } from '#adapters/postgres';
import { ConfigError, loadNamespace } from '../../gateway/src/config/configuration.js';
import { openPostgres, prepareSchema, readSecretsKey } from '../../gateway/src/postgres-connection.js';
import { StoreError } from './store-backup.js';

/** The token-signing keys are the gateway's own (npm run keys:rotate): not set by hand. */
const RESERVED = /^auth-signing-key/;

export async function setSecret(env: NodeJS.ProcessEnv, name: string, value: string): Promise<{ store: 'postgres' | 'file' }> {
  if (RESERVED.test(name)) throw new StoreError(`${name} is a token-signing key: rotate it with npm run keys:rotate`, 2);
  const trimmed = value.replace(/\r?\n$/, '');
  if (trimmed === '') throw new StoreError('no value on standard input: nothing written', 2);
  let store;
  try {
    store = loadNamespace('store', env);
  } catch (e) {
    if (e instanceof ConfigError) throw new StoreError(`configuration error: ${e.message}`, 2);
    throw e;
  }
  if (store.secrets === 'aws')
    throw new StoreError('SECRETS=aws: write the entry with the AWS tools (aws secretsmanager put-secret-value)', 2);
  if (store.secrets === 'file') {
    await new FileSecretStore(store.dataDir).put(name, trimmed);
    return { store: 'file' };
  }
  const config = store.postgres!;
  let key: Buffer;
  try {
    key = readSecretsKey(config);
  } catch (e) {
    throw new StoreError((e as Error).message, 2);
  }
  const db = openPostgres(config);
  try {
    await prepareSchema(db, config, { migrate: false }).catch((e: unknown) => {
      throw e instanceof ConfigError ? new StoreError(e.message, 2) : e;
    });
    await new PostgresSecretStore(db, key).put(name, trimmed);
    return { store: 'postgres' };
  } finally {
    await db.close();
  }
}
