// SPDX-License-Identifier: Apache-2.0
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { PaymentSnapshot } from '#domain';
import { TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { referenceLimit, type TransactionRepository } from '../ports/transaction-repository.port.js';
import { FindByReferenceQuery } from './find-by-reference.query.js';

@QueryHandler(FindByReferenceQuery)
export class FindByReferenceHandler implements IQueryHandler<FindByReferenceQuery, PaymentSnapshot[]> {
  constructor(@Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository) {}

  async execute(q: FindByReferenceQuery): Promise<PaymentSnapshot[]> {
    const ref = q.reference;
    const value = 'uetr' in ref ? ref.uetr : 'msgId' in ref ? ref.msgId : ref.endToEndId;
    if (value.trim() === '') return [];
    return this.repository.findByReference(ref, referenceLimit(q.limit));
  }
}
