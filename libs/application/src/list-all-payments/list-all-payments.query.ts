// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { ListAllFilter, TransactionPage } from '../ports/transaction-repository.port.js';

/** Every client's transactions, filtered and paged (operator scope: the export across clients, ADR 0019). */
export class ListAllPaymentsQuery extends Query<TransactionPage> {
  constructor(readonly filter: ListAllFilter) {
    super();
  }
}
