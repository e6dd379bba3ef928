// SPDX-License-Identifier: Apache-2.0
/** In-memory fakes of the ports, for unit specs only (the real engines are tested in *.int-spec.ts). */
import type { PaymentSnapshot, PaymentStatus } from '#domain';
import { ledgerLimitError } from '../ledger/ledger-limits.js';
import { decidePostings } from '../ledger/posting-rule.js';
import { LedgerError, type LedgerAccount, type LedgerStore, type Posting } from '../ports/ledger.port.js';
import {
  HostUnavailableError,
  type CancellationOutcome,
  type HostMessage,
  type HostOutcome,
  type HostStatusOutcome,
  type LegacyHost,
  type ReturnOutcome,
} from '../ports/legacy-host.port.js';
import type { ArchivedMessage, MessageArchive, StoredMessage } from '../ports/message-archive.port.js';
import { RegionFencedError, type RegionRecord, type RegionRegistry, type RegionStatus } from '../ports/region-registry.port.js';
import {
  byCreation,
  matchesReference,
  referenceLimit,
  type CreateResult,
  type ListAllFilter,
  type ListFilter,
  type ReferenceLookup,
  type TransactionPage,
  type TransactionRepository,
  type UniquenessKeys,
  type UniquenessLookup,
} from '../ports/transaction-repository.port.js';
import type { DeadLetter, Job, LiveJob, QueueBacklog, ReceivedJob, WorkQueue } from '../ports/work-queue.port.js';

