// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { PaymentStatus } from '#domain';
import type { TransactionPage } from '../ports/transaction-repository.port.js';

export class ListTransactionsQuery extends Query<TransactionPage> {
  constructor(
    readonly clientId: string,
    readonly filter: { status?: PaymentStatus; from?: Date; to?: Date; limit: number; cursor?: string | null },
  ) {
    super();
  }
}
