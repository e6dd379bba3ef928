// SPDX-License-Identifier: Apache-2.0
/**
 * Rotates the built-in issuer's token-signing keys through the SecretStore port (docs/security.md, "Tokens
 * and keys"): the next key (published in /.well-known/jwks.json since the last rotation) becomes the current
 * one, a new next key is made, and the retired key stays accepted until the tokens it signed have expired.
 *
 *   npm run keys:rotate            # with the gateway's own configuration (DATA_DIR, SECRETS=aws, SECRETS=postgres ...)
 *   npm run keys:rotate -- --force # rotate again within the last rotation's grace period
 *
 * Running gateways need no restart: each re-reads the keys within 10 s (plus SECRETS_CACHE_SECONDS on AWS).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '#application';
import { AwsSecretStore } from '#adapters/aws';
import { FileSecretStore } from '#adapters/embedded';
import { PostgresSecretStore, type PostgresDatabase } from '#adapters/postgres';
import { ConfigError, loadNamespace } from '../apps/gateway/src/config/configuration.js';
import { openPostgres, prepareSchema, readSecretsKey } from '../apps/gateway/src/postgres-connection.js';
import { RotationRefusedError, rotateSigningKeys, rotationGraceSeconds } from '../apps/gateway/src/auth/signing-keyring.js';

const say = (line: string) => process.stderr.write(`keys:rotate: ${line}\n`);

async function main(argv: string[]): Promise<number> {
  // only the namespaces it needs: the secret store's (store) and the tokens' (auth)
  let config;
  try {
    config = { store: loadNamespace('store', process.env), auth: loadNamespace('auth', process.env) };
  } catch (e) {
    if (e instanceof ConfigError) {
      say(`configuration error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (config.auth.jwksUrl) {
    say('AUTH_JWKS_URL is set: tokens come from the external identity provider, which rotates its own keys');
    return 2;
  }
  const a = config.store;
  let client: SecretsManagerClient | null = null;
  let db: PostgresDatabase | null = null;
  let store: SecretStore;
  if (a.secrets === 'aws') {
    const endpoint = a.aws.endpoints.secretsManager;
    client = new SecretsManagerClient({ region: a.aws.region!, ...(endpoint ? { endpoint } : {}) });
    store = new AwsSecretStore(client, { prefix: a.aws.secretsPrefix, ttlMs: 0 });
  } else if (a.secrets === 'postgres') {
    // the schema must be the gateway's version (never migrated from here), and the key the gateways hold
    try {
      const key = readSecretsKey(a.postgres!);
      db = openPostgres(a.postgres!);
      await prepareSchema(db, a.postgres!, { migrate: false });
      store = new PostgresSecretStore(db, key);
    } catch (e) {
      await db?.close();
      if (e instanceof ConfigError) {
        say(`configuration error: ${e.message}`);
        return 2;
      }
      throw e;
    }
  } else {
    store = new FileSecretStore(a.dataDir);
  }
  const cacheSeconds = a.secrets === 'aws' ? a.aws.secretsCacheSeconds : 0;
  try {
    const graceSeconds = rotationGraceSeconds(config.auth.tokenTtlSeconds, cacheSeconds);
    const done = await rotateSigningKeys(store, { now: new Date(), graceSeconds, force: argv.includes('--force') });
    say(`signing with ${done.current} (was next); new next key ${done.next}; ${done.retired} retired, accepted for ${graceSeconds} s more`);
    return 0;
  } catch (e) {
    if (e instanceof RotationRefusedError) {
      say(`refused: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    client?.destroy();
    await db?.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
