// SPDX-License-Identifier: Apache-2.0
import type { SecretStore } from '#application';
import { ClientRegistry } from './client-registry.js';

class MapSecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  reads = 0;
  async get(name: string): Promise<string | null> {
    this.reads++;
    return this.values.get(name) ?? null;
  }
  async put(name: string, value: string): Promise<void> {
    this.values.set(name, value);
  }
  async createIfAbsent(name: string, value: string): Promise<boolean> {
    if (this.values.has(name)) return false;
    this.values.set(name, value);
    return true;
  }
}

describe('ClientRegistry', () => {
  it('authenticates a secret given in configuration, and nothing else', async () => {
    const r = new ClientRegistry([{ id: 'bank-a', secret: 'bank-a-secret-0001', scopes: ['payments:read'] }]);
    await expect(r.authenticate('bank-a', 'bank-a-secret-0001')).resolves.toEqual({ id: 'bank-a', scopes: ['payments:read'] });
    await expect(r.authenticate('bank-a', 'wrong-secret-00001')).resolves.toBeNull();
    await expect(r.authenticate('nobody', 'bank-a-secret-0001')).resolves.toBeNull();
  });

  it('reads a secret named in the secret store at each request, so a rotation takes effect', async () => {
    const store = new MapSecretStore();
    store.values.set('clients/bank-b', 'first-secret-0002');
    const r = new ClientRegistry([{ id: 'bank-b', secretName: 'clients/bank-b', scopes: ['payments:write'] }]);
    expect(r.secretNames).toEqual(['clients/bank-b']);
    r.useSecretStore(store);
    await expect(r.authenticate('bank-b', 'first-secret-0002')).resolves.toMatchObject({ id: 'bank-b' });
    store.values.set('clients/bank-b', 'rotated-secret-0002');
    await expect(r.authenticate('bank-b', 'first-secret-0002')).resolves.toBeNull();
    await expect(r.authenticate('bank-b', 'rotated-secret-0002')).resolves.toMatchObject({ id: 'bank-b' });
    expect(store.reads).toBe(3);
  });

  it('refuses everyone whose named secret is missing, or before a secret store is bound', async () => {
    const r = new ClientRegistry([{ id: 'bank-c', secretName: 'clients/bank-c', scopes: [] }]);
    await expect(r.authenticate('bank-c', '')).resolves.toBeNull();
    r.useSecretStore(new MapSecretStore());
    await expect(r.authenticate('bank-c', '')).resolves.toBeNull();
    await expect(r.authenticate('bank-c', 'anything-at-all-1')).resolves.toBeNull();
  });
});
