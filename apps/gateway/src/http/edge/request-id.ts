// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What an incoming X-Request-Id may be to be reused: 1-128 characters that cannot break a log line or header. */
const SANE = /^[A-Za-z0-9._~:@/+=-]{1,128}$/;

/** The caller's X-Request-Id when sane (one value, bounded length and charset), else a new UUID. */
export function requestIdOf(raw: Pick<IncomingMessage, 'headers'>): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && SANE.test(given) ? given : randomUUID();
}
