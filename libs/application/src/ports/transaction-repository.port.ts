// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot, PaymentStatus } from '#domain';
import type { Posting } from './ledger.port.js';
import type { Job } from './work-queue.port.js';

/** The keys that make a payment unique: a second payment with any of them is a duplicate. */
export interface UniquenessKeys {
  /** `X-Transaction-Id` chosen by the client, with a hash of the request body (replay vs. conflict). */
  idempotency?: { key: string; requestHash: string };
  /** UETR, unique per client (one tenant's UETR can neither block nor reveal another tenant's payment). */
  uetr?: string | null;
  /** MsgId + EndToEndId, unique per client. */
  msgIdEndToEndId: string;
}

/** A client's uniqueness key to look up: keys are per client, so a lookup always names the client. */
export type UniquenessLookup = { clientId: string; uetr: string } | { clientId: string; msgIdEndToEndId: string };

/**
 * A reference an operator looks a transaction up by, across clients: its UETR (any case), its MsgId or its
 * EndToEndId (exact). Only the operator API uses it: a client's own lookups stay `findId`, scoped to it.
 */
export type ReferenceLookup = { uetr: string } | { msgId: string } | { endToEndId: string };

/** Most transactions `findByReference` answers (a MsgId names a whole batch; more means a bad lookup). */
export const MAX_REFERENCE_MATCHES = 100;

/** Whether a transaction carries the reference (what every adapter's `findByReference` answers must meet). */
export function matchesReference(p: PaymentSnapshot, ref: ReferenceLookup): boolean {
  if ('uetr' in ref) return p.uetr != null && p.uetr.toLowerCase() === ref.uetr.toLowerCase();
  if ('msgId' in ref) return p.msgId === ref.msgId;
  return p.endToEndId === ref.endToEndId;
}

/** `limit` clamped to 1..MAX_REFERENCE_MATCHES. */
export function referenceLimit(limit: number): number {
  return Math.min(Math.max(Math.trunc(limit) || 1, 1), MAX_REFERENCE_MATCHES);
}

/** Oldest first, by createdAt then id: the order `findByReference` answers in. */
export function byCreation(a: PaymentSnapshot, b: PaymentSnapshot): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export type CreateResult =
  | { kind: 'created' }
  | {
      kind: 'duplicate';
      by: 'idempotency-key' | 'uetr' | 'msgid-endtoendid';
      existingId: string;
      /** For `idempotency-key`: whether the stored request had the same body hash. */
      sameRequest: boolean;
    };

export interface TransactionPage {
  items: PaymentSnapshot[];
  nextCursor: string | null;
}

export interface ListFilter {
  clientId: string;
  status?: PaymentStatus;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string | null;
}

/** `list` without the client: every client's transactions (the operator's export, ADR 0019). */
export type ListAllFilter = Omit<ListFilter, 'clientId'>;

/**
 * Stores payments. Every write is conditional on the version that was read (optimistic concurrency),
 * and carries the jobs that must follow it, committed in the same transaction (outbox).
 */
/**
 * The store could not be reached (its server restarts, the network is cut, no connection is free): nothing can be
 * said of the call's outcome beyond "retry". A write cut off at its commit may or may not have happened; a retry with
 * the same X-Transaction-Id (or a job's redelivery) finds out. The edges answer 503 with Retry-After.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE.UNAVAILABLE';
  readonly retryAfterSeconds = 1;
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the store is unavailable: ${detail}`, options);
    this.name = 'StoreUnavailableError';
  }
}

export interface TransactionRepository {
  /** Inserts a new payment (version 1) and its first jobs, unless a uniqueness key is taken already. */
  create(payment: PaymentSnapshot, keys: UniquenessKeys, jobs: Job[]): Promise<CreateResult>;
  get(id: string): Promise<PaymentSnapshot | null>;
  /**
   * The id of the client's transaction that holds a uniqueness key: its UETR (any case), or its
   * `MsgId|EndToEndId`. How a camt.056, pacs.028 or pacs.004 finds the payment it is about.
   */
  findId(key: UniquenessLookup): Promise<string | null>;
  /**
   * Every client's transactions that carry this reference (payments and messages about them), oldest first
   * (by createdAt, then id), at most `limit` (clamped to 1..MAX_REFERENCE_MATCHES). For the operator API only.
   * Each adapter says what a lookup costs (the embedded store: an index; DynamoDB: a Scan).
   */
  findByReference(ref: ReferenceLookup, limit: number): Promise<PaymentSnapshot[]>;
  /**
   * Writes `payment` if the stored version still equals `expectedVersion`; the stored version becomes
   * expectedVersion + 1. Returns false (and writes nothing) when someone else wrote first.
   * `postings` (core-mode ledger) are applied in the same atomic write; when one is refused (unknown
   * account, wrong currency, balance would go below zero) nothing is written and a LedgerError is thrown.
   */
  update(payment: PaymentSnapshot, expectedVersion: number, jobs: Job[], postings?: Posting[]): Promise<boolean>;
  list(filter: ListFilter): Promise<TransactionPage>;
  /**
   * Every client's transactions, for the operator API only (ADR 0019): the same filters as `list` (`from`
   * inclusive, `to` exclusive, on createdAt) and cursor pages that together hold each matching transaction exactly
   * once. The order is the adapter's: newest first (createdAt, then id) where an index allows it (the embedded
   * store); the table's order on DynamoDB (a paginated Scan). Every page but the last holds `limit` items (clamped
   * to the adapter's maximum); the last may be empty.
   * A cursor it did not produce is an error with code `PAGINATION.INVALID_CURSOR`.
   */
  listAll(filter: ListAllFilter): Promise<TransactionPage>;
  /** Non-terminal payments not updated since `before`, oldest first. */
  findStale(statuses: readonly PaymentStatus[], before: Date, limit: number): Promise<PaymentSnapshot[]>;
  /** Liveness of the engine behind it, for readiness checks. */
  ping(): Promise<void>;
}
