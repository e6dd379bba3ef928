// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, exportSPKI, SignJWT, type JWK } from 'jose';
import { SECRET_STORE, type SecretStore } from '#application';
import type { ConfigType } from '@nestjs/config';
import { authConfig } from '../config/namespaces.js';
import {
  ensureSigningKeys,
  KEYRING_REFRESH_MS,
  keyByKid,
  loadSigningKeyring,
  SIGNING_ALG,
  type SigningKeyring,
} from './signing-keyring.js';

type SpkiKey = Parameters<typeof exportSPKI>[0];

/** An unknown `kid` makes the instance read the store at once, but not more often than this. */
const UNKNOWN_KID_REFRESH_MS = 1_000;

/** The `typ` header values accepted: the built-in issuer's, and (external IdPs differ) also `JWT` or none. */
const BUILT_IN_TYPES = new Set(['at+jwt']);
const EXTERNAL_TYPES = new Set(['at+jwt', 'jwt']);

/** A token refused before its signature is checked (wrong algorithm or type, unknown key). */
export class TokenRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRefusedError';
  }
}

/** `typ` compared as RFC 8725 §3.11 / RFC 7515 §4.1.9 say: case-insensitive, `application/` optional. */
function normalisedType(typ: unknown): string | null {
  if (typ === undefined) return null;
  if (typeof typ !== 'string') return '?';
  return typ.toLowerCase().replace(/^application\//, '');
}

/**
 * Checks a token's header against the mode: the algorithm must be one of `algorithms` (ES256 for the built-in
 * issuer; AUTH_ALGORITHMS for an external IdP; never `none` or HS*), and `typ` must be `at+jwt` (built-in) or
 * `at+jwt`, `JWT` or absent (external: identity providers differ). Returns the header.
 */
export function checkTokenHeader(rawJwt: string, mode: { external: boolean; algorithms: readonly string[] }) {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(rawJwt);
  } catch {
    throw new TokenRefusedError('the token header cannot be read');
  }
  if (typeof header.alg !== 'string' || !mode.algorithms.includes(header.alg)) {
    throw new TokenRefusedError(`algorithm ${String(header.alg)} is not accepted`);
  }
  const typ = normalisedType(header.typ);
  const ok = mode.external ? typ === null || EXTERNAL_TYPES.has(typ) : typ !== null && BUILT_IN_TYPES.has(typ);
  if (!ok) throw new TokenRefusedError(`token type ${String(header.typ)} is not accepted`);
  return header;
}

/**
 * The built-in token issuer's keys: two ES256 key pairs kept by the secret-store port (`auth-signing-key`,
 * the current one, signs; `auth-signing-key-next` is published and accepted before it becomes current), and
 * after a rotation the retired one (`auth-signing-key-previous`) while tokens it signed may still be alive.
 * Created on first start; re-read every KEYRING_REFRESH_MS (and at once on an unknown kid), so a rotation by
 * `npm run keys:rotate` reaches every instance without a restart. With AUTH_JWKS_URL set, tokens are verified
 * against that provider instead.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly log = new Logger('Auth');
  private ring!: SigningKeyring;
  private loadedAt = 0;
  private refreshing: Promise<SigningKeyring> | null = null;
  private remote: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(
    @Inject(SECRET_STORE) private readonly secrets: SecretStore,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.auth.jwksUrl) this.remote = createRemoteJWKSet(new URL(this.auth.jwksUrl));
    for (const name of await ensureSigningKeys(this.secrets)) this.log.log(`created token-signing key ${name}`);
    await this.refresh();
  }

  get external(): boolean {
    return this.remote !== null;
  }

  /** The keys to publish: current and next (and the retired one while tokens it signed are alive). */
  async jwks(): Promise<{ keys: JWK[] }> {
    const ring = await this.keyring();
    return { keys: [ring.current, ring.next, ...(ring.previous ? [ring.previous] : [])].map((k) => k.publicJwk) };
  }

  async issue(clientId: string, scopes: string[]): Promise<{ token: string; expiresIn: number }> {
    const expiresIn = this.auth.tokenTtlSeconds;
    const { signing } = await this.keyring();
    const token = await new SignJWT({ scope: scopes.join(' '), client_id: clientId })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: signing.kid, typ: 'at+jwt' })
      .setSubject(clientId)
      .setIssuer(this.auth.issuer)
      .setAudience(this.auth.audience)
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .setExpirationTime(`${expiresIn}s`)
      .sign(signing.privateKey);
    return { token, expiresIn };
  }

  /**
   * The PEM public key that verifies `rawJwt` (passport-jwt's secretOrKeyProvider), after the header check:
   * algorithm pinned per mode, `typ`, and (built-in) a kid of the ring.
   */
  async verificationKey(rawJwt: string): Promise<string> {
    const header = checkTokenHeader(rawJwt, { external: this.external, algorithms: this.auth.algorithms });
    if (this.remote) {
      const key = await this.remote({ alg: header.alg!, kid: header.kid });
      return exportSPKI(key as SpkiKey);
    }
    let key = keyByKid(await this.keyring(), header.kid);
    if (!key && Date.now() - this.loadedAt >= UNKNOWN_KID_REFRESH_MS) key = keyByKid(await this.refresh(), header.kid);
    if (!key) throw new TokenRefusedError('the token was not signed by a key of this gateway');
    return key.pem;
  }

  private async keyring(): Promise<SigningKeyring> {
    if (Date.now() - this.loadedAt >= KEYRING_REFRESH_MS) {
      try {
        await this.refresh();
      } catch (e) {
        // keep the keys in hand while the store does not answer; readiness reports the store
        this.log.warn(`could not re-read the token-signing keys: ${(e as Error).message}`);
      }
    }
    return this.ring;
  }

  private refresh(): Promise<SigningKeyring> {
    this.refreshing ??= loadSigningKeyring(this.secrets, new Date(), this.ring)
      .then((ring) => {
        if (this.ring && ring.current.kid !== this.ring.current.kid) this.log.log(`token-signing key is now ${ring.current.kid}`);
        this.ring = ring;
        this.loadedAt = Date.now();
        return ring;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }
}
