// SPDX-License-Identifier: Apache-2.0
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { TRANSACTION_REPOSITORY } from '../application.tokens.js';
import type { TransactionPage, TransactionRepository } from '../ports/transaction-repository.port.js';
import { ListTransactionsQuery } from './list-transactions.query.js';

@QueryHandler(ListTransactionsQuery)
export class ListTransactionsHandler implements IQueryHandler<ListTransactionsQuery, TransactionPage> {
  constructor(@Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository) {}

  execute(q: ListTransactionsQuery): Promise<TransactionPage> {
    return this.repository.list({ clientId: q.clientId, ...q.filter });
  }
}
