// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { LedgerAccount } from '../ports/ledger.port.js';

/** One account of the core-mode ledger, or null. */
export class GetLedgerAccountQuery extends Query<LedgerAccount | null> {
  constructor(readonly accountId: string) {
    super();
  }
}

/** All accounts of the core-mode ledger, by id. */
export class ListLedgerAccountsQuery extends Query<LedgerAccount[]> {}
