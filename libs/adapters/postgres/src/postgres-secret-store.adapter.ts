// SPDX-License-Identifier: Apache-2.0
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretStore } from '#application';
import type { PostgresDatabase } from './postgres-database.js';

/** The key is not 32 bytes, or a stored secret was sealed with another key / was tampered with. */
export class SecretKeyError extends Error {
  readonly code = 'SECRETS.KEY';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretKeyError';
  }
}

/** A short, stable id of a key (not the key): stored beside each secret, so a wrong key is named, not guessed. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * Secrets on PostgreSQL (issue 16), encrypted at rest: AES-256-GCM under a 32-byte key the process holds (from the
 * environment or a file) and the database never sees; a fresh 12-byte nonce per write; the secret's name is the
 * additional authenticated data, so a row copied under another name, or altered, does not decrypt.
 */
export class PostgresSecretStore implements SecretStore {
  private readonly keyId: string;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly key: Buffer,
  ) {
    if (key.length !== 32) throw new SecretKeyError(`the secrets key must be 32 bytes (AES-256), got ${key.length}`);
    this.keyId = keyIdOf(key);
  }

  async get(name: string): Promise<string | null> {
    const { rows } = await this.db.run<{ key_id: string; nonce: Buffer; ciphertext: Buffer; tag: Buffer }>(
      'SELECT key_id, nonce, ciphertext, tag FROM secrets WHERE name = $1',
      [checkName(name)],
    );
    const row = rows[0];
    if (!row) return null;
    if (row.key_id !== this.keyId) {
      throw new SecretKeyError(`secret ${name} was sealed with key ${row.key_id}; this gateway holds key ${this.keyId}`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, row.nonce);
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(row.tag);
      return Buffer.concat([decipher.update(row.ciphertext), decipher.final()]).toString('utf8');
    } catch (e) {
      throw new SecretKeyError(`secret ${name} does not decrypt: altered, or stored under another name`, { cause: e });
    }
  }

  async put(name: string, value: string): Promise<void> {
    const sealed = this.seal(checkName(name), value);
    await this.db.run(
      `INSERT INTO secrets (name, key_id, nonce, ciphertext, tag, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET key_id = $2, nonce = $3, ciphertext = $4, tag = $5, updated_at = $6`,
      [name, this.keyId, sealed.nonce, sealed.ciphertext, sealed.tag, Date.now()],
    );
  }

  async createIfAbsent(name: string, value: string): Promise<boolean> {
    const sealed = this.seal(checkName(name), value);
    const { rowCount } = await this.db.run(
      `INSERT INTO secrets (name, key_id, nonce, ciphertext, tag, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO NOTHING`,
      [name, this.keyId, sealed.nonce, sealed.ciphertext, sealed.tag, Date.now()],
    );
    return rowCount === 1;
  }

  private seal(name: string, value: string): { nonce: Buffer; ciphertext: Buffer; tag: Buffer } {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { nonce, ciphertext, tag: cipher.getAuthTag() };
  }
}

function checkName(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 512) throw new Error('secret name must be 1-512 characters');
  return name;
}
