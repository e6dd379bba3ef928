// SPDX-License-Identifier: Apache-2.0
/**
 * ISO 20022 ExternalPaymentTransactionStatus1Code values a payment moves through.
 * RCVD -> ACTC -> ACSP -> ACSC, with PDNG (waiting) and the terminal RJCT/CANC on the way.
 */
export const PaymentStatus = {
  RCVD: 'RCVD',
  ACTC: 'ACTC',
  PDNG: 'PDNG',
  ACSP: 'ACSP',
  ACSC: 'ACSC',
  RJCT: 'RJCT',
  CANC: 'CANC',
} as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];

export const TERMINAL_STATUSES: readonly PaymentStatus[] = ['ACSC', 'RJCT', 'CANC'];
export const NON_TERMINAL_STATUSES: readonly PaymentStatus[] = ['RCVD', 'ACTC', 'PDNG', 'ACSP'];

const ALLOWED: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  RCVD: ['ACTC', 'PDNG', 'RJCT', 'CANC'],
  ACTC: ['ACSP', 'PDNG', 'RJCT', 'CANC'],
  PDNG: ['ACTC', 'ACSP', 'ACSC', 'RJCT', 'CANC'],
  // ACSP/ACSC -> CANC: the host accepted a cancellation request (camt.056 answered by a camt.029 CNCL).
  ACSP: ['ACSC', 'PDNG', 'RJCT', 'CANC'],
  ACSC: ['CANC'],
  RJCT: [],
  CANC: [],
};

export function isTerminal(status: PaymentStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function isPaymentStatus(value: string): value is PaymentStatus {
  return Object.hasOwn(PaymentStatus, value);
}

/** ISO 20022 ExternalStatusReason1Code values the gateway itself assigns. */
export const ReasonCode = {
  FORMAT: 'FF01',
  CLOSED_ACCOUNT: 'AC04',
  INSUFFICIENT_FUNDS: 'AM04',
  TIMEOUT_CREDITOR_AGENT: 'AB05',
  TIMEOUT_INSTRUCTED_AGENT: 'AB06',
  DUPLICATE: 'DUPL',
  NARRATIVE: 'NARR',
  INVALID_AMOUNT: 'AM12',
  ZERO_AMOUNT: 'AM01',
  /** Amount above the allowed maximum (MAX_AMOUNT). */
  NOT_ALLOWED_AMOUNT: 'AM02',
  INVALID_CURRENCY: 'AM03',
  INVALID_CREDITOR_ACCOUNT: 'AC03',
  INVALID_DEBTOR_ACCOUNT: 'AC02',
  INVALID_BIC: 'RC01',
  /** Regulatory reason: a denied creditor country, a sanctions-screening hit. */
  REGULATORY: 'RR04',
  /** The creditor's name or address needed for regulatory checks is missing (e.g. no creditor country). */
  MISSING_CREDITOR_ADDRESS: 'RR03',
} as const;
