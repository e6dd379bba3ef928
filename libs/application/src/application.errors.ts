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
