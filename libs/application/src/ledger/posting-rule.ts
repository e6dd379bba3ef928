// SPDX-License-Identifier: Apache-2.0
import { LedgerError, type Posting } from '../ports/ledger.port.js';
import { ledgerLimitError, MAX_LEDGER_BALANCE } from './ledger-limits.js';

/**
 * The core-mode ledger's one rule for applying postings (ADR 0005), the same on every store:
 *
 * The legs are applied in the order given. Each leg's account must exist and be kept in the leg's currency,
 * and no balance may go below zero (nor above MAX_LEDGER_BALANCE) after any leg; so a debit is checked before a later credit to the same
 * account, and a payment from an account to itself for more than its balance is refused (insufficient
 * funds), like any other debit the account cannot cover. The first leg that breaks the rule names the
 * refusal; a refused write changes nothing.
 *
 * Stores call `decidePostings` with the accounts as they hold them (inside their transaction), or build
 * conditions from `postingConditions`, which accepts exactly what `decidePostings` accepts.
 */

/** An account as the rule needs it: its currency and balance in minor units. */
export interface LedgerBalance {
  currency: string;
  balance: bigint;
}

/** What a write does to one account: its balance before and after all the legs, and the net delta. */
export interface AccountChange {
  account: string;
  currency: string;
  before: bigint;
  after: bigint;
  delta: bigint;
}

export type PostingDecision = { ok: true; changes: AccountChange[] } | { ok: false; error: LedgerError };

/**
 * Decides postings against the current accounts (`accounts` holds every account the postings name that
 * exists). Returns the change of each account named (in the order first named), or the LedgerError of the
 * first leg refused. Pure: it reads nothing else and writes nothing. Throws a TypeError when a delta is not
 * a bigint (a programming error, not a refusal).
 */
export function decidePostings(postings: readonly Posting[], accounts: ReadonlyMap<string, LedgerBalance>): PostingDecision {
  checkDeltas(postings);
  const running = new Map<string, AccountChange>();
  for (const leg of postings) {
    let change = running.get(leg.account);
    if (!change) {
      const account = accounts.get(leg.account);
      if (!account) {
        return refused('LEDGER.UNKNOWN_ACCOUNT', leg.account, `ledger account ${leg.account} does not exist`);
      }
      const { currency, balance } = account;
      change = { account: leg.account, currency, before: balance, after: balance, delta: 0n };
      running.set(leg.account, change);
    }
    if (change.currency !== leg.currency) {
      return refused(
        'LEDGER.CURRENCY_MISMATCH',
        leg.account,
        `ledger account ${leg.account} is kept in ${change.currency}, not ${leg.currency}`,
      );
    }
    if (change.after + leg.delta < 0n) {
      return refused('LEDGER.INSUFFICIENT_FUNDS', leg.account, `ledger account ${leg.account} has insufficient funds`);
    }
    change.after += leg.delta;
    change.delta += leg.delta;
    const tooLarge = ledgerLimitError(leg.account, change.after);
    if (tooLarge) return { ok: false, error: tooLarge };
  }
  return { ok: true, changes: [...running.values()] };
}

/**
 * What `decidePostings` requires of each account named, for a store that checks it with conditions on the
 * account instead of reading it first (DynamoDB): the account exists, is kept in every one of `currencies`
 * (more than one currency can never hold: the write is refused), and holds at least `required` before the
 * write; the write then adds `delta`. `required` is the lowest balance that leaves the account at zero or
 * above after each of its legs, in order (the largest running debit; negative when the account is only
 * credited). `decidePostings` accepts exactly when every account meets its condition, and then each
 * account's `after` is its balance plus `delta`.
 */
export interface AccountCondition {
  account: string;
  currencies: string[];
  required: bigint;
  delta: bigint;
  /** The highest balance the account may hold before the write, so that no leg takes it above MAX_LEDGER_BALANCE. */
  ceiling: bigint;
}

export function postingConditions(postings: readonly Posting[]): AccountCondition[] {
  checkDeltas(postings);
  const byAccount = new Map<string, AccountCondition>();
  for (const leg of postings) {
    const c = byAccount.get(leg.account);
    if (!c) {
      const first = {
        account: leg.account,
        currencies: [leg.currency],
        required: -leg.delta,
        delta: leg.delta,
        ceiling: MAX_LEDGER_BALANCE - (leg.delta > 0n ? leg.delta : 0n),
      };
      byAccount.set(leg.account, first);
      continue;
    }
    if (!c.currencies.includes(leg.currency)) c.currencies.push(leg.currency);
    c.delta += leg.delta;
    if (-c.delta > c.required) c.required = -c.delta;
    if (MAX_LEDGER_BALANCE - c.delta < c.ceiling) c.ceiling = MAX_LEDGER_BALANCE - c.delta;
  }
  return [...byAccount.values()];
}

function checkDeltas(postings: readonly Posting[]): void {
  for (const leg of postings) {
    if (typeof leg.delta !== 'bigint') {
      throw new TypeError(`posting delta for ${leg.account} must be a bigint, got ${typeof leg.delta}`);
    }
  }
}

function refused(code: LedgerError['code'], account: string, message: string): PostingDecision {
  return { ok: false, error: new LedgerError(code, account, message) };
}
