// SPDX-License-Identifier: Apache-2.0
import { randomBytes } from 'node:crypto';
import { secretStoreContract } from '../../../application/src/testing/contracts/secret-store.contract.js';
import { keyIdOf, PostgresSecretStore, SecretKeyError } from './postgres-secret-store.adapter.js';
import { testSchemas } from './testing/postgres.fixtures.js';

describe('PostgresSecretStore (real PostgreSQL server)', () => {
  const schemas = testSchemas(process.env.DATABASE_URL);
  afterAll(() => schemas.cleanup());
  const key = randomBytes(32);

  // the port's contract, shared with the file and AWS secret stores; "reopen" is another pool, nothing cached
  secretStoreContract(async () => {
    const db = await schemas.fresh();
    return {
      store: new PostgresSecretStore(db, key),
      reopen: async () => new PostgresSecretStore(schemas.open(db.options.schema!), key),
      close: async () => {},
    };
  });

  it('keeps no secret in clear in the database: the value is nowhere in the row', async () => {
    const db = await schemas.fresh();
    const store = new PostgresSecretStore(db, key);
    const value = `client-secret-${randomBytes(8).toString('hex')}`;
    await store.put('clients/bank-a', value);
    const { rows } = await db.pool.query<Record<string, unknown>>('SELECT * FROM secrets');
    const raw = JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
    expect(raw).not.toContain(value);
    expect(rows[0]).toMatchObject({ name: 'clients/bank-a', key_id: keyIdOf(key) });
    await expect(store.get('clients/bank-a')).resolves.toBe(value);
  });

  it('names a wrong key, and refuses a row moved under another name or altered', async () => {
    const db = await schemas.fresh();
    const store = new PostgresSecretStore(db, key);
    await store.put('a', 'secret-of-a');
    await expect(new PostgresSecretStore(db, randomBytes(32)).get('a')).rejects.toThrow(
      /sealed with key [0-9a-f]{16}; this gateway holds key/,
    );
    await db.pool.query(
      `INSERT INTO secrets (name, key_id, nonce, ciphertext, tag, updated_at) SELECT 'b', key_id, nonce, ciphertext, tag, updated_at FROM secrets WHERE name = 'a'`,
    );
    await expect(store.get('b')).rejects.toThrow(SecretKeyError);
    await db.pool.query(`UPDATE secrets SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1) WHERE name = 'a'`);
    await expect(store.get('a')).rejects.toThrow(/does not decrypt/);
    expect(() => new PostgresSecretStore(db, randomBytes(16))).toThrow(/must be 32 bytes/);
  });
});
