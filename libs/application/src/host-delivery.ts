// SPDX-License-Identifier: Apache-2.0
import type { Payment } from '#domain';
import { hostIdempotencyKey } from './host-idempotency.js';
import { ownInboundMessage } from './own-messages.js';
import { HostUnavailableError, type HostOutcome, type LegacyHost } from './ports/legacy-host.port.js';
import type { ConnectorSet } from './routing/connector-set.js';
import type { MessageArchive } from './ports/message-archive.port.js';

/**
 * Delivers a payment to the host: exactly the message it was created from (found by its digest), under the
 * payment's host idempotency key, so a re-delivery (a retried job, the SLA's last ask, an investigation whose
 * host had no record) is answered with the host's first outcome. Throws the host's HostUnavailableError.
 */
export async function deliverOwnMessage(
  host: LegacyHost,
  archive: MessageArchive,
  payment: Payment,
  connectors: ConnectorSet | null = null,
): Promise<HostOutcome> {
  const own = await ownInboundMessage(archive, payment.details);
  if (!own) throw new Error(`transaction ${payment.id} has lost the message it was created from: nothing is released`);
  // A routed payment goes in the generation its connector takes (the same conversion as its first delivery).
  const connector = connectors ? payment.details.route?.connector : null;
  const prepared = connector
    ? connectors!.prepare(connector, own.body, payment.details.messageType)
    : ({ ok: true, message: own.body, messageType: payment.details.messageType } as const);
  if (!prepared.ok) throw new HostUnavailableError(`${connector} cannot take the payment's message: ${prepared.reason}`, false, true);
  return host.deliver({
    transactionId: payment.id,
    uetr: payment.details.uetr,
    idempotencyKey: hostIdempotencyKey(payment.details),
    messageType: prepared.messageType,
    message: prepared.message,
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
