// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { migrate, PostgresDatabase, SchemaBehindError, SchemaTooNewError } from '#adapters/postgres';
import { ConfigError, type PostgresConfig } from './config/configuration.js';
import { readTlsFiles } from './tls-files.js';

/** The pool on DATABASE_URL with the DATABASE_SSL_* settings (certificates read now), as the gateway and `clearway migrate` open it. */
export function openPostgres(config: PostgresConfig, onError?: (message: string) => void): PostgresDatabase {
  const { mode, ...files } = config.ssl;
  const pem = mode === 'disable' ? undefined : readTlsFiles(files);
  return new PostgresDatabase({
    connectionString: config.url,
    poolSize: config.poolSize,
    ...(config.schema ? { schema: config.schema } : {}),
    ...(mode === 'disable'
      ? {}
      : {
          ssl: {
            verify: mode === 'verify-full',
            ...(pem?.ca ? { ca: pem.ca.toString('utf8') } : {}),
            ...(pem?.cert ? { cert: pem.cert.toString('utf8') } : {}),
            ...(pem?.key ? { key: pem.key.toString('utf8') } : {}),
          },
        }),
    ...(onError ? { onError } : {}),
  });
}

/**
 * Migrates the schema (DATABASE_MIGRATE=true) or checks it (false); a schema the gateway cannot work with is a
 * configuration error with what to do, and an unreachable server names the server without its password.
 */
export async function prepareSchema(db: PostgresDatabase, config: PostgresConfig, options: { migrate: boolean }): Promise<number[]> {
  try {
    return await migrate(db, { migrate: options.migrate });
  } catch (e) {
    if (e instanceof SchemaTooNewError || e instanceof SchemaBehindError) throw new ConfigError(e.message);
    const err = e as NodeJS.ErrnoException;
    if (
      err.code === 'ECONNREFUSED' ||
      err.code === 'ENOTFOUND' ||
      err.code === 'ETIMEDOUT' ||
      err.code === '28P01' ||
      err.code === '3D000'
    ) {
      throw new ConfigError(`PostgreSQL at ${redactedUrl(config.url)} cannot be used: ${err.message}`);
    }
    throw e;
  }
}

/** DATABASE_URL without its password, for messages. */
export function redactedUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}

/** The AES-256 key of SECRETS=postgres, from SECRETS_ENCRYPTION_KEY or its file. */
export function readSecretsKey(config: PostgresConfig): Buffer {
  const source = config.secretsKey;
  if (!source) throw new ConfigError('SECRETS_ENCRYPTION_KEY (or SECRETS_ENCRYPTION_KEY_FILE) is required when SECRETS=postgres');
  let text: string;
  if ('value' in source) text = source.value;
  else {
    try {
      text = readFileSync(source.file, 'utf8').trim();
    } catch (e) {
      throw new ConfigError(`SECRETS_ENCRYPTION_KEY_FILE cannot be read: ${(e as Error).message}`);
    }
  }
  const key = /^[A-Za-z0-9+/]{43}=$/.test(text) ? Buffer.from(text, 'base64') : null;
  if (!key || key.length !== 32) {
    throw new ConfigError(
      `${'value' in source ? 'SECRETS_ENCRYPTION_KEY' : 'SECRETS_ENCRYPTION_KEY_FILE'} must hold 32 bytes in base64 (openssl rand -base64 32)`,
    );
  }
  return key;
}
