// SPDX-License-Identifier: Apache-2.0
/**
 * Admission control: whether a new message may enter the inbox now. Asked once per submission, before the
 * message is parsed, by SubmitPaymentHandler (so the HTTP inbox and the MQ front door share it). In memory and
 * synchronous: what it decides on is sampled in the background. Unbound: everything is admitted.
 */
export const ADMISSION = Symbol('clearway.Admission');

export interface AdmissionRefusal {
  /**
   * `ADMISSION.OVERLOADED`: the gateway holds more work than it can do in time (HTTP 503). `ADMISSION.CLIENT_QUOTA`:
   * this client is over its payments per second (HTTP 429). `REGION.DRAINING` / `REGION.DOWN`: this region takes no
   * new payments (HTTP 503); another region does.
   */
  code: 'ADMISSION.OVERLOADED' | 'ADMISSION.CLIENT_QUOTA' | 'REGION.DRAINING' | 'REGION.DOWN';
  /** When to try again, in whole seconds (>= 1): the `Retry-After` answer. */
  retryAfterSeconds: number;
  detail: string;
}

export interface Admission {
  /** Null: admitted (and counted against the client's quota); else why not, and when to try again. */
  admit(clientId: string): AdmissionRefusal | null;
}

/** Raised by the inbox when admission refuses a message; nothing was read or written. */
export class AdmissionRefusedError extends Error {
  readonly code: AdmissionRefusal['code'];
  readonly retryAfterSeconds: number;
  constructor(refusal: AdmissionRefusal) {
    super(refusal.detail);
    this.name = 'AdmissionRefusedError';
    this.code = refusal.code;
    this.retryAfterSeconds = refusal.retryAfterSeconds;
  }
}
