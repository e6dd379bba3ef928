// SPDX-License-Identifier: Apache-2.0
/**
 * The HTTP server span of each request, at the Fastify level (installed only when tracing is on):
 * - `onRequest` starts a SERVER span `<METHOD> <route>`, child of the W3C `traceparent` the request carries
 *   (POST /v1/inbox honours it, as every route does), else the root of a new trace;
 * - `preHandler` (after the body is read) runs the rest of the request, guards and handler included, with the
 *   span active, so the store calls and the jobs the request writes belong to its trace;
 * - `onResponse` / `onRequestAbort` end it with the status code.
 * Liveness, readiness and metrics scrapes are not traced (a probe every few seconds is not a payment).
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Tracing } from './tracing.js';

interface RequestTrace {
  span: Span;
  /** The context with the span in it (what the handler runs in). */
  context: Context;
}

const traces = new WeakMap<FastifyRequest, RequestTrace>();

/** Routes that are not traced: probes and scrapes. */
export function untracedRoute(route: string | undefined): boolean {
  return route !== undefined && (route.startsWith('/health') || route === '/metrics');
}

export function installHttpTracing(fastify: FastifyInstance, tracing: Tracing): void {
  const tracer = tracing.tracer;
  if (tracer === null) return;

  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (untracedRoute(route)) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(
      `${request.method} ${route ?? '(no route)'}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0]!,
          ...(route ? { 'http.route': route } : {}),
          'clearway.request_id': String(request.id),
        },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    traces.set(request, { span, context: ctx });
    context.with(ctx, done);
  });

  fastify.addHook('preHandler', (request, _reply, done) => {
    const t = traces.get(request);
    if (!t) return done();
    context.with(t.context, done);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const t = traces.get(request);
    if (t) {
      traces.delete(request);
      t.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) t.span.setStatus({ code: SpanStatusCode.ERROR });
      t.span.end();
    }
    done();
  });

  fastify.addHook('onRequestAbort', (request, done) => {
    const t = traces.get(request);
    if (t) {
      traces.delete(request);
      t.span.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted by the client' });
      t.span.end();
    }
    done();
  });
}
