// SPDX-License-Identifier: Apache-2.0
import { jest } from '@jest/globals';
import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { JobType, processJob, type Job, type TransactionRepository, type WorkQueue } from '#application';
import type { PaymentSnapshot } from '#domain';
import { HttpScreeningService } from '#adapters/screening-http';
import { parseOtlpHeaders } from '../config/configuration.js';
import { activeTraceparent, contextFromTraceparent, traceIdOf, traceparentOf, withTraceparent } from './trace-context.js';
import { TracedTransactionRepository, TracedWorkQueue } from './traced-ports.js';
import { Tracing } from './tracing.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const INCOMING = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

describe('trace context helpers', () => {
  it('reads a W3C traceparent into a remote parent and writes it back unchanged', () => {
    const ctx = contextFromTraceparent(INCOMING);
    const sc = trace.getSpanContext(ctx)!;
    expect(sc).toMatchObject({ traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true });
    expect(traceparentOf(sc)).toBe(INCOMING);
    expect(activeTraceparent(ctx)).toBe(INCOMING);
    expect(traceIdOf(INCOMING)).toBe(TRACE_ID);
  });

  it('starts a new trace from anything that is not a valid traceparent (none, malformed, all-zero ids)', () => {
    for (const bad of [
      undefined,
      '',
      'garbage',
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `00-${TRACE_ID}-00f067aa0ba902b7`,
    ]) {
      expect(contextFromTraceparent(bad)).toBe(ROOT_CONTEXT);
      expect(traceIdOf(bad)).toBeNull();
    }
    expect(activeTraceparent(ROOT_CONTEXT)).toBeUndefined();
  });

  it('puts a traceparent on every job, keeping the rest of its payload; without one the jobs are the same array', () => {
    const carried: Job = { ...processJob('t1'), payload: { status: 'ACSC', continuation: { of: 'x', n: 1 }, traceparent: 'old' } };
    const jobs = [processJob('t1'), carried];
    const out = withTraceparent(jobs, INCOMING);
    expect(out.map((j) => j.payload)).toEqual([
      { traceparent: INCOMING },
      { status: 'ACSC', continuation: { of: 'x', n: 1 }, traceparent: INCOMING },
    ]);
    expect(jobs[0]!.payload).toBeUndefined();
    expect(withTraceparent(jobs, undefined)).toBe(jobs);
  });
});

describe('OTEL_EXPORTER_OTLP_HEADERS', () => {
  it('is read as name=value pairs, names lower-cased, values percent-decoded', () => {
    expect(parseOtlpHeaders('Authorization=Bearer%20abc, x-tenant = t1')).toEqual({ authorization: 'Bearer abc', 'x-tenant': 't1' });
    expect(parseOtlpHeaders(null)).toEqual({});
  });

  it('refuses a bad percent-encoding without repeating the value', () => {
    expect(() => parseOtlpHeaders('authorization=secret%zz')).toThrow(/"authorization" is not valid percent-encoding/);
    expect(() => parseOtlpHeaders('authorization=secret%zz')).not.toThrow(/secret/);
  });
});

describe('Tracing off', () => {
  it('runs the work alone: no span, no traceparent', async () => {
    expect(Tracing.OFF.enabled).toBe(false);
    await expect(Tracing.OFF.inSpan('x', {}, async (span) => span)).resolves.toBeNull();
    await expect(Tracing.OFF.job(processJob('t1'), 1, async () => 'done')).resolves.toBe('done');
    expect(Tracing.OFF.currentTraceparent()).toBeUndefined();
  });
});

