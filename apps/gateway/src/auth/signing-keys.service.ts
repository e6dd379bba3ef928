import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JWK,
} from 'jose';
import { SECRET_STORE, type SecretStore } from '#application';
import type { ConfigType } from '@nestjs/config';
import { authConfig } from '../config/namespaces.js';

const SIGNING_KEY_SECRET = 'auth-signing-key';
const ALG = 'ES256';

type Key = Awaited<ReturnType<typeof importJWK>>;
type SpkiKey = Parameters<typeof exportSPKI>[0];

/**
 * The built-in token issuer's keys: an ES256 key pair kept by the secret-store port (created on first
 * start), published as a JWKS. With AUTH_JWKS_URL set, tokens are verified against that provider instead.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly log = new Logger('Auth');
  private privateKey!: Key;
  private publicJwk!: JWK;
  private publicPem!: string;
  private remote: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(
    @Inject(SECRET_STORE) private readonly secrets: SecretStore,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.auth.jwksUrl) this.remote = createRemoteJWKSet(new URL(this.auth.jwksUrl));
    let stored = await this.secrets.get(SIGNING_KEY_SECRET);
    if (!stored) {
      const pair = await generateKeyPair(ALG, { extractable: true });
      const jwk = await exportJWK(pair.privateKey);
      jwk.kid = await calculateJwkThumbprint(jwk);
      jwk.alg = ALG;
      // Several instances may start at once on a fresh store: exactly one key wins, every instance uses it.
      if (await this.secrets.createIfAbsent(SIGNING_KEY_SECRET, JSON.stringify(jwk))) {
        this.log.log(`created token-signing key ${jwk.kid}`);
      }
      stored = await this.secrets.get(SIGNING_KEY_SECRET);
      if (!stored) throw new Error('the token-signing key could not be read back from the secret store');
    }
    const jwk = JSON.parse(stored) as JWK;
    this.privateKey = await importJWK(jwk, ALG);
    const { d: _d, ...publicJwk } = jwk;
    this.publicJwk = { ...publicJwk, use: 'sig', alg: ALG };
    this.publicPem = await exportSPKI((await importJWK(this.publicJwk, ALG)) as SpkiKey);
  }

  get external(): boolean {
    return this.remote !== null;
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  async issue(clientId: string, scopes: string[]): Promise<{ token: string; expiresIn: number }> {
    const expiresIn = this.auth.tokenTtlSeconds;
    const token = await new SignJWT({ scope: scopes.join(' '), client_id: clientId })
      .setProtectedHeader({ alg: ALG, kid: this.publicJwk.kid!, typ: 'at+jwt' })
      .setSubject(clientId)
      .setIssuer(this.auth.issuer)
      .setAudience(this.auth.audience)
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .setExpirationTime(`${expiresIn}s`)
      .sign(this.privateKey);
    return { token, expiresIn };
  }

  /** The PEM public key that verifies `rawJwt` (passport-jwt's secretOrKeyProvider). */
  async verificationKey(rawJwt: string): Promise<string> {
    if (!this.remote) return this.publicPem;
    const header = decodeProtectedHeader(rawJwt);
    const key = await this.remote({ alg: header.alg ?? 'RS256', kid: header.kid });
    return exportSPKI(key as SpkiKey);
  }
}
