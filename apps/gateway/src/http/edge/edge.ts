// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { Server as TlsServer } from 'node:tls';
import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AUTHENTICATION_FAILED, authFailureOf } from '../../auth/auth-failures.js';
import { decodeBasicCredentials } from '../../auth/basic-credentials.js';
import type { BearerPrecheck } from '../../auth/bearer-precheck.js';
import type { AuthConfig, ServerConfig } from '../../config/configuration.js';
import { ProblemException } from '../problem.js';
import { AuthThrottle } from './auth-throttle.js';
import { requestIdOf } from './request-id.js';
import { applySecurityHeaders, isDocsPath } from './security-headers.js';
import { addressMatcher, plainAddress } from './source-addresses.js';

const TOKEN_PATH = '/oauth2/token';

/**
 * The Fastify server options of the HTTP edge: which peers may set X-Forwarded-*, the request id, the timeouts
 * (Node checks the request and headers deadlines every `connectionsCheckingInterval`, so that interval follows
 * the smaller of them), and HTTPS when TLS_CERT_FILE/TLS_KEY_FILE are set.
 */
export function edgeServerOptions(edge: ServerConfig) {
  const trusted = addressMatcher(edge.trustedProxies);
  const checking = Math.max(50, Math.min(1000, Math.floor(Math.min(edge.headersTimeoutMs, edge.requestTimeoutMs) / 4)));
  const serverTimeouts = {
    headersTimeout: edge.headersTimeoutMs,
    requestTimeout: edge.requestTimeoutMs,
    connectionsCheckingInterval: checking,
  };
  return {
    trustProxy: edge.trustedProxies.length > 0 ? (address: string) => trusted(address) : false,
    requestIdHeader: false as const,
    genReqId: requestIdOf,
    requestTimeout: edge.requestTimeoutMs,
    connectionTimeout: edge.connectionIdleTimeoutMs,
    keepAliveTimeout: edge.keepAliveTimeoutMs,
    ...(edge.tls ? { https: { ...readTlsPair(edge.tls), ...serverTimeouts } } : { http: serverTimeouts }),
  };
}

/** The certificate chain and key of the HTTPS listener, read from their files. */
export function readTlsPair(tls: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
}

/**
 * SIGHUP reloads the listener's certificate and key from their files (setSecureContext): new handshakes use
 * them, the listener and open connections stay. A pair that cannot be read or does not match is logged and
 * the current one kept.
 */
