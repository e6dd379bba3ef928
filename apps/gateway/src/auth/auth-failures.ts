// SPDX-License-Identifier: Apache-2.0
import { Logger } from '@nestjs/common';

/** The stable messages of failed authentications and refused scopes (what an operator greps for). */
export const AUTHENTICATION_FAILED = 'authentication failed';
export const AUTHORIZATION_FAILED = 'authorization failed';

/** Why the token endpoint refused a request, kept with its reply until the edge logs the refusal. */
const reasons = new WeakMap<object, string>();

/** Notes why the token endpoint answers `reply` 401 (never the secret: a description of what was wrong). */
export function noteAuthFailure(reply: object, reason: string): void {
  reasons.set(reply, reason);
}

/** Why the token endpoint refused `reply`, if it said. */
export function authFailureOf(reply: object): string | undefined {
  return reasons.get(reply);
}

export const authLog = new Logger('Auth');
