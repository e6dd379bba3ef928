// SPDX-License-Identifier: Apache-2.0
/** Raised when a conditional write lost against a concurrent writer; the job is simply retried. */
export class ConcurrentUpdateError extends Error {
  readonly code = 'PAYMENT.CONCURRENT_UPDATE';
  constructor(readonly transactionId: string) {
    super(`transaction ${transactionId} was changed concurrently`);
    this.name = 'ConcurrentUpdateError';
  }
}

export class TransactionNotFoundError extends Error {
  readonly code = 'TRANSACTION.NOT_FOUND';
  constructor(readonly transactionId: string) {
    super(`transaction ${transactionId} not found`);
    this.name = 'TransactionNotFoundError';
  }
}

/** The core-mode ledger is not on (MODE=proxy, or MODE=core without LEDGER_OPENING_BALANCES / LEDGER_ENABLED). */
export class LedgerNotEnabledError extends Error {
  readonly code = 'LEDGER.NOT_ENABLED';
  constructor() {
    super('the ledger is not enabled: it runs in MODE=core with LEDGER_OPENING_BALANCES or LEDGER_ENABLED=true');
    this.name = 'LedgerNotEnabledError';
  }
}

/**
 * A step cannot run yet because something it depends on gives no answer (e.g. sanctions screening under
 * SCREENING_FAILURE=closed). Its job is retried with backoff for as long as the payment waits, not only
 * JOB_MAX_ATTEMPTS times: the SLA sweeper is what ends the wait (AB05).
 */
export class WaitingForDependencyError extends Error {
  readonly code: string = 'PAYMENT.WAITING_FOR_DEPENDENCY';
  constructor(
    readonly transactionId: string,
    message: string,
  ) {
    super(message);
    this.name = 'WaitingForDependencyError';
  }
}
