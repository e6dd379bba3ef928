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
