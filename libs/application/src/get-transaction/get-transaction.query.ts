// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { PaymentSnapshot } from '#domain';

/** A client's own transaction, or null (also when it belongs to another client). */
export class GetTransactionQuery extends Query<PaymentSnapshot | null> {
  constructor(
    readonly clientId: string,
    readonly transactionId: string,
  ) {
    super();
  }
}
