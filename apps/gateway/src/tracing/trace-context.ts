// SPDX-License-Identifier: Apache-2.0
/**
 * The W3C trace context (`traceparent`) as it travels with the gateway's work: read from an incoming header or
 * a job, written onto jobs and host calls. Plain functions of the OpenTelemetry API (no SDK): they are cheap
 * and testable without a tracer.
 */
import { isSpanContextValid, ROOT_CONTEXT, trace, type Context, type SpanContext } from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import type { Job } from '#application';

/** `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>` of a valid span context; undefined otherwise. */
export function traceparentOf(spanContext: SpanContext | undefined): string | undefined {
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The `traceparent` of the span active in `context`; undefined when there is none. */
export function activeTraceparent(context: Context): string | undefined {
  return traceparentOf(trace.getSpanContext(context));
}

/**
 * A context whose parent is the remote span a `traceparent` names (from a job or a header), on top of `base`;
 * `base` itself when the value is missing or not a valid W3C traceparent (a new trace starts there).
 */
export function contextFromTraceparent(traceparent: string | undefined, base: Context = ROOT_CONTEXT): Context {
  if (traceparent === undefined) return base;
  const parsed = parseTraceParent(traceparent.trim());
  if (!parsed || !isSpanContextValid(parsed)) return base;
  return trace.setSpanContext(base, { ...parsed, isRemote: true });
}

/** The trace id a `traceparent` names, or null when it is not a valid one. */
export function traceIdOf(traceparent: string | undefined | null): string | null {
  if (!traceparent) return null;
  const parsed = parseTraceParent(traceparent.trim());
  return parsed && isSpanContextValid(parsed) ? parsed.traceId : null;
}

/**
 * The jobs, each carrying `traceparent` in its payload (the active span's context when they are enqueued wins
 * over one the job already had: it is the work that causes them); the same array when there is none.
 */
export function withTraceparent(jobs: Job[], traceparent: string | undefined): Job[] {
  if (traceparent === undefined || jobs.length === 0) return jobs;
  return jobs.map((job) => ({ ...job, payload: { ...job.payload, traceparent } }));
}
