// SPDX-License-Identifier: Apache-2.0
import {
  decidePostings,
  LedgerError,
  ledgerLimitError,
  type LedgerAccount,
  type LedgerAccountChange,
  type LedgerBalance,
  type LedgerChangeOrigin,
  type LedgerStore,
  type Posting,
} from '#application';
import type { EmbeddedDatabase } from './embedded-database.js';

/*
 * SQLite INTEGER is a signed 64-bit integer: a balance above 2^63-1 would turn into a REAL. The application's
 * ledgerLimitError (MAX_LEDGER_BALANCE) refuses it before it is written, as on every store.
 */

interface AccountRow {
  id: string;
  currency: string;
  balance: bigint;
  updated_at: string;
  last_change: string | null;
}

/** The journal row of one settlement leg, for tests and audits. */
export interface LedgerPostingRow {
  seq: bigint;
  kind: 'settlement' | 'opening' | 'adjustment';
  transactionId: string | null;
  paymentVersion: bigint | null;
  leg: bigint;
  account: string;
  currency: string;
  delta: bigint;
  at: string;
  /** Openings and adjustments: the API client that made it (null: the configuration at start, or a settlement). */
  actor: string | null;
  requestId: string | null;
}

/** An account with its last opening or adjustment (kind, actor, request id, time) from the journal. */
const ACCOUNT_SELECT = `SELECT a.id, a.currency, a.balance, a.updated_at,
    (SELECT json_object('kind', p.kind, 'by', p.actor, 'requestId', p.request_id, 'at', p.at) FROM ledger_postings p
      WHERE p.account_id = a.id AND p.kind IN ('opening', 'adjustment') ORDER BY p.seq DESC LIMIT 1) AS last_change
  FROM ledger_accounts a`;

/** Reads an account with its balance as a bigint (never through a JS number). */
function readAccount(db: EmbeddedDatabase, id: string, withLastChange = false): AccountRow | undefined {
  const stmt = db.statement(
    withLastChange
      ? `${ACCOUNT_SELECT} WHERE a.id = ?`
      : 'SELECT id, currency, balance, updated_at, NULL AS last_change FROM ledger_accounts WHERE id = ?',
  );
  stmt.setReadBigInts(true);
  return stmt.get(id) as AccountRow | undefined;
}

function toAccount(row: AccountRow): LedgerAccount {
  const lastChange = row.last_change === null ? null : (JSON.parse(row.last_change) as LedgerAccountChange);
  return { id: row.id, currency: row.currency, balance: row.balance, updatedAt: row.updated_at, lastChange };
}

/**
 * Applies settlement postings inside the caller's transaction (a `db.write` of the repository): reads the accounts they name,
 * lets the ledger rule decide (decidePostings: legs in order, each account existing and in the leg's
 * currency, no balance below zero after any leg), and writes each account's new balance, which must stay
 * within 2^63-1. Throws the rule's LedgerError on a refusal; the caller's transaction then rolls back, so
 * nothing of the write is kept. Each leg is journalled with the payment version the write produces.
 */
export function applyPostings(
  db: EmbeddedDatabase,
  postings: readonly Posting[],
  ref: { transactionId: string; paymentVersion: number; at: string },
): void {
  const accounts = new Map<string, LedgerBalance>();
  for (const { account: id } of postings) {
    const account = accounts.has(id) ? undefined : readAccount(db, id);
    if (account) accounts.set(id, { currency: account.currency, balance: account.balance });
  }
  const decision = decidePostings(postings, accounts);
  if (!decision.ok) throw decision.error;
  for (const change of decision.changes) {
    db.run('UPDATE ledger_accounts SET balance = ?, updated_at = ? WHERE id = ?', change.after, ref.at, change.account);
  }
  postings.forEach((posting, leg) => {
    db.run(
      `INSERT INTO ledger_postings (kind, transaction_id, payment_version, leg, account_id, currency, delta, at)
       VALUES ('settlement', ?, ?, ?, ?, ?, ?, ?)`,
      ref.transactionId,
      ref.paymentVersion,
      leg,
      posting.account,
      posting.currency,
      posting.delta,
      ref.at,
    );
  });
}

export interface SqliteLedgerStoreOptions {
  /** Time source of `updatedAt`; the system clock when absent. */
  clock?: { now(): Date };
}

