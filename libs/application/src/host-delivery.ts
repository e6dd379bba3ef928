import type { Payment } from '#domain';
import { hostIdempotencyKey } from './host-idempotency.js';
import { ownInboundMessage } from './own-messages.js';
import type { HostOutcome, LegacyHost } from './ports/legacy-host.port.js';
import type { MessageArchive } from './ports/message-archive.port.js';

/**
 * Delivers a payment to the host: exactly the message it was created from (found by its digest), under the
 * payment's host idempotency key, so a re-delivery (a retried job, the SLA's last ask, an investigation whose
 * host had no record) is answered with the host's first outcome. Throws the host's HostUnavailableError.
 */
export async function deliverOwnMessage(host: LegacyHost, archive: MessageArchive, payment: Payment): Promise<HostOutcome> {
  const own = await ownInboundMessage(archive, payment.details);
  if (!own) throw new Error(`transaction ${payment.id} has lost the message it was created from: nothing is released`);
  return host.deliver({
    transactionId: payment.id,
    uetr: payment.details.uetr,
    idempotencyKey: hostIdempotencyKey(payment.details),
    messageType: payment.details.messageType,
    message: own.body,
  });
}

/** Keeps what the host answered (its pacs.002, camt.029, ...) in the archive as an inbound message of the payment. */
export async function archiveHostAnswer(
  deps: { archive: MessageArchive; clock: { now(): Date } },
  transactionId: string,
  answer: { messageType: string; channel: string; body: string | null },
): Promise<void> {
  if (!answer.body) return;
  await deps.archive.put({
    transactionId,
    direction: 'in',
    messageType: answer.messageType,
    channel: answer.channel,
    body: answer.body,
    at: deps.clock.now().toISOString(),
  });
}
