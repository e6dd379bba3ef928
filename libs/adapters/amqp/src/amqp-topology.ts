// SPDX-License-Identifier: Apache-2.0
import type { Channel } from 'amqplib';

/**
 * The queue topology Clearway uses on RabbitMQ (docs/amqp-topology.md describes it for a bank's MQ team).
 * Every work queue is a durable quorum queue that dead-letters to `deadLetterExchange` with the routing key
 * `<queue>.dlq`, where a durable quorum queue of that name is bound; `x-delivery-limit` sends a message that
 * keeps failing (a poison message) there instead of redelivering it for ever.
 */
export interface AmqpTopologyNames {
  /** pacs.008 / camt.056 / pacs.004 to the legacy host. Default `clearway.host.requests`. */
  requestQueue: string;
  /** The host's answers (pacs.002 / camt.029), matched by correlation id. Default `clearway.host.replies`. */
  replyQueue: string;
  /** The front door: ISO 20022 messages for Clearway. Default `inbox.pacs.008`. */
  inboundQueue: string;
  /** Every outgoing status message (pacs.002 ...). Default `outbox.pacs.002`. */
  outboundQueue: string;
  /** Direct exchange of the dead-letter queues. Default `clearway.dlx`. */
  deadLetterExchange: string;
}

export const DEFAULT_TOPOLOGY: Readonly<AmqpTopologyNames> = Object.freeze({
  requestQueue: 'clearway.host.requests',
  replyQueue: 'clearway.host.replies',
  inboundQueue: 'inbox.pacs.008',
  outboundQueue: 'outbox.pacs.002',
  deadLetterExchange: 'clearway.dlx',
});

/** Deliveries of one message before the broker dead-letters it (quorum queues count redeliveries). */
export const DELIVERY_LIMIT = 20;

/** The dead-letter queue of a queue. */
export function deadLetterQueueOf(queue: string): string {
  return `${queue}.dlq`;
}

/** The arguments of a work queue; declaring a queue again with other arguments fails, so they are fixed here. */
export function workQueueArguments(queue: string, deadLetterExchange: string): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-dead-letter-exchange': deadLetterExchange,
    'x-dead-letter-routing-key': deadLetterQueueOf(queue),
    'x-delivery-limit': DELIVERY_LIMIT,
  };
}

export const DEAD_LETTER_QUEUE_ARGUMENTS: Readonly<Record<string, unknown>> = Object.freeze({ 'x-queue-type': 'quorum' });

/** Declares (idempotently) the dead-letter exchange and the given work queues with their dead-letter queues. */
export async function declareQueues(channel: Channel, deadLetterExchange: string, queues: readonly string[]): Promise<void> {
  await channel.assertExchange(deadLetterExchange, 'direct', { durable: true });
  for (const queue of new Set(queues)) {
    const dlq = deadLetterQueueOf(queue);
    await channel.assertQueue(dlq, { durable: true, arguments: { ...DEAD_LETTER_QUEUE_ARGUMENTS } });
    await channel.bindQueue(dlq, deadLetterExchange, dlq);
    await channel.assertQueue(queue, { durable: true, arguments: workQueueArguments(queue, deadLetterExchange) });
  }
}

/** Reads queue names from the environment (AMQP_REQUEST_QUEUE, AMQP_REPLY_QUEUE, INBOUND_QUEUE, OUTBOUND_QUEUE, AMQP_DLX). */
export function topologyFromEnv(env: Record<string, string | undefined>): AmqpTopologyNames {
  const pick = (name: string, fallback: string): string => {
    const v = env[name]?.trim();
    if (!v) return fallback;
    if (v.length > 200 || !/^[A-Za-z0-9._:-]+$/.test(v)) {
      throw new Error(`${name} must be 1-200 characters of A-Z a-z 0-9 . _ : -, got "${v}"`);
    }
    return v;
  };
  return {
    requestQueue: pick('AMQP_REQUEST_QUEUE', DEFAULT_TOPOLOGY.requestQueue),
    replyQueue: pick('AMQP_REPLY_QUEUE', DEFAULT_TOPOLOGY.replyQueue),
    inboundQueue: pick('INBOUND_QUEUE', DEFAULT_TOPOLOGY.inboundQueue),
    outboundQueue: pick('OUTBOUND_QUEUE', DEFAULT_TOPOLOGY.outboundQueue),
    deadLetterExchange: pick('AMQP_DLX', DEFAULT_TOPOLOGY.deadLetterExchange),
  };
}
