/** What the legacy host answered for one payment. */
export type HostOutcome =
  | { kind: 'settled'; statusReport: string | null }
  | { kind: 'rejected'; reasonCode: string; reasonText: string | null; statusReport: string | null }
  /** The host took it but has no final answer yet. */
  | { kind: 'pending'; statusReport: string | null };

/** One message for the host: a pacs.008 (deliver), a camt.056 (requestCancellation) or a pacs.004 (deliverReturn). */
export interface HostMessage {
  transactionId: string;
  uetr: string | null;
  /**
   * Idempotency key the host sees. For a pacs.008: the UETR, or the transaction id when the message has
   * no UETR. For a camt.056 / pacs.004: the UETR (or transaction id) suffixed with `:cancel` / `:return`.
   */
  idempotencyKey: string;
  /** ISO 20022 message id of `message`, e.g. `pacs.008.001.08`, `camt.056.001.08`, `pacs.004.001.09`. */
  messageType: string;
  /** The message to send, as XML (a `Document`, optionally wrapped with an AppHdr). */
  message: string;
}

/** @deprecated name kept for the pacs.008 path; same shape as HostMessage. */
export type HostDelivery = HostMessage;

/** What the host answered to a cancellation request (camt.056), read from its camt.029. */
export type CancellationOutcome =
  /** camt.029 with CNCL: the payment is cancelled at the host. */
  | { kind: 'cancelled'; resolution: string | null }
  /** camt.029 with RJCR: the host refuses; the payment stands. */
  | { kind: 'refused'; reasonCode: string | null; reasonText: string | null; resolution: string | null }
  /** The host took the request but has not decided (PDCR, or no answer in time). */
  | { kind: 'pending'; resolution: string | null };

/** What the host answered to a return (pacs.004). */
export type ReturnOutcome =
  | { kind: 'accepted'; statusReport: string | null }
  | { kind: 'rejected'; reasonCode: string; reasonText: string | null; statusReport: string | null }
  | { kind: 'pending'; statusReport: string | null };

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
 * Every call must be idempotent by `idempotencyKey`: sending the same message again returns the first outcome.
 */
export interface LegacyHost {
  readonly name: string;
  /** Sends a pacs.008; the host's pacs.002 decides. */
  deliver(delivery: HostMessage): Promise<HostOutcome>;
  /** Sends a camt.056 for a payment the host already has; the host's camt.029 decides. */
  requestCancellation(request: HostMessage): Promise<CancellationOutcome>;
  /** Sends a pacs.004 returning a settled payment. */
  deliverReturn(request: HostMessage): Promise<ReturnOutcome>;
  ping(): Promise<void>;
}
