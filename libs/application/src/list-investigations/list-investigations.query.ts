// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { PaymentSnapshot } from '#domain';

/** A client's payments whose outcome at the host is unknown (under investigation), oldest first, and how many. */
export interface InvestigationList {
  count: number;
  /** False when more payments wait than one look reads (`count` is then a lower bound). */
  complete: boolean;
  items: PaymentSnapshot[];
}

export class ListInvestigationsQuery extends Query<InvestigationList> {
  constructor(
    readonly clientId: string,
    readonly limit: number,
  ) {
    super();
  }
}

/** Every client's payments whose outcome at the host is unknown, oldest update first (operator scope). */
export class ListAllInvestigationsQuery extends Query<InvestigationList & { nextCursor: string | null }> {
  constructor(
    readonly limit: number,
    readonly cursor: string | null = null,
  ) {
    super();
  }
}
