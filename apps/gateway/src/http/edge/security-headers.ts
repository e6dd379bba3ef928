// SPDX-License-Identifier: Apache-2.0
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Swagger UI (served from /docs) loads its own scripts and styles, inline styles and data: images; nothing else. */
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/** API answers are data, never a page to render. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export const HSTS = 'max-age=31536000; includeSubDomains';

export function isDocsPath(url: string): boolean {
  const path = url.split('?')[0]!;
  return path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-json') || path.startsWith('/docs-yaml');
}

/**
 * The headers every answer carries: the request id, nosniff, no caching of API answers (the docs' static assets
 * may be cached), a CSP (strict for the API, one that lets Swagger UI run on /docs), no framing, no referrer,
 * and HSTS when the request came over TLS (directly, or through a trusted proxy that says so).
 */
export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const docs = isDocsPath(request.url);
  void reply
    .header('X-Request-Id', String(request.id))
    .header('X-Content-Type-Options', 'nosniff')
    .header('X-Frame-Options', 'DENY')
    .header('Referrer-Policy', 'no-referrer')
    .header('Content-Security-Policy', docs ? DOCS_CSP : API_CSP);
  if (!docs) void reply.header('Cache-Control', 'no-store');
  if (request.protocol === 'https') void reply.header('Strict-Transport-Security', HSTS);
}
