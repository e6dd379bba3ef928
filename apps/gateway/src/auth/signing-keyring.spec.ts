// SPDX-License-Identifier: Apache-2.0
import { base64url, compactVerify, importSPKI, SignJWT } from 'jose';
import type { SecretStore } from '#application';
import { loadConfiguration } from '../config/configuration.js';
import {
  ensureSigningKeys,
  keyByKid,
  loadSigningKeyring,
  NEXT_SIGNING_KEY_SECRET,
  PREVIOUS_SIGNING_KEY_SECRET,
  RotationRefusedError,
  rotateSigningKeys,
  SIGNING_KEY_SECRET,
} from './signing-keyring.js';
import { checkTokenHeader, SigningKeysService, TokenRefusedError } from './signing-keys.service.js';

class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async get(name: string) {
    return this.values.get(name) ?? null;
  }
  async put(name: string, value: string) {
    this.values.set(name, value);
  }
  async createIfAbsent(name: string, value: string) {
    if (this.values.has(name)) return false;
    this.values.set(name, value);
    return true;
  }
}

const kidOf = (raw: string | undefined) => (JSON.parse(raw!) as { kid: string }).kid;

function unsigned(header: Record<string, unknown>): string {
  const part = (o: object) => base64url.encode(JSON.stringify(o));
  return `${part(header)}.${part({ sub: 'bank-a' })}.`;
}

describe('signing keys: current and next, rotation', () => {
  it('creates a current and a next key once; a second start keeps them', async () => {
    const store = new MemorySecrets();
    expect(await ensureSigningKeys(store)).toEqual([SIGNING_KEY_SECRET, NEXT_SIGNING_KEY_SECRET]);
    const before = [...store.values.entries()];
    expect(await ensureSigningKeys(store)).toEqual([]);
    expect([...store.values.entries()]).toEqual(before);
    expect(kidOf(store.values.get(SIGNING_KEY_SECRET))).not.toBe(kidOf(store.values.get(NEXT_SIGNING_KEY_SECRET)));
  });

  it('rotation: next becomes current, a new next is made, the retired key stays accepted for the grace period only', async () => {
    const store = new MemorySecrets();
    await ensureSigningKeys(store);
    const [a, b] = [kidOf(store.values.get(SIGNING_KEY_SECRET)), kidOf(store.values.get(NEXT_SIGNING_KEY_SECRET))];
    const t0 = new Date('2026-12-04T10:00:00Z');
    const done = await rotateSigningKeys(store, { now: t0, graceSeconds: 1000 });
    expect(done).toMatchObject({ retired: a, current: b });
    const ring = await loadSigningKeyring(store, new Date(t0.getTime() + 999_000));
    expect(ring.signing.kid).toBe(b);
    expect([ring.current.kid, ring.next.kid, ring.previous?.kid]).toEqual([b, done.next, a]);
    expect(keyByKid(ring, a)).not.toBeNull();
    const later = await loadSigningKeyring(store, new Date(t0.getTime() + 1_001_000));
    expect(later.previous).toBeNull();
    expect(keyByKid(later, a)).toBeNull();
    expect(keyByKid(later, undefined)).toBeNull();
  });

  it('refuses a second rotation within the grace period (unless forced)', async () => {
    const store = new MemorySecrets();
    const t0 = new Date('2026-12-04T10:00:00Z');
    await rotateSigningKeys(store, { now: t0, graceSeconds: 1000 });
    await expect(rotateSigningKeys(store, { now: new Date(t0.getTime() + 10_000), graceSeconds: 1000 })).rejects.toBeInstanceOf(
      RotationRefusedError,
    );
    await expect(
      rotateSigningKeys(store, { now: new Date(t0.getTime() + 10_000), graceSeconds: 1000, force: true }),
    ).resolves.toBeDefined();
    await expect(rotateSigningKeys(store, { now: new Date(t0.getTime() + 2_000_000), graceSeconds: 1000 })).resolves.toBeDefined();
    expect(store.values.has(PREVIOUS_SIGNING_KEY_SECRET)).toBe(true);
  });
});

describe('token header check', () => {
  const builtIn = { external: false, algorithms: ['ES256'] };
  const external = { external: true, algorithms: ['RS256'] };

  it("takes the built-in issuer's at+jwt ES256 tokens only", () => {
    expect(checkTokenHeader(unsigned({ alg: 'ES256', typ: 'at+jwt', kid: 'k' }), builtIn).kid).toBe('k');
    expect(() => checkTokenHeader(unsigned({ alg: 'ES256', typ: 'application/at+JWT' }), builtIn)).not.toThrow();
    for (const header of [
      { alg: 'none', typ: 'at+jwt' },
      { alg: 'HS256', typ: 'at+jwt' },
      { alg: 'RS256', typ: 'at+jwt' },
      { alg: 'ES256', typ: 'JWT' },
      { alg: 'ES256' },
      { alg: 'ES256', typ: 7 },
    ]) {
      expect(() => checkTokenHeader(unsigned(header), builtIn)).toThrow(TokenRefusedError);
    }
    expect(() => checkTokenHeader('not-a-token', builtIn)).toThrow(TokenRefusedError);
  });

  it("takes an external IdP's at+jwt, JWT or untyped tokens in AUTH_ALGORITHMS, never none or HS*", () => {
    for (const typ of ['at+jwt', 'JWT', 'jwt', undefined]) {
      expect(() => checkTokenHeader(unsigned({ alg: 'RS256', ...(typ ? { typ } : {}) }), external)).not.toThrow();
    }
    expect(() => checkTokenHeader(unsigned({ alg: 'RS256', typ: 'id_token+jwt' }), external)).toThrow(TokenRefusedError);
    for (const alg of ['none', 'HS256', 'ES256']) {
      expect(() => checkTokenHeader(unsigned({ alg, typ: 'JWT' }), external)).toThrow(TokenRefusedError);
    }
  });
});

describe('SigningKeysService', () => {
  const config = loadConfiguration({}).auth;

  it('publishes current and next, signs with current, and verifies a token of the next key', async () => {
    const store = new MemorySecrets();
    const service = new SigningKeysService(store, config);
    await service.onModuleInit();
    const jwks = await service.jwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual([
      kidOf(store.values.get(SIGNING_KEY_SECRET)),
      kidOf(store.values.get(NEXT_SIGNING_KEY_SECRET)),
    ]);
    expect(jwks.keys.every((k) => k.d === undefined && k.alg === 'ES256')).toBe(true);
    const { token } = await service.issue('bank-a', ['payments:read']);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, string>;
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: jwks.keys[0]!.kid });
    await expect(service.verificationKey(token)).resolves.toContain('BEGIN PUBLIC KEY');
    // a token signed with the next key (what another instance signs with after a rotation) is verified too
    const { importJWK } = await import('jose');
    const nextJwk = JSON.parse(store.values.get(NEXT_SIGNING_KEY_SECRET)!) as { kid: string };
    const byNext = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: nextJwk.kid })
      .sign(await importJWK(nextJwk, 'ES256'));
    const pem = await service.verificationKey(byNext);
    await expect(compactVerify(byNext, await importSPKI(pem, 'ES256'))).resolves.toBeDefined();
    await expect(compactVerify(token, await importSPKI(pem, 'ES256'))).rejects.toThrow();
    await expect(service.verificationKey(unsigned({ alg: 'ES256', typ: 'at+jwt', kid: 'someone-else' }))).rejects.toBeInstanceOf(
      TokenRefusedError,
    );
  });
});
