// SPDX-License-Identifier: Apache-2.0
/** What the legacy host answered for one payment. */
export type HostOutcome =
  | { kind: 'settled'; statusReport: string | null }
  | { kind: 'rejected'; reasonCode: string; reasonText: string | null; statusReport: string | null }
  /** The host took it but has no final answer yet. */
  | { kind: 'pending'; statusReport: string | null };

/**
 * What the host answered to a status request (pacs.028) about a payment: the payment's outcome as the host
 * has it (`settled`, `rejected`, `pending`, read from its pacs.002 about the original payment), or `unknown`:
 * the host has no record of the payment (its pacs.002 is RJCT with reason `NOOR`, "no original transaction
 * received"). `unknown` is the host's definitive word that it never took the payment; it is never a rejection of
 * the payment. Not getting an answer is not an outcome: the call throws HostUnavailableError.
 */
export type HostStatusOutcome =
  HostOutcome | { kind: 'unknown'; reasonCode: string; reasonText: string | null; statusReport: string | null };

/**
 * The idempotency key of the `n`-th status request about a payment (n = 1, 2, ...): `<UETR or transaction
 * id>:status:<n>`. Each inquiry gets its own key: the answer may change between inquiries (pending, then
 * settled), so a host must not replay an older inquiry's answer; a retry of one inquiry keeps its key.
 */
export function statusRequestKey(paymentKey: string, n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`status request number must be 1 or more, got ${n}`);
  return `${paymentKey}:status:${n}`;
}

/**
 * One message for the host: a pacs.008 (deliver), a camt.056 (requestCancellation), a pacs.004 (deliverReturn)
 * or a pacs.028 (requestStatus).
 */
export interface HostMessage {
  transactionId: string;
  uetr: string | null;
  /**
   * Idempotency key the host sees. For a pacs.008: the UETR, or the transaction id when the message has
   * no UETR. For a camt.056 / pacs.004: the UETR (or transaction id) suffixed with `:cancel` / `:return`.
   * For a pacs.028: `statusRequestKey(UETR or transaction id, n)`.
   */
  idempotencyKey: string;
  /** ISO 20022 message id of `message`, e.g. `pacs.008.001.08`, `camt.056.001.08`, `pacs.004.001.09`, `pacs.028.001.03`. */
  messageType: string;
  /** The message to send, as XML (a `Document`, optionally wrapped with an AppHdr). */
  message: string;
}

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

/** The four calls of a LegacyHost, as metrics name them. */
export type HostOperation = 'deliver' | 'cancel' | 'return' | 'status';

/**
 * One call to the host as its adapter saw it, for metrics: the answer's `kind` (settled, rejected, pending,
 * unknown, cancelled, refused, accepted), `timeout` when the call ended because no answer came in time, or
 * `error` when it failed otherwise; `seconds` covers every attempt of the call.
 */
export interface HostCallRecord {
  operation: HostOperation;
  outcome: string;
  seconds: number;
}

/**
 * The host could not be reached or did not answer usefully; `retryable` says whether trying again may help.
 * `nothingSent` is true only when the adapter knows the message never left (every attempt failed before a
 * connection was made: connection refused, unknown host). Only then may a routed payment move to another
 * connector; any other failure may have delivered it (a timeout, a lost answer, an error status).
 */
export class HostUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly nothingSent = false,
  ) {
    super(message);
    this.name = 'HostUnavailableError';
  }
}

/**
 * Wraps one call to the host in a trace span (the composition root's tracing, when it is on; adapters take it as
 * an option and call the host directly without it). `call` gets the headers that carry the span's context to the
 * host (W3C `traceparent`, and `tracestate` when there is one) and adds them to what it sends.
 */
export type HostCallTracer = <T>(
  name: string,
  attributes: Readonly<Record<string, string>>,
  call: (traceHeaders: Readonly<Record<string, string>>) => Promise<T>,
) => Promise<T>;

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
  /**
   * Sends a pacs.028 asking for the status of a payment delivered before (its outcome is unknown: the answer
   * to `deliver` was late or lost), over the same transport; the host's pacs.002 about the original payment
   * decides. Naturally idempotent (it changes nothing at the host). Throws HostUnavailableError when the host
   * does not answer usefully (no answer in time, an answer about another payment, ...).
   */
  requestStatus(request: HostMessage): Promise<HostStatusOutcome>;
  ping(): Promise<void>;
}
