// SPDX-License-Identifier: Apache-2.0
/** A rule of the domain was broken. `code` is stable and namespaced; adapters map it to HTTP/MQ answers. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class InvalidValueError extends DomainError {
  constructor(
    readonly field: string,
    message: string,
    code = 'DOMAIN.INVALID_VALUE',
  ) {
    super(code, `${field}: ${message}`);
    this.name = 'InvalidValueError';
  }
}

/** Why a decimal string is not an amount (see DecimalAmount.parse and Money.parse). */
export type AmountProblem = 'not-a-decimal' | 'negative' | 'too-many-digits' | 'too-many-decimals';

/**
 * A decimal string is not an ISO 20022 amount, or not an amount of its currency. Code `PAYMENT.AMOUNT_INVALID`:
 * the inbox answers it 422. Still an InvalidValueError (field `amount`) for callers that catch those.
 */
export class InvalidAmountError extends InvalidValueError {
  constructor(
    readonly problem: AmountProblem,
    message: string,
  ) {
    super('amount', message, 'PAYMENT.AMOUNT_INVALID');
    this.name = 'InvalidAmountError';
  }
}

export class IllegalTransitionError extends DomainError {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super('PAYMENT.ILLEGAL_TRANSITION', `a payment in status ${from} cannot move to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}