/**
 * The core-mode ledger's accounts in the shared SQLite file. Balances are INTEGER minor units read as
 * bigint. Settlement postings are applied by SqliteTransactionRepository.update (applyPostings) in the same
 * transaction as the payment's status change; this store opens accounts, sets balances and reads them.
 * Every balance change, openings and adjustments included, is a row in the append-only `ledger_postings`.
 */
export class SqliteLedgerStore implements LedgerStore {
  private readonly clock: { now(): Date } | undefined;

  constructor(
    private readonly db: EmbeddedDatabase,
    options: SqliteLedgerStoreOptions = {},
  ) {
    this.clock = options.clock;
  }

  async openAccounts(
    accounts: { id: string; currency: string; balance: bigint }[],
    replace: boolean,
    origin?: LedgerChangeOrigin,
  ): Promise<void> {
    for (const a of accounts) {
      if (typeof a.balance !== 'bigint' || a.balance < 0n) {
        throw new RangeError(`ledger account ${a.id}: balance must be a non-negative bigint`);
      }
      const tooLarge = ledgerLimitError(a.id, a.balance);
      if (tooLarge) throw tooLarge;
      if (!/^[A-Z]{3}$/.test(a.currency)) throw new RangeError(`ledger account ${a.id}: currency must be 3 letters`);
    }
    const at = (this.clock?.now() ?? new Date()).toISOString();
    await this.db.write(() => {
      for (const a of accounts) {
        const existing = readAccount(this.db, a.id);
        if (!existing) {
          this.db.run(
            'INSERT INTO ledger_accounts (id, currency, balance, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
            a.id,
            a.currency,
            a.balance,
            at,
            at,
          );
          this.journal('opening', a.id, a.currency, a.balance, at, origin);
          continue;
        }
        if (!replace) continue;
        if (existing.currency !== a.currency) {
          throw new LedgerError(
            'LEDGER.CURRENCY_MISMATCH',
            a.id,
            `ledger account ${a.id} is kept in ${existing.currency}; its currency cannot change to ${a.currency}`,
          );
        }
        const delta = a.balance - existing.balance;
        if (delta === 0n) continue;
        this.db.run('UPDATE ledger_accounts SET balance = ?, updated_at = ? WHERE id = ?', a.balance, at, a.id);
        this.journal('adjustment', a.id, a.currency, delta, at, origin);
      }
    });
  }

  async getAccount(id: string): Promise<LedgerAccount | null> {
    const row = readAccount(this.db, id, true);
    return row ? toAccount(row) : null;
  }

  async listAccounts(): Promise<LedgerAccount[]> {
    const stmt = this.db.statement(`${ACCOUNT_SELECT} ORDER BY a.id`);
    stmt.setReadBigInts(true);
    return (stmt.all() as unknown as AccountRow[]).map(toAccount);
  }

  /** The journal, oldest first; of one account when given. For audits and tests. */
  async postings(account?: string): Promise<LedgerPostingRow[]> {
    const sql = `SELECT seq, kind, transaction_id, payment_version, leg, account_id, currency, delta, at, actor, request_id
       FROM ledger_postings ${account === undefined ? '' : 'WHERE account_id = ?'} ORDER BY seq`;
    const stmt = this.db.statement(sql);
    stmt.setReadBigInts(true);
    const rows = (account === undefined ? stmt.all() : stmt.all(account)) as unknown as {
      seq: bigint;
      kind: LedgerPostingRow['kind'];
      transaction_id: string | null;
      payment_version: bigint | null;
      leg: bigint;
      account_id: string;
      currency: string;
      delta: bigint;
      at: string;
      actor: string | null;
      request_id: string | null;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      kind: r.kind,
      transactionId: r.transaction_id,
      paymentVersion: r.payment_version,
      leg: r.leg,
      account: r.account_id,
      currency: r.currency,
      delta: r.delta,
      at: r.at,
      actor: r.actor,
      requestId: r.request_id,
    }));
  }

  async ping(): Promise<void> {
    this.db.ping();
  }

  private journal(
    kind: 'opening' | 'adjustment',
    account: string,
    currency: string,
    delta: bigint,
    at: string,
    origin: LedgerChangeOrigin | undefined,
  ): void {
    this.db.run(
      `INSERT INTO ledger_postings (kind, transaction_id, payment_version, leg, account_id, currency, delta, at, actor, request_id)
       VALUES (?, NULL, NULL, 0, ?, ?, ?, ?, ?, ?)`,
      kind,
      account,
      currency,
      delta,
      at,
      origin?.clientId ?? null,
      origin?.requestId ?? null,
    );
  }
}
