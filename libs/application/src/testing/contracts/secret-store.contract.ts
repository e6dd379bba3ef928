// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import type { SecretStore } from '../../ports/support.port.js';
import { contractTest, SETUP_TIMEOUT_MS } from './contract.fixtures.js';

export interface SecretStoreHarness {
  store: SecretStore;
  /** A second store over the same storage (another instance), with nothing cached. */
  reopen(): Promise<SecretStore>;
  close(): Promise<void>;
}

/**
 * The SecretStore port's contract. Names are fresh per test and use only characters every backend takes
 * (letters, digits and `/ _ + = . @ -`).
 */
export function secretStoreContract(open: () => Promise<SecretStoreHarness>): void {
  describe('SecretStore contract', () => {
    const it = contractTest;
    let h: SecretStoreHarness;
    let store: SecretStore;
    let name: string;

    beforeEach(async () => {
      h = await open();
      store = h.store;
      name = `test-${randomUUID()}`;
    }, SETUP_TIMEOUT_MS);
    afterEach(async () => {
      await h?.close();
    });

    it('createIfAbsent: of racing creators exactly one wins and everyone reads its value; an existing secret is kept', async () => {
      const other = await h.reopen();
      const results = await Promise.all([
        store.createIfAbsent(name, 'value-a'),
        other.createIfAbsent(name, 'value-b'),
        store.createIfAbsent(name, 'value-c'),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = ['value-a', 'value-b', 'value-c'][results.indexOf(true)];
      await expect(store.get(name)).resolves.toBe(winner);
      await expect((await h.reopen()).get(name)).resolves.toBe(winner);
      await expect(store.createIfAbsent(name, 'later')).resolves.toBe(false);
      await expect((await h.reopen()).get(name)).resolves.toBe(winner);
    });

    it('answers null for an absent secret', async () => {
      await expect(store.get(name)).resolves.toBeNull();
    });

    it('stores a value and reads it back exactly, also from another instance', async () => {
      const pem = '-----BEGIN PRIVATE KEY-----\nabc+/=\n-----END PRIVATE KEY-----\n';
      await store.put(name, pem);
      await expect(store.get(name)).resolves.toBe(pem);
      await expect((await h.reopen()).get(name)).resolves.toBe(pem);
    });

    it('replaces a value on put', async () => {
      await store.put(name, 'first');
      await store.put(name, 'rotated');
      await expect(store.get(name)).resolves.toBe('rotated');
      await expect((await h.reopen()).get(name)).resolves.toBe('rotated');
    });

    it('keeps names apart, with path-like names', async () => {
      await store.put(`${name}/clients/acme`, 'b');
      await store.put(`${name}/clients_acme`, 'c');
      await store.put(`${name}/clients-acme`, 'd');
      await expect(store.get(`${name}/clients/acme`)).resolves.toBe('b');
      await expect(store.get(`${name}/clients_acme`)).resolves.toBe('c');
      await expect(store.get(`${name}/clients-acme`)).resolves.toBe('d');
      await expect(store.get(`${name}/clients`)).resolves.toBeNull();
    });

    it('refuses an empty name', async () => {
      await expect(store.get('')).rejects.toThrow();
      await expect(store.put('', 'x')).rejects.toThrow();
    });
  });
}
