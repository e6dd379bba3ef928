// SPDX-License-Identifier: Apache-2.0
import { errors, importSPKI, jwtVerify, type JWTHeaderParameters } from 'jose';
import type { AuthConfig } from '../config/configuration.js';
import { TokenRefusedError, type SigningKeysService } from './signing-keys.service.js';

type VerifyKey = Awaited<ReturnType<typeof importSPKI>>;

/** How many verified tokens the precheck remembers (a few per client; emptied when full). */
const MAX_VERIFIED_TOKENS = 4096;

export type BearerCheck = { ok: true; clientId: string } | { ok: false; reason: string };

/**
 * The check of a bearer token made before a request's body is read (an onRequest hook at the HTTP edge): the
 * same keys (SigningKeysService), audience and issuer as JwtStrategy, so an unauthenticated upload is refused
 * without its body being received. JwtAuthGuard still verifies (and reads scopes) on every protected route;
 * this only refuses earlier. `reason` is for the log: it never contains the token.
 */
export class BearerPrecheck {
  /** Imported public keys by algorithm and PEM (a handful: the built-in key, or the provider's current ones). */
  private readonly imported = new Map<string, VerifyKey>();
  /**
   * Tokens this check verified, until they expire: a client sends the same token with every request for its
   * lifetime, and a signature that verified once verifies again. A hit still asks the key ring for the token's
   * key and must find the same one (a key taken out of the ring refuses its tokens at once), and the expiry is
   * checked on every use. Bounded; emptied when full.
   */
  private readonly verified = new Map<string, { clientId: string; pem: string; expiresAtMs: number }>();

  constructor(
    private readonly keys: Pick<SigningKeysService, 'verificationKey' | 'external'>,
    private readonly auth: Pick<AuthConfig, 'issuer' | 'audience' | 'algorithms'>,
  ) {}

  async check(authorization: string | undefined): Promise<BearerCheck> {
    if (authorization === undefined || authorization === '') return { ok: false, reason: 'no Authorization header' };
    const m = /^Bearer[ \t]+([A-Za-z0-9_.~+/=-]+)[ \t]*$/i.exec(authorization);
    if (!m) return { ok: false, reason: 'Authorization is not a Bearer token' };
    const token = m[1]!;
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs) {
        const pem = await this.keys.verificationKey(token).catch(() => null);
        if (pem === known.pem) return { ok: true, clientId: known.clientId };
      }
      this.verified.delete(token);
    }
    try {
      let pem = '';
      const { payload } = await jwtVerify(
        token,
        async (header: JWTHeaderParameters) => this.key(header.alg, (pem = await this.keys.verificationKey(token))),
        {
          audience: this.auth.audience,
          // pinned per mode as in JwtStrategy: ES256 for the built-in issuer, AUTH_ALGORITHMS for an external IdP
          algorithms: this.auth.algorithms,
          issuer: this.auth.issuer,
        },
      );
      if (typeof payload.sub !== 'string' || payload.sub === '') return { ok: false, reason: 'token without a subject' };
      if (typeof payload.exp === 'number' && payload.nbf === undefined) {
        if (this.verified.size >= MAX_VERIFIED_TOKENS) this.verified.clear();
        this.verified.set(token, { clientId: payload.sub, pem, expiresAtMs: payload.exp * 1000 });
      }
      return { ok: true, clientId: payload.sub };
    } catch (e) {
      return { ok: false, reason: describe(e) };
    }
  }

  private async key(alg: string, pem: string): Promise<VerifyKey> {
    const id = `${alg}\n${pem}`;
    let key = this.imported.get(id);
    if (!key) {
      key = await importSPKI(pem, alg);
      if (this.imported.size >= 16) this.imported.clear();
      this.imported.set(id, key);
    }
    return key;
  }
}

function describe(e: unknown): string {
  if (e instanceof TokenRefusedError) return e.message;
  if (e instanceof errors.JWTExpired) return 'token expired';
  if (e instanceof errors.JWTClaimValidationFailed) return `claim ${e.claim} refused (${e.reason})`;
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return 'malformed token';
  if (e instanceof errors.JWKSNoMatchingKey) return 'no key of the identity provider matches';
  if (e instanceof errors.JOSEError) return `refused (${e.code})`;
  return 'malformed token';
}
