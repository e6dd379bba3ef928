// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { PaymentStatus } from '#domain';
import type { JobType } from '../ports/work-queue.port.js';

/** A dead-lettered job, with the transaction it belongs to as it stands (operator API). */
export interface DeadLetterView {
  transactionId: string;
  jobType: JobType;
  reason: string;
  attempts: number;
  at: string;
  /** The transaction's owner and status now; null when the transaction is gone (retention). */
  clientId: string | null;
  status: PaymentStatus | null;
}

export interface DeadLetterPage {
  items: DeadLetterView[];
  nextCursor: string | null;
}

/** Every client's dead-lettered jobs, oldest first (operator scope). */
export class ListDeadLettersQuery extends Query<DeadLetterPage> {
  constructor(
    readonly limit: number,
    readonly cursor: string | null = null,
  ) {
    super();
  }
}