export function reloadTlsOnSighup(server: TlsServer, tls: { certFile: string; keyFile: string }, log = new Logger('TLS')): () => void {
  const reload = () => {
    try {
      server.setSecureContext(readTlsPair(tls));
      log.log(`reloaded the TLS certificate from ${tls.certFile}`);
    } catch (e) {
      log.error(`TLS certificate reload failed, the current one stays: ${(e as Error).message}`);
    }
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}

const OVER_CAP_BODY = JSON.stringify({
  type: 'about:blank',
  title: 'Service Unavailable',
  status: 503,
  code: 'EDGE.TOO_MANY_CONNECTIONS',
  detail: 'this source holds too many open connections (MAX_CONNECTIONS_PER_SOURCE); reuse them or retry later',
});
const OVER_CAP_ANSWER =
  'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 1\r\nConnection: close\r\n' +
  `Content-Length: ${Buffer.byteLength(OVER_CAP_BODY)}\r\n\r\n${OVER_CAP_BODY}`;

/**
 * At most `max` open connections per peer address; a connection beyond is answered 503 (plain HTTP) or closed
 * (TLS) at once, before anything is read. Trusted proxies are exempt (every client behind them shares their address): the proxy must cap.
 */
export function capConnectionsPerSource(server: Server | TlsServer, max: number, exempt: (address: string) => boolean, log: Logger): void {
  const open = new Map<string, number>();
  let lastWarned = 0;
  server.on('connection', (socket: import('node:net').Socket) => {
    const source = plainAddress(socket.remoteAddress);
    if (exempt(source)) return;
    const n = (open.get(source) ?? 0) + 1;
    if (n > max) {
      // Over plain HTTP the client gets an answer it can act on (503, Retry-After) instead of a reset; over TLS
      // nothing can be said before the handshake, so the connection is closed.
      if (server instanceof TlsServer) socket.destroy();
      else socket.end(OVER_CAP_ANSWER, () => socket.destroy());
      if (Date.now() - lastWarned > 10_000) {
        lastWarned = Date.now();
        log.warn(`connection refused: source ${source} already holds ${max} connections (MAX_CONNECTIONS_PER_SOURCE)`);
      }
      return;
    }
    open.set(source, n);
    socket.once('close', () => {
      const left = (open.get(source) ?? 1) - 1;
      if (left <= 0) open.delete(source);
      else open.set(source, left);
    });
  });
}

export interface EdgeHooks {
  /** The `server` namespace. */
  edge: ServerConfig;
  /** The token endpoint's throttle (the `auth` namespace). */
  authThrottle: AuthConfig['throttle'];
  precheck: BearerPrecheck;
  throttle?: AuthThrottle;
  log?: Logger;
}

/** Whether a route is served without a bearer token. Decided on the matched route, never on the raw path. */
export function isPublicRoute(method: string, route: string | undefined, docs: ServerConfig['apiDocs']): boolean {
  if (route === undefined) return false;
  if (route === TOKEN_PATH || route.startsWith('/.well-known/') || route.startsWith('/health/')) return true;
  if (route === '/' && (method === 'GET' || method === 'HEAD')) return true;
  return docs === 'public' && isDocsPath(route);
}

/** The client id a token request names (Basic user, else form or query `client_id`), for throttling and logs. */
export function claimedClientId(request: FastifyRequest): string | null {
  const basic = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
  const body = request.body as Record<string, unknown> | undefined;
  const query = request.query as Record<string, unknown> | undefined;
  const id: unknown = basic
    ? decodeBasicCredentials(basic[1]!)?.id
    : ((body && typeof body === 'object' ? body.client_id : undefined) ?? query?.client_id);
  return typeof id === 'string' && id !== '' ? id.slice(0, 128) : null;
}

function problem(request: FastifyRequest, status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  return {
    ...new ProblemException(status, code, detail).problem,
    instance: request.url.split('?')[0],
    requestId: String(request.id),
    ...extra,
  };
}

/** A refusal sent before the body was read: the connection closes after it, so the body is never taken. */
function refuseEarly(request: FastifyRequest, reply: FastifyReply, status: number, body: object, headers: Record<string, string>) {
  earlyRefusals.add(request);
  void reply.code(status).header('Connection', 'close').header('Content-Type', 'application/problem+json');
  for (const [k, v] of Object.entries(headers)) void reply.header(k, v);
  return reply.send(body);
}

const earlyRefusals = new WeakSet<FastifyRequest>();

function throttled(request: FastifyRequest, reply: FastifyReply, retryAfter: number, early: boolean) {
  const detail = `too many failed authentications; try again in ${retryAfter} s`;
  const body = problem(request, 429, 'AUTH.THROTTLED', detail, { error: 'temporarily_unavailable', error_description: detail });
  const headers = { 'Retry-After': String(retryAfter) };
  if (early) return refuseEarly(request, reply, 429, body, headers);
  void reply.code(429).header('Content-Type', 'application/problem+json').header('Retry-After', String(retryAfter));
  return reply.send(body);
}

/**
 * The request hooks of the HTTP edge, on every route:
 * - onRequest: security headers and X-Request-Id on every answer; a token request from a locked source gets
 *   429; on every route that needs a bearer token, the token is verified before the body is read, and a
 *   request without a valid one gets 401 and the connection is closed (the body is never received).
 * - preHandler (token endpoint): a locked client id gets 429 before its secret is checked.
 * - onResponse (token endpoint): a 401 is a failed authentication (logged: client id and source, never the
 *   secret) and counts for the throttle; a 200 clears the client id's count.
 */
export function installEdgeHooks(fastify: FastifyInstance, hooks: EdgeHooks): AuthThrottle {
  const { edge, precheck } = hooks;
  const log = hooks.log ?? new Logger('Edge');
  const throttle =
    hooks.throttle ??
    new AuthThrottle({
      failures: hooks.authThrottle.failures,
      windowSeconds: hooks.authThrottle.windowSeconds,
      maxSeconds: hooks.authThrottle.maxSeconds,
    });
  const isToken = (request: FastifyRequest) => request.method === 'POST' && request.routeOptions.url === TOKEN_PATH;

  fastify.addHook('onRequest', async (request, reply) => {
    applySecurityHeaders(request, reply);
    const route = request.routeOptions.url;
    if (isToken(request)) {
      const verdict = throttle.check(request.ip, null);
      if (verdict.retryAfterSeconds > 0) return throttled(request, reply, verdict.retryAfterSeconds, true);
      return;
    }
    if (isPublicRoute(request.method, route, edge.apiDocs)) return;
    const result = await precheck.check(request.headers.authorization);
    if (result.ok) return;
    log.warn({
      msg: AUTHENTICATION_FAILED,
      endpoint: 'bearer',
      reason: `bearer token refused: ${result.reason}`,
      requestId: String(request.id),
      source: request.ip,
      method: request.method,
      path: request.url.split('?')[0],
    });
    return refuseEarly(
      request,
      reply,
      401,
      problem(request, 401, 'AUTH.INVALID_TOKEN', 'a valid, unexpired bearer token from this gateway is required'),
      { 'WWW-Authenticate': 'Bearer realm="clearway"' },
    );
  });

  fastify.addHook('preHandler', async (request, reply) => {
    if (!isToken(request)) return;
    const verdict = throttle.check(request.ip, claimedClientId(request));
    if (verdict.retryAfterSeconds > 0) return throttled(request, reply, verdict.retryAfterSeconds, false);
  });

  fastify.addHook('onResponse', async (request, reply) => {
    if (earlyRefusals.has(request)) {
      // The client may still be sending the body it was refused: stop waiting for it.
      const socket = request.raw.socket;
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    if (!isToken(request)) return;
    const clientId = claimedClientId(request);
    if (reply.statusCode === 401) {
      throttle.failure(request.ip, clientId);
      log.warn({
        msg: AUTHENTICATION_FAILED,
        endpoint: 'token',
        reason: authFailureOf(reply) ?? 'client authentication refused',
        clientId,
        requestId: String(request.id),
        source: request.ip,
      });
    } else if (reply.statusCode === 200 && clientId !== null) {
      throttle.success(clientId);
    }
  });
  return throttle;
}
