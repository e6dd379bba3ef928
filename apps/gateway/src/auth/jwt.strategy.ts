// SPDX-License-Identifier: Apache-2.0
import { createPublicKey, type KeyObject } from 'node:crypto';
import { expandScopes } from './scope-aliases.js';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
import type { ConfigType } from '@nestjs/config';
import { authConfig } from '../config/namespaces.js';
import { SigningKeysService } from './signing-keys.service.js';

export interface AuthenticatedClient {
  clientId: string;
  scopes: string[];
}

/**
 * Verifies bearer tokens with passport-jwt: the header first (algorithm pinned per mode, `typ`, the key by
 * kid; SigningKeysService.verificationKey), then signature, issuer (always: `clearway` by default, the IdP's
 * AUTH_ISSUER with AUTH_JWKS_URL), audience and expiry.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(keys: SigningKeysService, @Inject(authConfig.KEY) auth: ConfigType<typeof authConfig>) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      algorithms: auth.algorithms as NonNullable<StrategyOptionsWithoutRequest['algorithms']>,
      issuer: auth.issuer,
      audience: auth.audience,
      // the key as a KeyObject made once per PEM (jsonwebtoken would parse the PEM again for every request)
      secretOrKeyProvider: (_req: unknown, rawJwt: string, done: (err: unknown, key?: string) => void) => {
        keys.verificationKey(rawJwt).then(
          (pem) => done(null, publicKeyOf(pem) as unknown as string),
          (err: unknown) => done(err),
        );
      },
    });
  }

  validate(payload: { sub?: unknown; scope?: unknown; scp?: unknown }): AuthenticatedClient | false {
    if (typeof payload.sub !== 'string' || payload.sub === '') return false;
    return { clientId: payload.sub, scopes: expandScopes(tokenScopes(payload)) };
  }
}

const publicKeys = new Map<string, KeyObject>();

/** The public key of a PEM, parsed once (a handful of PEMs: the ring's keys, or the provider's current ones). */
function publicKeyOf(pem: string): KeyObject {
  let key = publicKeys.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    if (publicKeys.size >= 16) publicKeys.clear();
    publicKeys.set(pem, key);
  }
  return key;
}

/**
 * The scopes a token carries: `scope` (RFC 8693, space-separated) or `scp` (Entra: a space-separated string;
 * some providers: an array). Anything else in a token an external provider signed carries no scope, rather
 * than a TypeError on every call.
 */
export function tokenScopes(payload: { scope?: unknown; scp?: unknown }): string[] {
  const read = (v: unknown): string[] | null => {
    if (typeof v === 'string') return v.split(' ').filter(Boolean);
    if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string' && s !== '');
    return null;
  };
  return (payload.scope ? read(payload.scope) : null) ?? read(payload.scp) ?? [];
}