describe('Tracing on (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  const tracing = Tracing.start({ endpoint: null, serviceName: 'test', headers: {}, scheduleDelayMs: 10 }, exporter);
  const payment = { id: 't1' } as PaymentSnapshot;
  const written: Job[][] = [];
  const store = {
    create: async (_p: PaymentSnapshot, _k: unknown, jobs: Job[]) => (written.push(jobs), { kind: 'created' as const }),
    update: async (_p: PaymentSnapshot, _v: number, jobs: Job[]) => (written.push(jobs), true),
    get: async () => payment,
  } as unknown as TransactionRepository;
  const queue = { enqueue: async (jobs: Job[]) => void written.push(jobs), ack: async () => undefined } as unknown as WorkQueue;
  const tracedStore = new TracedTransactionRepository(store, tracing, 'sqlite');
  const tracedQueue = new TracedWorkQueue(queue, tracing, 'sqlite');

  async function spans(): Promise<ReadableSpan[]> {
    await (tracing as unknown as { provider: { forceFlush(): Promise<void> } }).provider.forceFlush();
    return exporter.getFinishedSpans();
  }

  beforeEach(() => {
    exporter.reset();
    written.length = 0;
  });
  afterAll(() => tracing.shutdown());

  it('a request continues the incoming trace; the jobs it writes carry the request span as their parent', async () => {
    let requestSpanId = '';
    await tracing.inSpan('POST /v1/inbox', { kind: SpanKind.SERVER, parent: contextFromTraceparent(INCOMING) }, async (span) => {
      requestSpanId = span!.spanContext().spanId;
      await tracedStore.create(payment, { msgIdEndToEndId: 'm|e' }, [processJob('t1')]);
    });
    const tp = written[0]![0]!.payload!.traceparent!;
    expect(tp).toBe(`00-${TRACE_ID}-${requestSpanId}-01`);
    const all = await spans();
    expect(all.map((s) => s.name).sort()).toEqual(['POST /v1/inbox', 'store.create']);
    expect(all.every((s) => s.spanContext().traceId === TRACE_ID)).toBe(true);
    const storeSpan = all.find((s) => s.name === 'store.create')!;
    expect(storeSpan.parentSpanContext?.spanId).toBe(requestSpanId);
    expect(storeSpan.attributes).toMatchObject({ 'clearway.system': 'sqlite', 'clearway.transaction_id': 't1' });
  });

  it('a step runs as a child of the traceparent its job carries; its host call and its next job stay in that trace', async () => {
    const job: Job = { ...processJob('t1'), payload: { traceparent: INCOMING } };
    let hostHeaders: Readonly<Record<string, string>> = {};
    await tracing.job(job, 2, async () => {
      await tracedStore.update(payment, 1, [{ ...processJob('t1'), type: JobType.RELEASE }]);
      await tracing.hostCall('host payment', { 'clearway.transaction_id': 't1' }, async (headers) => {
        hostHeaders = headers;
        return null;
      });
      await tracedQueue.ack('r1');
    });
    const all = await spans();
    const step = all.find((s) => s.name === `job ${JobType.PROCESS}`)!;
    expect(step.kind).toBe(SpanKind.CONSUMER);
    expect(step.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(step.attributes).toMatchObject({ 'clearway.job.attempt': 2, 'clearway.transaction_id': 't1' });
    const host = all.find((s) => s.name === 'host payment')!;
    expect(host.kind).toBe(SpanKind.CLIENT);
    expect(host.parentSpanContext?.spanId).toBe(step.spanContext().spanId);
    expect(hostHeaders['traceparent']).toBe(`00-${TRACE_ID}-${host.spanContext().spanId}-01`);
    expect(written[0]![0]!.payload!.traceparent).toBe(`00-${TRACE_ID}-${step.spanContext().spanId}-01`);
    expect(all.map((s) => s.name).sort()).toEqual(['host payment', `job ${JobType.PROCESS}`, 'queue.ack', 'store.update']);
    expect(all.every((s) => s.spanContext().traceId === TRACE_ID)).toBe(true);
  });

  it('a screening call in a step is a CLIENT span, child of the step, and sends its traceparent header', async () => {
    const sent: Array<Record<string, string>> = [];
    const fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (_url, init) => {
      sent.push({ ...(init?.headers as Record<string, string>) });
      return new Response(JSON.stringify({ result: 'clear', reference: 'SCR-1' }), { status: 200 });
    });
    try {
      const screening = new HttpScreeningService({ url: 'http://screening.internal:8080/v1/screen', tracer: tracing.screeningCall });
      const job: Job = { ...processJob('t1'), payload: { traceparent: INCOMING } };
      const verdict = await tracing.job(job, 1, () =>
        screening.screen({
          transactionId: 't1',
          uetr: null,
          endToEndId: 'E2E-1',
          amount: '10.00',
          currency: 'EUR',
          debtor: { name: 'A', country: 'DE', bic: null },
          creditor: { name: 'B', country: 'NL', bic: null },
        }),
      );
      expect(verdict).toEqual({ kind: 'clear', reference: 'SCR-1' });
    } finally {
      fetchSpy.mockRestore();
    }
    const all = await spans();
    const step = all.find((s) => s.name === `job ${JobType.PROCESS}`)!;
    const call = all.find((s) => s.name === 'screening screen')!;
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(call.parentSpanContext?.spanId).toBe(step.spanContext().spanId);
    expect(call.spanContext().traceId).toBe(TRACE_ID);
    expect(call.attributes).toMatchObject({
      'clearway.screening.service': 'http',
      'clearway.transaction_id': 't1',
      'server.address': 'screening.internal',
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!['traceparent']).toBe(`00-${TRACE_ID}-${call.spanContext().spanId}-01`);
    expect(sent[0]!['X-Transaction-Id']).toBe('t1');
  });

  it('a screening call that gets no verdict is an error span', async () => {
    const fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('{}', { status: 503 }));
    try {
      const screening = new HttpScreeningService({ url: 'http://screening.internal/v1/screen', tracer: tracing.screeningCall });
      await expect(
        tracing.job(processJob('t6'), 1, () =>
          screening.screen({
            transactionId: 't6',
            uetr: null,
            endToEndId: 'E2E-6',
            amount: '10.00',
            currency: 'EUR',
            debtor: { name: 'A', country: 'DE', bic: null },
            creditor: { name: 'B', country: 'NL', bic: null },
          }),
        ),
      ).rejects.toThrow('screening service answered HTTP 503');
    } finally {
      fetchSpy.mockRestore();
    }
    const call = (await spans()).find((s) => s.name === 'screening screen')!;
    expect(call.status).toMatchObject({ code: 2, message: 'screening service answered HTTP 503' });
  });

  it('a job without a traceparent starts a new trace', async () => {
    await tracing.job(processJob('t2'), 1, async () => undefined);
    const [step] = await spans();
    expect(step!.parentSpanContext).toBeUndefined();
    expect(step!.spanContext().traceId).not.toBe(TRACE_ID);
  });

  it('outside any trace (polling, sweeps) the store and queue make no span and the jobs carry nothing', async () => {
    await context.with(ROOT_CONTEXT, async () => {
      await tracedStore.get('t1');
      await tracedQueue.enqueue([processJob('t3')]);
    });
    expect(await spans()).toEqual([]);
    expect(written[0]![0]!.payload).toBeUndefined();
  });

  it('a step whose error the worker handles itself (retry, dead letter) is still an error span', async () => {
    await tracing.job(processJob('t5'), 3, async () => {
      tracing.recordFailure(new Error('host unavailable'));
    });
    const [step] = await spans();
    expect(step!.status).toMatchObject({ code: 2, message: 'host unavailable' });
  });

  it('a failed step is an error span with the error type and message', async () => {
    await expect(
      tracing.job(processJob('t4'), 1, async () => {
        throw new TypeError('boom');
      }),
    ).rejects.toThrow('boom');
    const [step] = await spans();
    expect(step!.status).toMatchObject({ code: 2, message: 'boom' });
    expect(step!.events[0]!.attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'boom' });
  });
});
