// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot, PaymentStatus } from '#domain';
import {
  type Clock,
  type CreateResult,
  decodeCursor,
  encodeCursor,
  InvalidOperatorCursorError,
  type Job,
  type ListAllFilter,
  type ListFilter,
  type Posting,
  type ReferenceLookup,
  referenceLimit,
  type TransactionPage,
  type TransactionRepository,
  type UniquenessKeys,
  type UniquenessLookup,
} from '#application';
import { type PostgresDatabase, type Queryable } from './postgres-database.js';
import { applyPostings } from './postgres-ledger-store.adapter.js';
import { enqueueJobs } from './postgres-work-queue.adapter.js';

export const MAX_PAGE_SIZE = 1000;

/** Thrown by `create` when a payment with the same id is stored already (ids must be unique). */
export class TransactionIdTakenError extends Error {
  readonly code = 'STORE.TRANSACTION_ID_TAKEN';
  constructor(readonly transactionId: string) {
    super(`a transaction with id ${transactionId} exists already`);
    this.name = 'TransactionIdTakenError';
  }
}

type KeyKind = 'idempotency' | 'uetr' | 'msgid-e2e';

const SQL = {
  insertKey: {
    name: 'keys.insert',
    text: `INSERT INTO uniqueness_keys (kind, scope, key, transaction_id, request_hash) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (kind, scope, key) DO NOTHING`,
  },
  findKey: {
    name: 'keys.find',
    text: 'SELECT transaction_id, request_hash FROM uniqueness_keys WHERE kind = $1 AND scope = $2 AND key = $3',
  },
  insertPayment: {
    name: 'payments.insert',
    text: `INSERT INTO payments (id, client_id, status, version, created_at, updated_at, uetr, msg_id, end_to_end_id, snapshot)
           VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
  },
  updatePayment: {
    name: 'payments.update',
    text: `UPDATE payments SET status = $1, version = $2, updated_at = $3, snapshot = $4 WHERE id = $5 AND version = $6`,
  },
  getPayment: { name: 'payments.get', text: 'SELECT snapshot FROM payments WHERE id = $1' },
} as const;

/**
 * Payments on PostgreSQL (issue 16), the layout of the embedded store: the snapshot as JSON text plus the columns the
 * queries need, uniqueness keys in `uniqueness_keys` (primary key per kind and scope), and the jobs a state change
 * makes in `jobs`, in the same transaction. A change is conditional on the version (`UPDATE … WHERE version = $n`),
 * so of two writers one wins; a uniqueness key is claimed by `INSERT … ON CONFLICT DO NOTHING`, which waits for a
 * concurrent claim of the same key to commit or roll back, so a payment is never taken twice.
 */
export class PostgresTransactionRepository implements TransactionRepository {
  private readonly clock: Clock | undefined;

  constructor(
    private readonly db: PostgresDatabase,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock;
  }

  async create(payment: PaymentSnapshot, keys: UniquenessKeys, jobs: Job[]): Promise<CreateResult> {
    const stored: PaymentSnapshot = { ...payment, version: 1 };
    const createdAt = toMs(stored.createdAt, 'createdAt');
    const updatedAt = toMs(stored.updatedAt, 'updatedAt');
    const uetrKey = keys.uetr ? keys.uetr.toLowerCase() : null;
    const claims: { kind: KeyKind; key: string; hash: string | null; by: 'idempotency-key' | 'uetr' | 'msgid-endtoendid' }[] = [
      ...(keys.idempotency
        ? [{ kind: 'idempotency' as const, key: keys.idempotency.key, hash: keys.idempotency.requestHash, by: 'idempotency-key' as const }]
        : []),
      ...(uetrKey ? [{ kind: 'uetr' as const, key: uetrKey, hash: null, by: 'uetr' as const }] : []),
      { kind: 'msgid-e2e', key: keys.msgIdEndToEndId, hash: null, by: 'msgid-endtoendid' },
    ];
    const now = this.now();
    const outcome = await this.db
      .transaction(async (c): Promise<CreateResult> => {
        // the keys in the order idempotency key, UETR, MsgId+EndToEndId: the first taken one names the duplicate
        for (const claim of claims) {
          const inserted = await this.db.query(SQL.insertKey, [claim.kind, stored.clientId, claim.key, stored.id, claim.hash], c);
          if (inserted.rowCount === 1) continue;
          // ON CONFLICT waited for a concurrent claim to commit, so the key is there to read
          const hit = await this.findKey(claim.kind, stored.clientId, claim.key, c);
          if (!hit) throw new Error(`uniqueness key ${claim.kind} of ${stored.clientId} is taken but cannot be read`);
          throw new Duplicate({
            kind: 'duplicate',
            by: claim.by,
            existingId: hit.transaction_id,
            sameRequest: claim.kind === 'idempotency' && hit.request_hash === claim.hash,
          });
        }
        const inserted = await this.db.query(
          SQL.insertPayment,
          [
            stored.id,
            stored.clientId,
            stored.status,
            createdAt,
            updatedAt,
            stored.uetr,
            stored.msgId,
            stored.endToEndId,
            JSON.stringify(stored),
          ],
          c,
        );
        if (inserted.rowCount !== 1) throw new TransactionIdTakenError(stored.id);
        await enqueueJobs(this.db, c, jobs, now);
        return { kind: 'created' };
      })
      .catch((e: unknown) => {
        // a duplicate rolls the transaction back (nothing of this payment is written) and is an answer, not a failure
        if (e instanceof Duplicate) return e.result;
        throw e;
      });
    return outcome;
  }

  async findId(key: UniquenessLookup): Promise<string | null> {
    const hit =
      'uetr' in key
        ? await this.findKey('uetr', key.clientId, key.uetr.toLowerCase())
        : await this.findKey('msgid-e2e', key.clientId, key.msgIdEndToEndId);
    return hit ? hit.transaction_id : null;
  }

  async findByReference(ref: ReferenceLookup, limit: number): Promise<PaymentSnapshot[]> {
    const [where, value] =
      'uetr' in ref
        ? ['lower(uetr) = $1', ref.uetr.toLowerCase()]
        : 'msgId' in ref
          ? ['msg_id = $1', ref.msgId]
          : ['end_to_end_id = $1', ref.endToEndId];
    const { rows } = await this.db.run<{ snapshot: string }>(
      `SELECT snapshot FROM payments WHERE ${where} ORDER BY created_at, id LIMIT $2`,
      [value, referenceLimit(limit)],
    );
    return rows.map((row) => JSON.parse(row.snapshot) as PaymentSnapshot);
  }

  async get(id: string): Promise<PaymentSnapshot | null> {
    const { rows } = await this.db.query<{ snapshot: string }>(SQL.getPayment, [id]);
    return rows[0] ? (JSON.parse(rows[0].snapshot) as PaymentSnapshot) : null;
  }

  async update(payment: PaymentSnapshot, expectedVersion: number, jobs: Job[], postings: Posting[] = []): Promise<boolean> {
    const version = expectedVersion + 1;
    const stored: PaymentSnapshot = { ...payment, version };
    const updatedAt = toMs(stored.updatedAt, 'updatedAt');
    const now = this.now();
    return this.db
      .transaction(async (c) => {
        const { rowCount } = await this.db.query(
          SQL.updatePayment,
          [stored.status, version, updatedAt, JSON.stringify(stored), stored.id, expectedVersion],
          c,
        );
        if (rowCount !== 1) throw new Stale();
        // the ledger rule after the version check: a stale writer posts nothing, a refusal rolls everything back
        if (postings.length > 0)
          await applyPostings(c, postings, { transactionId: stored.id, paymentVersion: version, at: stored.updatedAt });
        await enqueueJobs(this.db, c, jobs, now);
        return true;
      })
      .catch((e: unknown) => {
        if (e instanceof Stale) return false;
        throw e;
      });
  }

  async list(filter: ListFilter): Promise<TransactionPage> {
    return this.page(['client_id = $?'], [filter.clientId], filter);
  }

  async listAll(filter: ListAllFilter): Promise<TransactionPage> {
    return this.page([], [], filter);
  }

  async findStale(statuses: readonly PaymentStatus[], before: Date, limit: number): Promise<PaymentSnapshot[]> {
    if (statuses.length === 0 || limit < 1) return [];
    const { rows } = await this.db.run<{ snapshot: string }>(
      `SELECT snapshot FROM payments WHERE status = ANY($1) AND updated_at < $2 ORDER BY updated_at, id LIMIT $3`,
      [[...new Set(statuses)], before.getTime(), Math.trunc(limit)],
    );
    return rows.map((row) => JSON.parse(row.snapshot) as PaymentSnapshot);
  }

  async ping(): Promise<void> {
    await this.db.run('SELECT 1');
  }

  /** Newest first (createdAt, then id); `from` inclusive, `to` exclusive; `$?` placeholders are numbered here. */
  private async page(where: string[], params: unknown[], filter: ListAllFilter): Promise<TransactionPage> {
    const limit = Math.min(Math.max(Math.trunc(filter.limit) || 1, 1), MAX_PAGE_SIZE);
    if (filter.status) {
      where.push('status = $?');
      params.push(filter.status);
    }
    if (filter.from) {
      where.push('created_at >= $?');
      params.push(filter.from.getTime());
    }
    if (filter.to) {
      where.push('created_at < $?');
      params.push(filter.to.getTime());
    }
    if (filter.cursor) {
      // the operator lists' cursor (key, id); here the key is the creation time
      const [createdAt, id] = decodeCursor(filter.cursor);
      if (typeof createdAt !== 'number') throw new InvalidOperatorCursorError();
      where.push('(created_at, id) < ($?, $?)');
      params.push(createdAt, id);
    }
    params.push(limit + 1);
    let n = 0;
    const text = `SELECT snapshot, created_at, id FROM payments ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $?`.replace(/\$\?/g, () => `$${++n}`);
    const { rows } = await this.db.run<{ snapshot: string; created_at: string; id: string }>(text, params);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => JSON.parse(row.snapshot) as PaymentSnapshot),
      nextCursor: rows.length > limit && last ? encodeCursor(Number(last.created_at), last.id) : null,
    };
  }

  private async findKey(kind: KeyKind, scope: string, key: string, on?: Queryable) {
    const { rows } = await this.db.query<{ transaction_id: string; request_hash: string | null }>(SQL.findKey, [kind, scope, key], on);
    return rows[0] ?? null;
  }

  private now(): number {
    return this.clock ? this.clock.now().getTime() : Date.now();
  }
}

/** Rolls a create back: the payment is a duplicate (the answer travels in the error). */
class Duplicate extends Error {
  constructor(readonly result: CreateResult) {
    super('duplicate');
  }
}

/** Rolls an update back: the version moved. */
class Stale extends Error {}

function toMs(iso: string, field: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`payment ${field} is not a timestamp: ${iso}`);
  return ms;
}
