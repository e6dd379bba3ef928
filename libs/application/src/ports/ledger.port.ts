// SPDX-License-Identifier: Apache-2.0
/**
 * The core-mode ledger: accounts the gateway keeps itself when it settles payments (MODE=core).
 * Balances are integers in minor units of the account's currency (never floats).
 */
export interface LedgerAccount {
  /** Account id as it appears in payments: the IBAN, or the `Othr/Id`. */
  id: string;
  currency: string;
  /** Minor units (cents for EUR, none for JPY). */
  balance: bigint;
  updatedAt: string;
  /** The last opening or operator adjustment of the account, with who made it; absent where unknown. */
  lastChange?: LedgerAccountChange | null;
}

/** Who opens an account or sets its balance: the authenticated API client, and the request it came with. */
export interface LedgerChangeOrigin {
  clientId: string;
  requestId: string | null;
}

/** An opening or adjustment as journalled: `by` is the API client (null: LEDGER_OPENING_BALANCES at start). */
export interface LedgerAccountChange {
  kind: 'opening' | 'adjustment';
  by: string | null;
  requestId: string | null;
  at: string;
}

/** One leg of a settlement: `delta` is negative for the debit, positive for the credit. */
export interface Posting {
  account: string;
  currency: string;
  delta: bigint;
}

export type LedgerErrorCode =
  | 'LEDGER.INSUFFICIENT_FUNDS'
  | 'LEDGER.UNKNOWN_ACCOUNT'
  | 'LEDGER.CURRENCY_MISMATCH'
  /** A balance (opening, adjustment or after a posting) above MAX_LEDGER_BALANCE, 2^63-1 minor units. */
  | 'LEDGER.AMOUNT_TOO_LARGE';

/** A posting the ledger refused; nothing of the write it came with was stored. */
export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    readonly account: string,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

/**
 * Accounts of the core-mode ledger. Postings themselves are written by TransactionRepository.update, in the
 * same atomic write as the payment's status change.
 */
export interface LedgerStore {
  /**
   * Opens accounts with the given balances. `replace: false` leaves existing accounts alone (seeding from
   * config at every start); `replace: true` sets the balance (an operator's admin call). `origin` (who, which
   * request) is journalled with each opening or adjustment; absent for the configuration's seeding.
   */
  openAccounts(accounts: { id: string; currency: string; balance: bigint }[], replace: boolean, origin?: LedgerChangeOrigin): Promise<void>;
  getAccount(id: string): Promise<LedgerAccount | null>;
  listAccounts(): Promise<LedgerAccount[]>;
}
