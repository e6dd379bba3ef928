// SPDX-License-Identifier: Apache-2.0
import { createParamDecorator, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ProblemException } from '../http/problem.js';
import { AUTHENTICATION_FAILED, AUTHORIZATION_FAILED, authLog } from './auth-failures.js';
import type { AuthenticatedClient } from './jwt.strategy.js';

const SCOPES_KEY = 'clearway:scopes';

/** The scopes a route needs; any one of them is enough. */
export const Scopes = (...scopes: string[]) => SetMetadata(SCOPES_KEY, scopes);

/** The authenticated API client of the request. */
export const CurrentClient = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthenticatedClient => ctx.switchToHttp().getRequest<{ user: AuthenticatedClient }>().user,
);

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  override handleRequest<T>(err: unknown, user: T, info?: unknown): T {
    if (err || !user) {
      // passport's reason (expired, bad signature, no token): never the token itself
      const why = err ?? info;
      authLog.warn({
        msg: AUTHENTICATION_FAILED,
        endpoint: 'bearer',
        reason: why instanceof Error ? why.message : 'no valid bearer token',
      });
      throw new ProblemException(401, 'AUTH.INVALID_TOKEN', 'a valid, unexpired bearer token from this gateway is required');
    }
    return user;
  }
}

@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const needed = this.reflector.getAllAndOverride<string[] | undefined>(SCOPES_KEY, [ctx.getHandler(), ctx.getClass()]);
    if (!needed?.length) return true;
    const user = ctx.switchToHttp().getRequest<{ user?: AuthenticatedClient }>().user;
    if (user && needed.some((s) => user.scopes.includes(s))) return true;
    authLog.warn({ msg: AUTHORIZATION_FAILED, reason: `missing scope ${needed.join(' or ')}`, clientId: user?.clientId ?? null });
    throw new ProblemException(403, 'AUTH.INSUFFICIENT_SCOPE', `this call needs the scope ${needed.join(' or ')}`);
  }
}
