// SPDX-License-Identifier: Apache-2.0
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSecretStore, secretFileName } from './file-secret-store.adapter.js';
import { tempDataDir } from './testing/embedded.fixtures.js';
import { secretStoreContract } from '../../../application/src/testing/contracts/secret-store.contract.js';

describe('FileSecretStore (port contract, shared with the AWS secret store)', () => {
  const tmp = tempDataDir();
  afterAll(() => tmp.cleanup());
  secretStoreContract(async () => ({
    store: new FileSecretStore(tmp.dir),
    reopen: async () => new FileSecretStore(tmp.dir),
    close: async () => {},
  }));
});

describe('FileSecretStore (real files)', () => {
  const tmp = tempDataDir();
  const dataDir = join(tmp.dir, 'not-yet-there');
  const store = new FileSecretStore(dataDir);
  afterAll(() => tmp.cleanup());

  it('answers null for an absent secret', async () => {
    await expect(store.get('jwt-signing-key')).resolves.toBeNull();
  });

  it('stores secrets as 0600 files in a 0700 directory and reads them back exactly', async () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n';
    await store.put('jwt-signing-key', pem);
    await expect(store.get('jwt-signing-key')).resolves.toBe(pem);
    expect(statSync(join(dataDir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'secrets', 'jwt-signing-key')).mode & 0o777).toBe(0o600);
    await store.put('jwt-signing-key', 'rotated');
    await expect(store.get('jwt-signing-key')).resolves.toBe('rotated');
    expect(statSync(join(dataDir, 'secrets', 'jwt-signing-key')).mode & 0o777).toBe(0o600);
  });

  it('keeps names inside its directory and never maps two names to one file', async () => {
    writeFileSync(join(tmp.dir, 'outside'), 'do not read');
    await expect(store.get('../../outside')).resolves.toBeNull();
    await store.put('../escape', 'a');
    await store.put('clients/acme', 'b');
    await store.put('clients_acme', 'c');
    await store.put('clients%2Facme', 'd');
    await expect(store.get('../escape')).resolves.toBe('a');
    await expect(store.get('clients/acme')).resolves.toBe('b');
    await expect(store.get('clients_acme')).resolves.toBe('c');
    await expect(store.get('clients%2Facme')).resolves.toBe('d');
    const files = readdirSync(join(dataDir, 'secrets'));
    expect(files.every((f) => !f.includes('/') && !f.startsWith('.'))).toBe(true);
    expect(secretFileName('a.b/c ü')).toBe('a%2Eb%2Fc%20%C3%BC');
    await expect(store.get('')).rejects.toThrow();
  });
});
