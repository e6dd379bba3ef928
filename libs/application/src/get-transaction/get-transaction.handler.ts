// SPDX-License-Identifier: Apache-2.0
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { PaymentSnapshot } from '#domain';
import { TRANSACTION_REPOSITORY } from '../application.tokens.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import { GetTransactionQuery } from './get-transaction.query.js';

@QueryHandler(GetTransactionQuery)
export class GetTransactionHandler implements IQueryHandler<GetTransactionQuery, PaymentSnapshot | null> {
  constructor(@Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository) {}

  async execute(q: GetTransactionQuery): Promise<PaymentSnapshot | null> {
    const p = await this.repository.get(q.transactionId);
    return p && p.clientId === q.clientId ? p : null;
  }
}
