// SPDX-License-Identifier: Apache-2.0
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { pageSize } from '../operator-page.js';
import type { TransactionPage, TransactionRepository } from '../ports/transaction-repository.port.js';
import { ListAllPaymentsQuery } from './list-all-payments.query.js';

/**
 * Every client's transactions for the operator, one page at a time. The page size is clamped to the operator
 * lists' bound (1..MAX_OPERATOR_PAGE); a range that ends before it starts is empty without asking the store.
 */
@QueryHandler(ListAllPaymentsQuery)
export class ListAllPaymentsHandler implements IQueryHandler<ListAllPaymentsQuery, TransactionPage> {
  constructor(@Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository) {}

  async execute(q: ListAllPaymentsQuery): Promise<TransactionPage> {
    const { from, to } = q.filter;
    if (from && to && from.getTime() >= to.getTime()) return { items: [], nextCursor: null };
    return this.repository.listAll({ ...q.filter, limit: pageSize(q.filter.limit) });
  }
}
