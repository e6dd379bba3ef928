// SPDX-License-Identifier: Apache-2.0
/** A list cursor that this store did not produce (or that was tampered with). */
export class InvalidCursorError extends Error {
  readonly code = 'PAGINATION.INVALID_CURSOR';
  constructor() {
    super('invalid pagination cursor');
    this.name = 'InvalidCursorError';
  }
}

/** Thrown by `create` when a payment with the same id is stored already (ids must be unique). */
export class TransactionIdTakenError extends Error {
  readonly code = 'STORE.TRANSACTION_ID_TAKEN';
  constructor(readonly transactionId: string) {
    super(`a transaction with id ${transactionId} exists already`);
    this.name = 'TransactionIdTakenError';
  }
}

/** A required AWS setting is missing or invalid; the message names it. */
export class AwsConfigError extends Error {
  readonly code = 'CONFIG.AWS_SETTING';
  constructor(message: string) {
    super(message);
    this.name = 'AwsConfigError';
  }
}
