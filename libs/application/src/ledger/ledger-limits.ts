// SPDX-License-Identifier: Apache-2.0
import { LedgerError } from '../ports/ledger.port.js';

/**
 * The largest balance the core-mode ledger keeps, in minor units: 2^63-1, the range of SQLite's INTEGER (a
 * larger value would silently turn into a REAL, i.e. a float). Every store enforces the same limit, even one
 * that could hold more (DynamoDB numbers have 38 digits), so an opening, an adjustment or a settlement is
 * refused or accepted alike whichever adapter runs. 92,233,720,368,547,758.07 in a 2-decimal currency.
 */
export const MAX_LEDGER_BALANCE = 2n ** 63n - 1n;

/** Whether `balance` (minor units) is one the ledger can keep (the upper bound only; below 0 is another rule). */
export function withinLedgerLimit(balance: bigint): boolean {
  return balance <= MAX_LEDGER_BALANCE;
}

/**
 * The refusal for `account` reaching `balance` (minor units), or null when the ledger can keep it. Called by
 * the adapters before a posting or an opening balance is written, and by the use cases before they reach them.
 */
export function ledgerLimitError(account: string, balance: bigint): LedgerError | null {
  if (withinLedgerLimit(balance)) return null;
  return new LedgerError(
    'LEDGER.AMOUNT_TOO_LARGE',
    account,
    `ledger account ${account} would hold ${balance} minor units; the ledger keeps at most ${MAX_LEDGER_BALANCE} (2^63-1)`,
  );
}
