import { expandScopes } from './scope-aliases.js';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { GATEWAY_CONFIG } from '../gateway.tokens.js';
import type { GatewayConfig } from '../gateway.config.js';
import { SigningKeysService } from './signing-keys.service.js';

export interface AuthenticatedClient {
  clientId: string;
  scopes: string[];
}

/** Verifies bearer tokens (signature, issuer, audience, expiry) with passport-jwt. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(keys: SigningKeysService, @Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      algorithms: ['ES256', 'RS256', 'PS256'],
      // With an external identity provider, AUTH_ISSUER names its issuer (checked when set).
      issuer: config.auth.jwksUrl && !process.env.AUTH_ISSUER ? undefined : config.auth.issuer,
      audience: config.auth.audience,
      secretOrKeyProvider: (_req: unknown, rawJwt: string, done: (err: unknown, key?: string) => void) => {
        keys.verificationKey(rawJwt).then(
          (key) => done(null, key),
          (err: unknown) => done(err),
        );
      },
    });
  }

  validate(payload: { sub?: string; scope?: string; scp?: string[] }): AuthenticatedClient | false {
    if (!payload.sub) return false;
    const scopes = payload.scope ? payload.scope.split(' ').filter(Boolean) : (payload.scp ?? []);
    return { clientId: payload.sub, scopes: expandScopes(scopes) };
  }
}
