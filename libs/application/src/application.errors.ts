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
