import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { BearerPrecheck } from './bearer-precheck.js';

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
});
