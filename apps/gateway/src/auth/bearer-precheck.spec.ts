// SPDX-License-Identifier: Apache-2.0
import { jest } from '@jest/globals';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { BearerPrecheck } from './bearer-precheck.js';
import { TokenRefusedError } from './signing-keys.service.js';

describe('BearerPrecheck (the bearer check made before the body is read)', () => {
  const auth = { issuer: 'clearway', audience: 'clearway', tokenTtlSeconds: 900, jwksUrl: null, algorithms: ['ES256'] };
  let sign: (claims?: Record<string, unknown>, opts?: { aud?: string; iss?: string; exp?: string }) => Promise<string>;
  let otherSign: () => Promise<string>;
  let precheck: BearerPrecheck;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    const other = await generateKeyPair('ES256');
    const pem = await exportSPKI(pair.publicKey);
    precheck = new BearerPrecheck({ external: false, verificationKey: async () => pem }, auth);
    sign = (claims = {}, opts = {}) =>
      new SignJWT({ scope: 'payments:read', ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
        .setSubject('bank-a')
        .setIssuer(opts.iss ?? 'clearway')
        .setAudience(opts.aud ?? 'clearway')
        .setIssuedAt()
        .setExpirationTime(opts.exp ?? '5m')
        .sign(pair.privateKey);
    otherSign = () =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256' })
        .setSubject('bank-a')
        .setIssuer('clearway')
        .setAudience('clearway')
        .setExpirationTime('5m')
        .sign(other.privateKey);
  });

  it('accepts a valid token of the built-in issuer', async () => {
    await expect(precheck.check(`Bearer ${await sign()}`)).resolves.toEqual({ ok: true, clientId: 'bank-a' });
  });

  it.each([
    ['no header', async () => undefined, 'no Authorization header'],
    ['Basic credentials', async () => 'Basic YTpi', 'Authorization is not a Bearer token'],
    ['garbage', async () => 'Bearer not.a.token', 'malformed token'],
    ['another key', async () => `Bearer ${await otherSign()}`, 'signature does not verify'],
    ['expired', async () => `Bearer ${await sign({}, { exp: '-10s' })}`, 'token expired'],
    ['another audience', async () => `Bearer ${await sign({}, { aud: 'someone-else' })}`, 'claim aud refused'],
    ['another issuer', async () => `Bearer ${await sign({}, { iss: 'http://evil' })}`, 'claim iss refused'],
  ])('refuses %s, with a reason that never holds the token', async (_what, header, reason) => {
    const value = await header();
    const result = await precheck.check(value);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain(reason);
      if (value) expect(result.reason).not.toContain(value.replace(/^\w+ /, ''));
    }
  });

  describe('tokens verified once', () => {
    it('are not verified again while they live, but a key taken out of the ring refuses them at once', async () => {
      const pair = await generateKeyPair('ES256');
      let pem: string | null = await exportSPKI(pair.publicKey);
      const ring = {
        external: false,
        verificationKey: jest.fn(async (): Promise<string> => {
          if (pem === null) throw new TokenRefusedError('the token was not signed by a key of this gateway');
          return pem;
        }),
      };
      const cached = new BearerPrecheck(ring, auth);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
        .setSubject('bank-b')
        .setIssuer('clearway')
        .setAudience('clearway')
        .setExpirationTime('5m')
        .sign(pair.privateKey);
      await expect(cached.check(`Bearer ${token}`)).resolves.toEqual({ ok: true, clientId: 'bank-b' });
      await expect(cached.check(`Bearer ${token}`)).resolves.toEqual({ ok: true, clientId: 'bank-b' });
      expect(ring.verificationKey).toHaveBeenCalledTimes(2); // the ring is asked on every use
      pem = null; // the key was retired
      await expect(cached.check(`Bearer ${token}`)).resolves.toEqual({
        ok: false,
        reason: 'the token was not signed by a key of this gateway',
      });
    });

    it('are refused once they expire', async () => {
      const pair = await generateKeyPair('ES256');
      const pem = await exportSPKI(pair.publicKey);
      const cached = new BearerPrecheck({ external: false, verificationKey: async () => pem }, auth);
      const exp = Math.floor(Date.now() / 1000) + 2;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
        .setSubject('bank-b')
        .setIssuer('clearway')
        .setAudience('clearway')
        .setExpirationTime(exp)
        .sign(pair.privateKey);
      await expect(cached.check(`Bearer ${token}`)).resolves.toEqual({ ok: true, clientId: 'bank-b' });
      jest.useFakeTimers({ now: exp * 1000 + 1, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      try {
        await expect(cached.check(`Bearer ${token}`)).resolves.toEqual({ ok: false, reason: 'token expired' });
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
