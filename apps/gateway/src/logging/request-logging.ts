// SPDX-License-Identifier: Apache-2.0
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger as Pino } from 'pino';
import { runWithLogContext, type LogFields } from './log-context.js';

const CONTEXT = Symbol('clearway.logContext');
type WithContext = FastifyRequest & { [CONTEXT]?: LogFields };

/** Routes polled by probes and scrapers: their request lines are debug, not info. */
const QUIET = /^\/(health\/|metrics$)/;

/**
 * Every log line emitted while a request is served carries its `requestId` (Fastify's request id: the
 * caller's sane X-Request-Id, else a UUID; http/edge/request-id.ts), and one line says how it ended.
 * - onRequest (registered before every other hook) opens the request's log context;
 * - preHandler enters it again: Fastify reads a body in callbacks of the socket, outside it;
 * - onResponse writes `request completed` (method, path without the query, status, milliseconds, the
 *   authenticated client) at info, or debug for health probes and scrapes. Never a header or a body.
 * Nothing is built for a line whose level is off.
 */
export function installRequestLogging(fastify: FastifyInstance, log: Pino): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const ctx: LogFields = { requestId: String(request.id) };
    (request as WithContext)[CONTEXT] = ctx;
    runWithLogContext(ctx, done);
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    const ctx = (request as WithContext)[CONTEXT];
    if (ctx) runWithLogContext(ctx, done);
    else done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const path = request.url.split('?')[0]!;
    const level = QUIET.test(path) ? 'debug' : 'info';
    if (log.isLevelEnabled(level)) {
      const ctx = (request as WithContext)[CONTEXT];
      const user = (request as { user?: { clientId?: unknown } }).user;
      log[level](
        {
          ...ctx,
          ...(typeof user?.clientId === 'string' ? { clientId: user.clientId } : {}),
          method: request.method,
          path,
          statusCode: reply.statusCode,
          responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    }
    done();
  });
}

/** The log context of a request, for code that has the request but may run outside it. */
export function requestLogContext(request: FastifyRequest): LogFields | undefined {
  return (request as WithContext)[CONTEXT];
}
