// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';

/** An outgoing message (report, answer, request to the host) to be stored with a state of its transaction. */
export interface OutgoingMessage {
  messageType: string;
  /** Where it goes: `gateway` (the consumer's outbox), `host:<name>`. */
  channel: string;
  body: string;
}

/** Hex SHA-256 of a message's UTF-8 bytes: how a transaction refers to the exact message it owns. */
export function messageDigest(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}
