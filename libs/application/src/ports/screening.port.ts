// SPDX-License-Identifier: Apache-2.0
/** A party as the screening service sees it. */
export interface ScreeningParty {
  name: string | null;
  /** ISO 3166 alpha-2, when known. */
  country: string | null;
  /** BIC of the party's agent, when the agent is identified by one. */
  bic: string | null;
}

/** What is sent to a sanctions-screening service for one payment. */
export interface ScreeningRequest {
  transactionId: string;
  uetr: string | null;
  endToEndId: string;
  /** The interbank settlement amount as its canonical decimal string, e.g. "1250.00" (never a float). */
  amount: string;
  currency: string;
  debtor: ScreeningParty;
  creditor: ScreeningParty;
}

/** The service's verdict. A hit carries the service's case or alert reference for the reason text. */
export type ScreeningResult = { kind: 'clear'; reference: string | null } | { kind: 'hit'; reference: string | null; text: string | null };

/**
 * The service could not give a verdict: unreachable, timed out, or answered something unusable.
 * The screening rule applies the configured policy (fail open or fail closed).
 */
export class ScreeningUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScreeningUnavailableError';
  }
}

/**
 * Wraps one call to the screening service in a trace span (the composition root's tracing, when it is on;
 * adapters take it as an option and call the service directly without it). `call` gets the headers that carry
 * the span's context (W3C `traceparent`, and `tracestate` when there is one) and adds them to what it sends.
 * The same shape as the host's HostCallTracer.
 */
export type ScreeningCallTracer = <T>(
  name: string,
  attributes: Readonly<Record<string, string>>,
  call: (traceHeaders: Readonly<Record<string, string>>) => Promise<T>,
) => Promise<T>;

/** A sanctions / watch-list screening service. `screen` has no side effects: asking twice is safe. */
export interface ScreeningService {
  readonly name: string;
  /** Resolves with a verdict, or rejects with ScreeningUnavailableError when it cannot give one. */
  screen(request: ScreeningRequest): Promise<ScreeningResult>;
}
