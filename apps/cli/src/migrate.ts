// SPDX-License-Identifier: Apache-2.0
/**
 * `clearway migrate`: brings the PostgreSQL store's schema to this version (docs/postgres.md), for operators who
 * run gateways with DATABASE_MIGRATE=false (the production default) and migrate as a release step. It reads the
 * gateway's own variables (DATABASE_URL, DATABASE_SSL_*, DATABASE_SCHEMA) and takes the same advisory lock as a
 * migrating gateway, so it is safe while other instances start.
 */
import { POSTGRES_MIGRATIONS } from '#adapters/postgres';
import { ConfigError, loadNamespace } from '../../gateway/src/config/configuration.js';
import { openPostgres, prepareSchema, redactedUrl } from '../../gateway/src/postgres-connection.js';
import { StoreError } from './store-backup.js';

export interface MigrateResult {
  server: string;
  schema: string | null;
  applied: number[];
  version: number;
}

export async function migrateStore(env: NodeJS.ProcessEnv, options: { check: boolean }): Promise<MigrateResult> {
  let store;
  try {
    // the store's variables as the gateway reads them; migrating never opens the secret store, so it needs no key
    const noKey = !env.SECRETS_ENCRYPTION_KEY && !env.SECRETS_ENCRYPTION_KEY_FILE && !env.SECRETS;
    store = loadNamespace('store', { ...env, STORE: env.STORE || 'postgres', ...(noKey ? { SECRETS: 'file' } : {}) });
  } catch (e) {
    if (e instanceof ConfigError) throw new StoreError(`configuration error: ${e.message}`, 2);
    throw e;
  }
  const config = store.postgres;
  if (!config) throw new StoreError(`nothing to migrate: no adapter is on PostgreSQL (STORE=${store.store})`, 2);
  const db = openPostgres(config);
  try {
    const applied = await prepareSchema(db, config, { migrate: !options.check }).catch((e: unknown) => {
      throw e instanceof ConfigError ? new StoreError(e.message, options.check ? 1 : 2) : e;
    });
    return { server: redactedUrl(config.url), schema: config.schema, applied, version: POSTGRES_MIGRATIONS.at(-1)!.version };
  } finally {
    await db.close();
  }
}
