// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { PaymentSnapshot } from '#domain';
import type { ReferenceLookup } from '../ports/transaction-repository.port.js';

/** Every client's transactions carrying a UETR, MsgId or EndToEndId, oldest first (operator scope). */
export class FindByReferenceQuery extends Query<PaymentSnapshot[]> {
  constructor(
    readonly reference: ReferenceLookup,
    readonly limit: number,
  ) {
    super();
  }
}
