/** What the legacy host answered for one payment. */
export type HostOutcome =
  | { kind: 'settled'; statusReport: string | null }
  | { kind: 'rejected'; reasonCode: string; reasonText: string | null; statusReport: string | null }
  /** The host took it but has no final answer yet. */
  | { kind: 'pending'; statusReport: string | null };

export interface HostDelivery {
  transactionId: string;
  uetr: string | null;
  /** Idempotency key the host sees: the UETR, or the transaction id when the message has no UETR. */
  idempotencyKey: string;
  messageType: string;
  /** The pacs.008 to deliver, as XML. */
  message: string;
}

/** The host could not be reached or did not answer usefully; `retryable` says whether trying again may help. */
export class HostUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'HostUnavailableError';
  }
}

/**
 * Delivers payments downstream (a legacy payment host over HTTP or MQ, or the core-mode settler).
 * Must be idempotent by `idempotencyKey`: delivering the same payment again returns the first outcome.
 */
export interface LegacyHost {
  readonly name: string;
  deliver(delivery: HostDelivery): Promise<HostOutcome>;
  ping(): Promise<void>;
}
