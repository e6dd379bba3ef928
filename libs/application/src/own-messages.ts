// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot } from '#domain';
import type { MessageArchive, StoredMessage } from './ports/message-archive.port.js';
import { messageDigest } from './outgoing-message.js';

/** What identifies the messages a transaction owns. */
export type MessageOwner = Pick<PaymentSnapshot, 'id' | 'messageType' | 'inbound' | 'outbox'> & Partial<Pick<PaymentSnapshot, 'appHeader'>>;

/**
 * The message a transaction was created from: the archived inbound message whose digest the transaction
 * recorded at receipt, never merely the latest one archived under its id. Transactions stored before the
 * digest was recorded fall back to the latest inbound message of their type.
 */
export async function ownInboundMessage(archive: MessageArchive, owner: MessageOwner): Promise<StoredMessage | null> {
  if (!owner.inbound) return archive.latest(owner.id, 'in', owner.messageType);
  const sha256 = owner.inbound.sha256;
  return (await archive.list(owner.id)).find((m) => m.direction === 'in' && messageDigest(m.body) === sha256) ?? null;
}

/**
 * The outgoing messages the stored transaction committed, oldest first: an outgoing message archived by a
 * step whose write then lost (or by a refused request) is not among them. Transactions stored before the
 * outbox was recorded count every archived outgoing message.
 */
export function committedOutgoing(owner: MessageOwner, archived: StoredMessage[]): StoredMessage[] {
  const out = archived.filter((m) => m.direction === 'out');
  if (!owner.outbox) return out;
  const committed = new Set(owner.outbox.map((o) => `${o.messageType}|${o.sha256}`));
  return out.filter((m) => committed.has(`${m.messageType}|${messageDigest(m.body)}`));
}
