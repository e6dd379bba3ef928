// SPDX-License-Identifier: Apache-2.0
export type ArchiveDirection = 'in' | 'out';

export interface ArchivedMessage {
  transactionId: string;
  direction: ArchiveDirection;
  /** ISO 20022 message id, e.g. `pacs.008.001.08`, `pacs.002.001.10`. */
  messageType: string;
  /** Where it came from or went: `api`, `host`, `gateway`. */
  channel: string;
  body: string;
  at: string;
}

export interface StoredMessage extends ArchivedMessage {
  /** Order within the transaction, 1-based. */
  seq: number;
}

/** Keeps every raw inbound and outbound message, immutable, by transaction. */
export interface MessageArchive {
  /**
   * Appends a message. Idempotent on (transactionId, direction, messageType, body): archiving the same
   * message twice (a retried step) keeps one copy and returns its seq.
   */
  put(message: ArchivedMessage): Promise<number>;
  list(transactionId: string): Promise<StoredMessage[]>;
  /** The latest message of a direction, optionally of a message-id prefix (`pacs.002`). */
  latest(transactionId: string, direction: ArchiveDirection, typePrefix?: string): Promise<StoredMessage | null>;
  ping(): Promise<void>;
}
