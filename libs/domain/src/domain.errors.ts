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
  ) {
    super('DOMAIN.INVALID_VALUE', `${field}: ${message}`);
    this.name = 'InvalidValueError';
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
