// SPDX-License-Identifier: Apache-2.0
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startAwsEngines, type AwsEngines } from '../../../../test/support/aws-engines.js';
import { secretStoreContract } from '../../../application/src/testing/contracts/secret-store.contract.js';
import { AwsSecretStore } from './aws-secret-store.adapter.js';

class ManualClock {
  constructor(public ms = Date.parse('2026-11-22T10:00:00.000Z')) {}
  now(): Date {
    return new Date(this.ms);
  }
}

describe('AwsSecretStore (Secrets Manager fake over the real SDK client)', () => {
  let engines: AwsEngines;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    engines = await startAwsEngines({ dynamodb: false, fauxqs: false });
    client = new SecretsManagerClient({
      region: engines.region,
      credentials: engines.credentials,
      endpoint: engines.secretsManager!.endpoint,
    });
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await engines?.stop();
  });

  secretStoreContract(async () => ({
    store: new AwsSecretStore(client, { prefix: 'contract/' }),
    reopen: async () => new AwsSecretStore(client, { prefix: 'contract/' }),
    close: async () => {},
  }));

  it('serves a value from memory within the TTL and picks up a rotation after it', async () => {
    const clock = new ManualClock();
    const rotations: string[] = [];
    const store = new AwsSecretStore(client, {
      prefix: 'ttl/',
      ttlMs: 60_000,
      clock,
      onRotation: (name) => rotations.push(name),
    });
    await store.put('auth-signing-key', 'key-1');
    const calls = () => engines.secretsManager!.calls('GetSecretValue');
    const before = calls();
    await expect(store.get('auth-signing-key')).resolves.toBe('key-1');
    expect(calls()).toBe(before); // put primed the cache

    // another instance (or the rotation Lambda) writes a new version
    await client.send(new PutSecretValueCommand({ SecretId: 'ttl/auth-signing-key', SecretString: 'key-2' }));
    clock.ms += 59_999;
    await expect(store.get('auth-signing-key')).resolves.toBe('key-1'); // still cached
    expect(calls()).toBe(before);
    expect(rotations).toEqual([]);

    clock.ms += 1;
    await expect(store.get('auth-signing-key')).resolves.toBe('key-2');
    expect(calls()).toBe(before + 1);
    expect(rotations).toEqual(['ttl/auth-signing-key']);
    // concurrent readers after expiry share one request
    clock.ms += 60_000;
    await Promise.all([store.get('auth-signing-key'), store.get('auth-signing-key'), store.get('auth-signing-key')]);
    expect(calls()).toBe(before + 2);
    expect(rotations).toHaveLength(1); // same version: no rotation reported

    store.invalidate('auth-signing-key');
    await store.get('auth-signing-key');
    expect(calls()).toBe(before + 3);
  });

  it('caches an absent secret for the TTL too (no request storm for a missing name)', async () => {
    const clock = new ManualClock();
    const store = new AwsSecretStore(client, { prefix: 'absent/', ttlMs: 10_000, clock });
    const before = engines.secretsManager!.calls('GetSecretValue');
    await expect(store.get('nope')).resolves.toBeNull();
    await expect(store.get('nope')).resolves.toBeNull();
    expect(engines.secretsManager!.calls('GetSecretValue')).toBe(before + 1);
  });

  it('creates a value only when absent (first start of several instances)', async () => {
    const a = new AwsSecretStore(client, { prefix: 'race/' });
    const b = new AwsSecretStore(client, { prefix: 'race/' });
    const results = await Promise.all([a.createIfAbsent('signing', 'from-a'), b.createIfAbsent('signing', 'from-b')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results[0] ? 'from-a' : 'from-b';
    await expect(a.get('signing')).resolves.toBe(winner);
    await expect(b.get('signing')).resolves.toBe(winner);
  });

  it('refuses names Secrets Manager cannot hold, before calling it', async () => {
    const store = new AwsSecretStore(client);
    await expect(store.get('has space')).rejects.toThrow(/secret name/);
    await expect(store.put('percent%2F', 'x')).rejects.toThrow(/secret name/);
  });

  it('answers ping', async () => {
    await expect(new AwsSecretStore(client).ping()).resolves.toBeUndefined();
  });
});
