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
import type { PostgresDatabase, Queryable } from './postgres-database.js';

interface AccountRow {
  id: string;
  currency: string;
  /** bigint columns come back as decimal strings (never through a JS number). */
  balance: string;
  updated_at: string;
  last_change: LedgerAccountChange | null;
}

const ACCOUNT_SELECT = `SELECT a.id, a.currency, a.balance, a.updated_at,
    (SELECT json_build_object('kind', p.kind, 'by', p.actor, 'requestId', p.request_id, 'at', p.at) FROM ledger_postings p
      WHERE p.account_id = a.id AND p.kind IN ('opening', 'adjustment') ORDER BY p.seq DESC LIMIT 1) AS last_change
  FROM ledger_accounts a`;

function toAccount(row: AccountRow): LedgerAccount {
  return { id: row.id, currency: row.currency, balance: BigInt(row.balance), updatedAt: row.updated_at, lastChange: row.last_change };
}

/**
 * Applies settlement postings in the caller's transaction (the repository's update): locks the accounts they name
 * (`FOR UPDATE`, in id order, so two settlements never deadlock), lets the ledger rule decide (decidePostings), and
 * writes the new balances and one journal row per leg with the payment version the write produces. Throws the
 * rule's LedgerError on a refusal; the caller's transaction then rolls back whole.
 */
export async function applyPostings(
  client: Queryable,
  postings: readonly Posting[],
  ref: { transactionId: string; paymentVersion: number; at: string },
): Promise<void> {
  const ids = [...new Set(postings.map((p) => p.account))].sort();
  const { rows } = await client.query<{ id: string; currency: string; balance: string }>(
    'SELECT id, currency, balance FROM ledger_accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE',
    [ids],
  );
  const accounts = new Map<string, LedgerBalance>(rows.map((r) => [r.id, { currency: r.currency, balance: BigInt(r.balance) }]));
  const decision = decidePostings(postings, accounts);
  if (!decision.ok) throw decision.error;
  for (const change of decision.changes) {
    await client.query('UPDATE ledger_accounts SET balance = $1, updated_at = $2 WHERE id = $3', [
      change.after.toString(),
      ref.at,
      change.account,
    ]);
  }
  for (const [leg, posting] of postings.entries()) {
    await client.query(
      `INSERT INTO ledger_postings (kind, transaction_id, payment_version, leg, account_id, currency, delta, at)
       VALUES ('settlement', $1, $2, $3, $4, $5, $6, $7)`,
      [ref.transactionId, ref.paymentVersion, leg, posting.account, posting.currency, posting.delta.toString(), ref.at],
    );
  }
}

/**
 * The core-mode ledger's accounts on PostgreSQL (issue 16): balances are `bigint` minor units, read as bigint.
 * Settlement postings are applied by PostgresTransactionRepository.update (applyPostings) in the payment's own
 * transaction; this store opens accounts, sets balances and reads them. Every balance change is a journal row.
 */
export class PostgresLedgerStore implements LedgerStore {
  private readonly clock: { now(): Date } | undefined;

  constructor(
    private readonly db: PostgresDatabase,
    options: { clock?: { now(): Date } } = {},
  ) {
    this.clock = options.clock;
  }

  async openAccounts(
    accounts: { id: string; currency: string; balance: bigint }[],
    replace: boolean,
    origin?: LedgerChangeOrigin,
  ): Promise<void> {
    for (const a of accounts) {
      if (typeof a.balance !== 'bigint' || a.balance < 0n)
        throw new RangeError(`ledger account ${a.id}: balance must be a non-negative bigint`);
      const tooLarge = ledgerLimitError(a.id, a.balance);
      if (tooLarge) throw tooLarge;
      if (!/^[A-Z]{3}$/.test(a.currency)) throw new RangeError(`ledger account ${a.id}: currency must be 3 letters`);
    }
    const at = (this.clock?.now() ?? new Date()).toISOString();
    await this.db.transaction(async (c) => {
      for (const a of [...accounts].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))) {
        const inserted = await c.query(
          `INSERT INTO ledger_accounts (id, currency, balance, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (id) DO NOTHING`,
          [a.id, a.currency, a.balance.toString(), at],
        );
        if (inserted.rowCount === 1) {
          await this.journal(c, 'opening', a.id, a.currency, a.balance, at, origin);
          continue;
        }
        if (!replace) continue;
        const { rows } = await c.query<{ currency: string; balance: string }>(
          'SELECT currency, balance FROM ledger_accounts WHERE id = $1 FOR UPDATE',
          [a.id],
        );
        const existing = rows[0]!;
        if (existing.currency !== a.currency) {
          throw new LedgerError(
            'LEDGER.CURRENCY_MISMATCH',
            a.id,
            `ledger account ${a.id} is kept in ${existing.currency}; its currency cannot change to ${a.currency}`,
          );
        }
        const delta = a.balance - BigInt(existing.balance);
        if (delta === 0n) continue;
        await c.query('UPDATE ledger_accounts SET balance = $1, updated_at = $2 WHERE id = $3', [a.balance.toString(), at, a.id]);
        await this.journal(c, 'adjustment', a.id, a.currency, delta, at, origin);
      }
    });
  }

  async getAccount(id: string): Promise<LedgerAccount | null> {
    const { rows } = await this.db.run<AccountRow>(`${ACCOUNT_SELECT} WHERE a.id = $1`, [id]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async listAccounts(): Promise<LedgerAccount[]> {
    const { rows } = await this.db.run<AccountRow>(`${ACCOUNT_SELECT} ORDER BY a.id`);
    return rows.map(toAccount);
  }

  async ping(): Promise<void> {
    await this.db.run('SELECT 1');
  }

  private async journal(
    c: Queryable,
    kind: 'opening' | 'adjustment',
    account: string,
    currency: string,
    delta: bigint,
    at: string,
    origin: LedgerChangeOrigin | undefined,
  ): Promise<void> {
    await c.query(
      `INSERT INTO ledger_postings (kind, transaction_id, payment_version, leg, account_id, currency, delta, at, actor, request_id)
       VALUES ($1, NULL, NULL, 0, $2, $3, $4, $5, $6, $7)`,
      [kind, account, currency, delta.toString(), at, origin?.clientId ?? null, origin?.requestId ?? null],
    );
  }
}