export class FakeClock {
  constructor(public current = new Date('2026-11-22T10:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** The core-mode ledger in memory; FakeRepository applies postings to it (all or nothing). */
export class FakeLedger implements LedgerStore {
  readonly accounts = new Map<string, LedgerAccount>();
  /** Settlement legs applied, with the transaction they came with. */
  readonly journal: (Posting & { transactionId: string })[] = [];

  async openAccounts(
    accounts: { id: string; currency: string; balance: bigint }[],
    replace: boolean,
    origin?: { clientId: string; requestId: string | null },
  ): Promise<void> {
    for (const a of accounts) {
      const tooLarge = ledgerLimitError(a.id, a.balance);
      if (tooLarge) throw tooLarge;
      const existing = this.accounts.get(a.id);
      if (existing && existing.currency !== a.currency && replace) {
        throw new LedgerError('LEDGER.CURRENCY_MISMATCH', a.id, `ledger account ${a.id} is kept in ${existing.currency}`);
      }
    }
    for (const a of accounts) {
      const existed = this.accounts.has(a.id);
      if (existed && !replace) continue;
      const at = '2026-11-22T10:00:00.000Z';
      const lastChange = {
        kind: existed ? ('adjustment' as const) : ('opening' as const),
        by: origin?.clientId ?? null,
        requestId: origin?.requestId ?? null,
        at,
      };
      this.accounts.set(a.id, { ...a, updatedAt: at, lastChange });
    }
  }
  async getAccount(id: string) {
    const a = this.accounts.get(id);
    return a ? { ...a } : null;
  }
  async listAccounts() {
    return [...this.accounts.values()].sort((a, b) => a.id.localeCompare(b.id)).map((a) => ({ ...a }));
  }
  /** Decides with the ledger rule (decidePostings), then applies the changes: a refusal changes nothing. */
  apply(transactionId: string, postings: readonly Posting[]): void {
    const decision = decidePostings(postings, this.accounts);
    if (!decision.ok) throw decision.error;
    for (const { account, after } of decision.changes) this.accounts.set(account, { ...this.accounts.get(account)!, balance: after });
    for (const leg of postings) this.journal.push({ ...leg, transactionId });
  }
}

export class FakeRepository implements TransactionRepository {
  readonly rows = new Map<string, PaymentSnapshot>();
  readonly jobs: Job[] = [];
  private readonly keys = new Map<string, { id: string; hash?: string }>();

  async findId(key: UniquenessLookup): Promise<string | null> {
    const hit =
      'uetr' in key
        ? this.keys.get(`uetr:${key.clientId}:${key.uetr.toLowerCase()}`)
        : this.keys.get(`m:${key.clientId}:${key.msgIdEndToEndId}`);
    return hit ? hit.id : null;
  }
  async findByReference(ref: ReferenceLookup, limit: number): Promise<PaymentSnapshot[]> {
    return [...this.rows.values()]
      .filter((p) => matchesReference(p, ref))
      .sort(byCreation)
      .slice(0, referenceLimit(limit))
      .map((p) => structuredClone(p));
  }
  /** With a ledger, postings given to update are applied to it in the same (all-or-nothing) write. */
  constructor(readonly ledger?: FakeLedger) {}

  async create(p: PaymentSnapshot, keys: UniquenessKeys, jobs: Job[]): Promise<CreateResult> {
    const idem = keys.idempotency && this.keys.get(`idem:${p.clientId}:${keys.idempotency.key}`);
    if (idem)
      return { kind: 'duplicate', by: 'idempotency-key', existingId: idem.id, sameRequest: idem.hash === keys.idempotency!.requestHash };
    const uetr = keys.uetr && this.keys.get(`uetr:${p.clientId}:${keys.uetr.toLowerCase()}`);
    if (uetr) return { kind: 'duplicate', by: 'uetr', existingId: uetr.id, sameRequest: false };
    const m = this.keys.get(`m:${p.clientId}:${keys.msgIdEndToEndId}`);
    if (m) return { kind: 'duplicate', by: 'msgid-endtoendid', existingId: m.id, sameRequest: false };
    if (keys.idempotency) this.keys.set(`idem:${p.clientId}:${keys.idempotency.key}`, { id: p.id, hash: keys.idempotency.requestHash });
    if (keys.uetr) this.keys.set(`uetr:${p.clientId}:${keys.uetr.toLowerCase()}`, { id: p.id });
    this.keys.set(`m:${p.clientId}:${keys.msgIdEndToEndId}`, { id: p.id });
    this.rows.set(p.id, { ...structuredClone(p), version: 1 });
    this.jobs.push(...jobs);
    return { kind: 'created' };
  }
  async get(id: string) {
    const p = this.rows.get(id);
    return p ? structuredClone(p) : null;
  }
  async update(p: PaymentSnapshot, expectedVersion: number, jobs: Job[], postings: Posting[] = []) {
    const cur = this.rows.get(p.id);
    if (!cur || cur.version !== expectedVersion) return false;
    if (postings.length > 0) {
      if (!this.ledger) throw new Error('FakeRepository: postings given but no ledger');
      this.ledger.apply(p.id, postings);
    }
    this.rows.set(p.id, { ...structuredClone(p), version: expectedVersion + 1 });
    this.jobs.push(...jobs);
    return true;
  }
  async list(f: ListFilter): Promise<TransactionPage> {
    return { items: [...this.rows.values()].filter((p) => p.clientId === f.clientId).slice(0, f.limit), nextCursor: null };
  }
  /** Newest first (createdAt, then id); the cursor is the last item's id. */
  async listAll(f: ListAllFilter): Promise<TransactionPage> {
    const all = [...this.rows.values()]
      .filter(
        (p) =>
          (!f.status || p.status === f.status) &&
          (!f.from || Date.parse(p.createdAt) >= f.from.getTime()) &&
          (!f.to || Date.parse(p.createdAt) < f.to.getTime()),
      )
      .sort((a, b) => byCreation(b, a));
    let start = 0;
    if (f.cursor) {
      start = all.findIndex((p) => p.id === f.cursor) + 1;
      if (start === 0) throw Object.assign(new Error('invalid pagination cursor'), { code: 'PAGINATION.INVALID_CURSOR' });
    }
    const n = Math.max(1, Math.trunc(f.limit) || 1);
    const page = all.slice(start, start + n);
    return {
      items: page.map((p) => structuredClone(p)),
      nextCursor: start + n < all.length && page.length ? page.at(-1)!.id : null,
    };
  }
  async findStale(statuses: readonly PaymentStatus[], before: Date, limit: number) {
    return [...this.rows.values()]
      .filter((p) => statuses.includes(p.status) && Date.parse(p.updatedAt) < before.getTime())
      .slice(0, limit)
      .map((p) => structuredClone(p));
  }
  async ping() {}
}

export class FakeArchive implements MessageArchive {
  readonly messages: StoredMessage[] = [];
  async put(m: ArchivedMessage): Promise<number> {
    const seq = this.messages.filter((x) => x.transactionId === m.transactionId).length + 1;
    this.messages.push({ ...m, seq });
    return seq;
  }
  async list(id: string) {
    return this.messages.filter((m) => m.transactionId === id);
  }
  async latest(id: string, direction: 'in' | 'out', prefix?: string) {
    const all = this.messages.filter(
      (m) => m.transactionId === id && m.direction === direction && (!prefix || m.messageType.startsWith(prefix)),
    );
    return all.at(-1) ?? null;
  }
  async ping() {}
}

export class FakeQueue implements WorkQueue {
  readonly enqueued: Job[] = [];
  async enqueue(jobs: Job[]) {
    this.enqueued.push(...jobs);
  }
  async receive(): Promise<ReceivedJob[]> {
    return [];
  }
  async ack() {}
  async retry(): Promise<'retried'> {
    return 'retried';
  }
  async deadLetter() {}
  /** Dead letters `listDeadLetters` answers; `redrive` moves a transaction's back to `enqueued`. */
  dead: DeadLetter[] = [];
  async listDeadLetters(limit = 1000): Promise<DeadLetter[]> {
    return this.dead.slice(0, limit);
  }
  async redrive(transactionId?: string) {
    const moved = this.dead.filter((d) => d.job.transactionId === transactionId);
    this.dead = this.dead.filter((d) => d.job.transactionId !== transactionId);
    this.enqueued.push(...moved.map((d) => d.job));
    return moved.length;
  }
  async purgeCompleted() {
    return 0;
  }
  /** The live jobs `liveJobs` answers, by transaction; null: the queue cannot tell (as SQS). */
  live: Map<string, LiveJob> | null = new Map();
  /** What `backlog` answers. */
  waiting: QueueBacklog = { queued: 0, inflight: 0, oldestQueuedMs: null, completedSince: 0 };
  async liveJobs(ids: readonly string[]): Promise<ReadonlyMap<string, LiveJob> | null> {
    const live = this.live;
    return live ? new Map(ids.flatMap((id) => (live.has(id) ? [[id, live.get(id)!] as const] : []))) : null;
  }
  async backlog(): Promise<QueueBacklog> {
    return this.waiting;
  }
  async ping() {}
}

/**
 * A legacy host in memory that behaves like the simulator: `deliver` decides a payment once per UETR (or
 * transaction id) — `nextOutcome`, default settled — and remembers it; `requestStatus` answers from what it
 * remembers, or `unknown` (NOOR) for a payment it never took. `dropAnswers` loses the next answers to `deliver`
 * after deciding (the call fails retryable, as an HTTP host whose connection broke), so a test can make a
 * release time out although the host settled. Every call is kept in `calls`.
 */
export class FakeLegacyHost implements LegacyHost {
  readonly calls: { method: 'deliver' | 'requestCancellation' | 'deliverReturn' | 'requestStatus'; message: HostMessage }[] = [];
  /** What the host decided, by UETR (lower case) or transaction id. */
  readonly decided = new Map<string, HostOutcome>();
  /** The outcome of the next payment decided (then back to settled). */
  nextOutcome: HostOutcome | null = null;
  /** How many of the next `deliver` answers are lost after the host decided. */
  dropAnswers = 0;
  /** When set, `requestStatus` fails with it (the host cannot be asked). */
  statusFailure: Error | null = null;
  /** While true, every `deliver` fails as a refused connection would: nothing sent, nothing recorded. */
  refuseConnections = false;

  constructor(readonly name = 'fake') {}

  async deliver(delivery: HostMessage): Promise<HostOutcome> {
    this.calls.push({ method: 'deliver', message: delivery });
    if (this.refuseConnections) throw new HostUnavailableError(`${this.name}: connection refused`, true, true);
    const key = FakeLegacyHost.keyOf(delivery);
    let outcome = this.decided.get(key);
    if (!outcome) {
      outcome = this.nextOutcome ?? { kind: 'settled', statusReport: null };
      this.nextOutcome = null;
      this.decided.set(key, outcome);
    }
    if (this.dropAnswers > 0) {
      this.dropAnswers--;
      throw new HostUnavailableError(`the answer to ${delivery.transactionId} was lost`, true);
    }
    return outcome;
  }

  async requestStatus(request: HostMessage): Promise<HostStatusOutcome> {
    this.calls.push({ method: 'requestStatus', message: request });
    if (this.statusFailure) throw this.statusFailure;
    return (
      this.decided.get(FakeLegacyHost.keyOf(request)) ?? {
        kind: 'unknown',
        reasonCode: 'NOOR',
        reasonText: 'the host has no record of this payment',
        statusReport: null,
      }
    );
  }

  async requestCancellation(request: HostMessage): Promise<CancellationOutcome> {
    this.calls.push({ method: 'requestCancellation', message: request });
    return { kind: 'cancelled', resolution: null };
  }

  async deliverReturn(request: HostMessage): Promise<ReturnOutcome> {
    this.calls.push({ method: 'deliverReturn', message: request });
    return { kind: 'accepted', statusReport: null };
  }

  async ping(): Promise<void> {}

  private static keyOf(m: HostMessage): string {
    return m.uetr?.toLowerCase() ?? m.transactionId;
  }
}

/**
 * The region registry in memory (issue 15), with the semantics of the real adapters (the port's contract runs
 * against it). `peer()` is another instance over the same records, as another process would have.
 */
export class FakeRegionRegistry implements RegionRegistry {
  constructor(readonly records = new Map<string, RegionRecord>()) {}

  peer(): FakeRegionRegistry {
    return new FakeRegionRegistry(this.records);
  }

  async heartbeat(region: string, at: Date, leaseUntil: Date): Promise<RegionRecord> {
    const now = at.toISOString();
    const lease = { heartbeatAt: now, leaseUntil: leaseUntil.toISOString() };
    const current = this.records.get(region);
    if (!current) {
      return this.put({ id: region, status: 'healthy', epoch: 1, ...lease, takenOverBy: null, changedBy: 'heartbeat', changedAt: now });
    }
    if (current.status === 'down') throw new RegionFencedError(region, { ...current });
    return this.put({ ...current, ...lease });
  }

  async list(): Promise<RegionRecord[]> {
    return [...this.records.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => ({ ...r }));
  }

  async get(region: string): Promise<RegionRecord | null> {
    const current = this.records.get(region);
    return current ? { ...current } : null;
  }

  async takeOver(region: string, expectedEpoch: number, takenOverBy: string, by: string, at: Date): Promise<RegionRecord | null> {
    const current = this.records.get(region);
    if (!current || current.epoch !== expectedEpoch) return null;
    return this.put({ ...current, status: 'down', epoch: current.epoch + 1, takenOverBy, changedBy: by, changedAt: at.toISOString() });
  }

  async setStatus(region: string, status: RegionStatus, by: string, at: Date): Promise<RegionRecord> {
    const changed = { status, changedBy: by, changedAt: at.toISOString() };
    const current = this.records.get(region);
    if (!current) return this.put({ id: region, epoch: 1, heartbeatAt: null, leaseUntil: null, takenOverBy: null, ...changed });
    // leaving `down` is coming back: a fresh epoch, so whatever the region held before is fenced
    const back = current.status === 'down' && status !== 'down';
    return this.put({ ...current, ...changed, ...(back ? { epoch: current.epoch + 1, takenOverBy: null } : {}) });
  }

  private put(record: RegionRecord): RegionRecord {
    this.records.set(record.id, record);
    return { ...record };
  }
}
