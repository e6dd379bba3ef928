// SPDX-License-Identifier: Apache-2.0
import type { OutgoingStatusMessage, StatusPublisher } from '#application';
import { AmqpHeader } from './amqp-legacy-host.adapter.js';
import type { AmqpSession } from './amqp-session.js';

/** Header naming the payment status an outgoing message reports. */
export const STATUS_HEADER = 'x-status';

/**
 * Publishes outgoing status messages to the outbound queue: persistent, confirmed by the broker, with the
 * transaction id, UETR, status and message type in headers and `message-id` = `<transactionId>:<status>`,
 * so a consumer can drop the rare duplicate (a job redelivered after the confirm but before its ack).
 */
export class AmqpStatusPublisher implements StatusPublisher {
  constructor(
    private readonly session: AmqpSession,
    private readonly outboundQueue: string,
    private readonly timeoutMs = 5000,
  ) {}

  async publish(m: OutgoingStatusMessage): Promise<void> {
    const headers: Record<string, string> = {
      [AmqpHeader.MESSAGE_TYPE]: m.messageType,
      [AmqpHeader.TRANSACTION_ID]: m.transactionId,
      [STATUS_HEADER]: m.status,
      'x-client-id': m.clientId,
    };
    if (m.uetr) headers[AmqpHeader.UETR] = m.uetr;
    await this.session.publish(
      this.outboundQueue,
      Buffer.from(m.body, 'utf8'),
      {
        contentType: 'application/xml',
        contentEncoding: 'utf-8',
        messageId: `${m.transactionId}:${m.status}`,
        type: m.messageType,
        appId: 'clearway',
        timestamp: Math.floor(Date.now() / 1000),
        headers,
      },
      this.timeoutMs,
    );
  }
}
