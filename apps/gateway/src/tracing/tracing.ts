// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway's tracing (ADR 0017): manual OpenTelemetry spans, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 * Off, this is `Tracing.OFF`: no SDK is loaded into the API's globals, no decorator or hook is installed, and
 * the few call sites that ask (`enabled`) pay one property read.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { HostCallTracer, Job, ScreeningCallTracer } from '#application';
import type { TracingConfig } from '../config/configuration.js';
import { activeTraceparent, contextFromTraceparent } from './trace-context.js';

const VERSION = '0.1.0';
const SCOPE = 'clearway-gateway';

/** Headers written by `propagation.inject` into a plain object. */
const setter = { set: (carrier: Record<string, string>, key: string, value: string) => void (carrier[key] = value) };

export class Tracing {
  /** Tracing off: every method runs its work as it is. */
  static readonly OFF = new Tracing(null, null);

  private constructor(
    /** Null when tracing is off. */
    readonly tracer: Tracer | null,
    private readonly provider: TracerProvider | null,
  ) {}

  /**
   * Tracing from the configuration: OFF without an endpoint; else a tracer provider exporting in batches to
   * `<endpoint>/v1/traces` (OTLP/HTTP, JSON), registered as the process's global one with the async-local-storage
   * context manager and the W3C trace-context propagator. `exporter` replaces the OTLP one (tests).
   */
  static start(config: TracingConfig, exporter?: SpanExporter): Tracing {
    if (config.endpoint === null && !exporter) return Tracing.OFF;
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName, [ATTR_SERVICE_VERSION]: VERSION }),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: exporter ?? new OTLPTraceExporter({ url: `${config.endpoint}/v1/traces`, headers: config.headers }),
          scheduledDelayMillis: config.scheduleDelayMs,
        }),
      ],
    });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    return new Tracing(provider.getTracer(SCOPE, VERSION), provider);
  }

  get enabled(): boolean {
    return this.tracer !== null;
  }

  /**
   * Runs `work` in a span, child of `parent` (default: the active context), with the span active for it; the
   * span ends when the work settles, with an error status (and the error's type and message, never a body)
   * when it throws. Off: `work` runs alone.
   */
  inSpan<T>(
    name: string,
    options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
    work: (span: Span | null) => Promise<T>,
  ): Promise<T> {
    const tracer = this.tracer;
    if (tracer === null) return work(null);
    const parent = options.parent ?? context.active();
    const span = tracer.startSpan(
      name,
      { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
      parent,
    );
    return context.with(trace.setSpan(parent, span), async () => {
      try {
        return await work(span);
      } catch (err) {
        failed(span, err);
        throw err;
      } finally {
        span.end();
      }
    });
  }

  /**
   * One pipeline step: a CONSUMER span `job <type>`, child of the `traceparent` the job carries (the request or
   * step that enqueued it), else the root of a new trace (a sweeper's re-drive).
   */
  job<T>(job: Job, attempt: number, work: () => Promise<T>): Promise<T> {
    if (this.tracer === null) return work();
    return this.inSpan(
      `job ${job.type}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromTraceparent(job.payload?.traceparent, ROOT_CONTEXT),
        attributes: {
          'messaging.operation.type': 'process',
          'clearway.job.type': job.type,
          'clearway.job.attempt': attempt,
          'clearway.transaction_id': job.transactionId,
        },
      },
      work,
    );
  }

  /**
   * One message taken from a queue (the MQ front door): a CONSUMER span `mq receive <queue>`, child of the W3C
   * `traceparent` (and `tracestate`) headers the message carries, as the HTTP inbox honours the request's; else
   * (none, or not a valid one) the root of a new trace. The work runs with the span active, so the jobs it
   * writes carry it. Off: `work` runs alone.
   */
  delivery<T>(
    queue: string,
    headers: { traceparent?: string | undefined; tracestate?: string | undefined },
    attributes: Attributes,
    work: (span: Span | null) => Promise<T>,
  ): Promise<T> {
    if (this.tracer === null) return work(null);
    const carrier: Record<string, string> = {};
    if (headers.traceparent !== undefined) carrier['traceparent'] = headers.traceparent;
    if (headers.tracestate !== undefined) carrier['tracestate'] = headers.tracestate;
    return this.inSpan(
      `mq receive ${queue}`,
      {
        kind: SpanKind.CONSUMER,
        parent: propagation.extract(ROOT_CONTEXT, carrier),
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.operation.type': 'receive',
          'messaging.destination.name': queue,
          ...attributes,
        },
      },
      work,
    );
  }

  /**
   * The host adapters' hook (HostCallTracer): a CLIENT span around one call, its context handed to the call
   * as `traceparent` (and `tracestate`) headers.
   */
  readonly hostCall: HostCallTracer = (name, attributes, call) =>
    this.inSpan(name, { kind: SpanKind.CLIENT, attributes }, () => {
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers, setter);
      return call(headers);
    });

  /**
   * The screening adapter's hook (ScreeningCallTracer): the same as a host call's, a CLIENT span around one
   * call whose context goes with it as `traceparent` (and `tracestate`) headers.
   */
  get screeningCall(): ScreeningCallTracer {
    return this.hostCall;
  }

  /** Marks the active span failed (a step whose error the worker handles itself: retry, dead letter). */
  recordFailure(err: unknown): void {
    if (this.tracer === null) return;
    const span = trace.getSpan(context.active());
    if (span) failed(span, err);
  }

  /** The `traceparent` of the active span, for work that leaves with it (jobs); undefined when off or none. */
  currentTraceparent(): string | undefined {
    return this.tracer === null ? undefined : activeTraceparent(context.active());
  }

  /** Sends the spans still buffered and stops (application shutdown). */
  async shutdown(): Promise<void> {
    await this.provider?.shutdown();
  }
}

/** Marks a span failed by an error: its type and message (the gateway's errors never carry a message body). */
export function failed(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  span.recordException({ name: e.name, message: e.message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}
