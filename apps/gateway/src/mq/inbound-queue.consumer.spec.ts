// SPDX-License-Identifier: Apache-2.0
import { jest } from '@jest/globals';
import type { CommandBus } from '@nestjs/cqrs';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import type { AmqpDelivery, AmqpSession } from '#adapters/amqp';
import { AdmissionRefusedError, type SubmitPaymentResult } from '#application';
import type { Iso20022Codec } from '#iso20022';
import { currentLogContext, type LogFields } from '../logging/log-context.js';
import { Tracing } from '../tracing/tracing.js';
import { InboundQueueConsumer } from './inbound-queue.consumer.js';

describe('InboundQueueConsumer.transactionIdOf', () => {
  const body = Buffer.from('<Document/>');

  it('takes a UUID message-id as the transaction id (lower case)', () => {
    expect(InboundQueueConsumer.transactionIdOf('bank-a', '0F9A3C1E-8B7D-4E6F-A5C4-3B2A19087F6E', body)).toBe(
      '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e',
    );
  });

  it('derives a stable UUID from client and body otherwise, so a redelivery is a replay', () => {
    const id = InboundQueueConsumer.transactionIdOf('bank-a', undefined, body);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(InboundQueueConsumer.transactionIdOf('bank-a', 'not-a-uuid', body)).toBe(id);
    expect(InboundQueueConsumer.transactionIdOf('bank-b', undefined, body)).not.toBe(id);
    expect(InboundQueueConsumer.transactionIdOf('bank-a', undefined, Buffer.from('<Document />'))).not.toBe(id);
  });
});

describe('InboundQueueConsumer.deliveryIdOf', () => {
  it('names a delivery by its message-id, else its correlation-id, else a new UUID', () => {
    expect(InboundQueueConsumer.deliveryIdOf('msg-1', 'corr-1')).toBe('msg-1');
    expect(InboundQueueConsumer.deliveryIdOf(undefined, 'corr-1')).toBe('corr-1');
    expect(InboundQueueConsumer.deliveryIdOf(undefined, undefined)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
  });

  it('never takes an id that could break a log line or is unbounded', () => {
    expect(InboundQueueConsumer.deliveryIdOf('a b\n{"level":"fatal"}', 'corr-1')).toBe('corr-1');
    const generated = InboundQueueConsumer.deliveryIdOf('x'.repeat(129), 42);
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
  });
});

const ACCEPTED = {
  kind: 'accepted',
  transactionId: 't',
  status: 'RCVD',
  messageType: 'pacs.008.001.08',
  replayed: false,
} as SubmitPaymentResult;

function consumer(execute: () => Promise<SubmitPaymentResult>, tracing = Tracing.OFF, headers: Record<string, unknown> = {}) {
  const commands = { execute: jest.fn(execute) } as unknown as CommandBus & { execute: jest.Mock };
  const c = new InboundQueueConsumer(
    {} as AmqpSession,
    { topology: { inboundQueue: 'in.pacs.008' } } as never,
    { id: 'mq-client', scopes: ['payments:write'] },
    {} as Iso20022Codec,
    commands,
    tracing,
  );
  const delivery = {
    content: Buffer.from('<Document/>'),
    properties: { messageId: '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e', headers },
    ack: jest.fn(),
    nack: jest.fn(),
  } as unknown as AmqpDelivery & { ack: jest.Mock; nack: jest.Mock };
  return { c, commands, delivery };
}

describe('InboundQueueConsumer: a delivery’s log context and trace', () => {
  const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
  const exporter = new InMemorySpanExporter();
  const tracing = Tracing.start({ endpoint: null, serviceName: 'test', headers: {}, scheduleDelayMs: 10 }, exporter);
  const finished = async () => {
    await (tracing as unknown as { provider: { forceFlush(): Promise<void> } }).provider.forceFlush();
    return exporter.getFinishedSpans();
  };
  beforeEach(() => exporter.reset());
  afterAll(() => tracing.shutdown());

  it('submits in a log context naming the delivery and the channel', async () => {
    let seen: LogFields | undefined;
    const { c, delivery } = consumer(async () => ((seen = { ...currentLogContext() }), ACCEPTED));
    await c.handle(delivery);
    expect(seen).toEqual({ deliveryId: '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e', channel: 'mq' });
    expect(currentLogContext()).toBeUndefined();
  });

  it('tracing on: submits in a CONSUMER span that is a child of the message’s traceparent header', async () => {
    let inside: string | undefined;
    const { c, delivery } = consumer(async () => ((inside = tracing.currentTraceparent()), ACCEPTED), tracing, {
      traceparent: Buffer.from(`00-${TRACE_ID}-00f067aa0ba902b7-01`),
    });
    await c.handle(delivery);
    const [span] = await finished();
    expect(span).toMatchObject({ name: 'mq receive in.pacs.008', kind: SpanKind.CONSUMER });
    expect(span!.spanContext().traceId).toBe(TRACE_ID);
    expect(span!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span!.attributes).toMatchObject({
      'messaging.destination.name': 'in.pacs.008',
      'clearway.delivery_id': '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e',
      'clearway.transaction_id': '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e',
      'clearway.mq.outcome': 'accepted',
    });
    // What the submission writes (its jobs) carries the span as parent.
    expect(inside).toBe(`00-${TRACE_ID}-${span!.spanContext().spanId}-01`);
    expect(delivery.ack).toHaveBeenCalledTimes(1);
  });

  it('tracing on: an invalid traceparent header is ignored (a new trace starts)', async () => {
    const { c, delivery } = consumer(async () => ACCEPTED, tracing, { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` });
    await c.handle(delivery);
    const [span] = await finished();
    expect(span!.parentSpanContext).toBeUndefined();
    expect(span!.spanContext().traceId).not.toBe('0'.repeat(32));
  });

  it('tracing on: a delivery that could not be stored is an error span and goes back to the queue', async () => {
    const { c, delivery } = consumer(async () => {
      throw new Error('database is locked');
    }, tracing);
    await c.handle(delivery);
    const [span] = await finished();
    expect(span!.status).toMatchObject({ code: 2, message: 'database is locked' });
    expect(delivery.nack).toHaveBeenCalledWith(true);
  });
});

describe('InboundQueueConsumer under admission control', () => {
  const refused = () => new AdmissionRefusedError({ code: 'ADMISSION.OVERLOADED', retryAfterSeconds: 1, detail: 'busy' });

  it('holds a refused message, tries again after Retry-After, and acks it once stored (nothing dead-lettered)', async () => {
    let calls = 0;
    const { c, commands, delivery } = consumer(async () => {
      if (++calls === 1) throw refused();
      return ACCEPTED;
    });
    const started = Date.now();
    await c.handle(delivery);
    expect(commands.execute).toHaveBeenCalledTimes(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(delivery.ack).toHaveBeenCalledTimes(1);
    expect(delivery.nack).not.toHaveBeenCalled();
  });

  it('gives a held message back to the queue when the process stops', async () => {
    const { c, delivery } = consumer(async () => {
      throw refused();
    });
    const handled = c.handle(delivery);
    await new Promise((r) => setTimeout(r, 100));
    c.onApplicationShutdown();
    await handled;
    expect(delivery.nack).toHaveBeenCalledWith(true);
    expect(delivery.ack).not.toHaveBeenCalled();
  });
});
