// SPDX-License-Identifier: Apache-2.0
/** One outgoing status message (a pacs.002 ...) of a transaction, as it lies in the transaction's outbox. */
export interface OutgoingStatusMessage {
  transactionId: string;
  /** The API client the transaction belongs to. */
  clientId: string;
  uetr: string | null;
  /** The payment status the message reports (`ACSC`, `RJCT`, ...). */
  status: string;
  /** ISO 20022 message id, e.g. `pacs.002.001.10`. */
  messageType: string;
  body: string;
}

/**
 * Publishes outgoing status messages to an outbound channel (a message queue) besides the outbox the REST
 * API serves. Publishing is at-least-once: the same message (same body, same MsgId) may be published twice.
 */
export interface StatusPublisher {
  publish(message: OutgoingStatusMessage): Promise<void>;
}
