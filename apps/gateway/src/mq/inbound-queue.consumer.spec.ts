import { jest } from '@jest/globals';
import type { CommandBus } from '@nestjs/cqrs';
import type { AmqpDelivery, AmqpSession } from '#adapters/amqp';
import { AdmissionRefusedError, type SubmitPaymentResult } from '#application';
import type { Iso20022Codec } from '#iso20022';
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

describe('InboundQueueConsumer under admission control', () => {
  function consumer(execute: () => Promise<SubmitPaymentResult>) {
    const commands = { execute: jest.fn(execute) } as unknown as CommandBus & { execute: jest.Mock };
    const c = new InboundQueueConsumer(
      {} as AmqpSession,
      {} as never,
      { id: 'mq-client', scopes: ['payments:write'] },
      {} as Iso20022Codec,
      commands,
    );
    const delivery = {
      content: Buffer.from('<Document/>'),
      properties: { messageId: '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e', headers: {} },
      ack: jest.fn(),
      nack: jest.fn(),
    } as unknown as AmqpDelivery & { ack: jest.Mock; nack: jest.Mock };
    return { c, commands, delivery };
  }
  const refused = () => new AdmissionRefusedError({ code: 'ADMISSION.OVERLOADED', retryAfterSeconds: 1, detail: 'busy' });

  it('holds a refused message, tries again after Retry-After, and acks it once stored (nothing dead-lettered)', async () => {
    let calls = 0;
    const { c, commands, delivery } = consumer(async () => {
      if (++calls === 1) throw refused();
      return {
        kind: 'accepted',
        transactionId: 't',
        status: 'RCVD',
        messageType: 'pacs.008.001.08',
        replayed: false,
      } as SubmitPaymentResult;
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
