// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';
import type { LedgerAccount, LedgerChangeOrigin } from '../ports/ledger.port.js';

/** An account to open (or set): its balance as a decimal string in its currency, e.g. `"250.50"` `EUR`. */
export interface LedgerAccountInput {
  id: string;
  balance: string;
  currency: string;
}

/**
 * Opens ledger accounts; `replace: false` leaves existing ones alone (seeding at start), `replace: true` sets
 * their balance (an operator's call; the currency of an account never changes). Returns the accounts as
 * stored afterwards. Throws InvalidValueError naming the bad field, or LedgerError (currency mismatch, or
 * LEDGER.AMOUNT_TOO_LARGE for a balance above 2^63-1 minor units).
 */
export class OpenLedgerAccountsCommand extends Command<LedgerAccount[]> {
  constructor(
    readonly accounts: readonly LedgerAccountInput[],
    readonly replace: boolean,
    /** Who asks (journalled with each opening or adjustment). */
    readonly origin?: LedgerChangeOrigin,
  ) {
    super();
  }
}
