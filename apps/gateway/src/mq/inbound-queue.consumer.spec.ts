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
