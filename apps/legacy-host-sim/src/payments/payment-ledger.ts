// SPDX-License-Identifier: Apache-2.0
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedSimulatorConfig } from '../sim.config.js';
import { SIM_CONFIG } from '../sim.tokens.js';

/** What the host decided for one idempotency key, and the exact answer it gave. */
export interface PaymentRecord {
  key: string;
  uetr: string | null;
  msgId: string;
  endToEndId: string;
  status: 'ACSC' | 'RJCT';
  reasonCode: string | null;
  reasonText: string | null;
  /** The pacs.002 answered the first time; every re-delivery gets these same bytes. */
  statusReport: string;
  decidedAt: string;
  /** How many times this key was delivered (1 + duplicates). */
  deliveries: number;
  /** The W3C `traceparent` the first delivery carried (HTTP or AMQP header); null or absent: none. */
  traceparent?: string | null;
}

/** What the host answered to one cancellation request (camt.056), by its idempotency key. */
export interface CancellationRecord {
  key: string;
  /** Key of the payment it asks to cancel; null when the host never got that payment. */
  paymentKey: string | null;
  status: 'CNCL' | 'RJCR';
  reasonCode: string | null;
  reasonText: string | null;
  /** The camt.029 answered the first time; every re-delivery gets these same bytes. */
  resolution: string;
  decidedAt: string;
  deliveries: number;
}

/** A return (pacs.004) the host took, by its idempotency key. */
export interface ReturnRecord {
  key: string;
  /** Key of the payment it returns; null when the host does not know that payment. */
  paymentKey: string | null;
  uetr: string | null;
  /** The pacs.002 answered the first time. */
  statusReport: string;
  decidedAt: string;
  deliveries: number;
}

export interface CancellationStats {
  /** Every camt.056 that reached the decision step or a replay. */
  received: number;
  /** Distinct keys decided. */
  unique: number;
  duplicates: number;
  /** CNCL answers of unique keys. */
  cancelled: number;
  /** RJCR answers of unique keys. */
  refused: number;
}

export interface ReturnStats {
  received: number;
  unique: number;
  duplicates: number;
}

/** Status requests (pacs.028) answered; counted in memory only (they change nothing, so they are not journaled). */
export interface StatusRequestStats {
  received: number;
  /** Answered with the recorded pacs.002 of a payment the host took. */
  known: number;
  /** Answered RJCT NOOR: the host has no record of the payment. */
  unknown: number;
}

export interface SimulatorStats {
  /** Every POST that reached the decision step or a replay. */
  received: number;
  /** Distinct idempotency keys decided. */
  unique: number;
  /** Re-deliveries of a known key. */
  duplicates: number;
  /** ACSC outcomes of unique keys. */
  accepted: number;
  /** RJCT outcomes of unique keys. */
  rejected: number;
  cancellations: CancellationStats;
  returns: ReturnStats;
  statusRequests: StatusRequestStats;
  /** Answers to payments lost on purpose (the `dropAnswers` / `dropAnswerRate` faults); in memory only. */
  answersDropped: number;
}

/** One payment in `GET /admin/payments`: enough to tell which host settled which payment, and how often it came. */
export interface PaymentSummary {
  key: string;
  uetr: string | null;
  status: 'ACSC' | 'RJCT';
  deliveries: number;
  decidedAt: string;
}

export interface PaymentPage {
  /** Payments matching the filter, in all pages. */
  total: number;
  offset: number;
  limit: number;
  items: PaymentSummary[];
}

type Kind = 'payment' | 'cancellation' | 'return';

type JournalLine =
  | ({ t: 'decision' } & Omit<PaymentRecord, 'deliveries'>)
  | ({ t: 'cancellation' } & Omit<CancellationRecord, 'deliveries'>)
  | ({ t: 'return' } & Omit<ReturnRecord, 'deliveries'>)
  /** `kind` is absent on lines written before cancellations and returns existed: a payment. */
  | { t: 'replay'; key: string; at: string; kind?: Kind };

const zeroCancellations = (): CancellationStats => ({ received: 0, unique: 0, duplicates: 0, cancelled: 0, refused: 0 });
const zeroReturns = (): ReturnStats => ({ received: 0, unique: 0, duplicates: 0 });
const zeroStatusRequests = (): StatusRequestStats => ({ received: 0, known: 0, unknown: 0 });

/**
 * The host's memory of payments, cancellation requests and returns: a Map, optionally journaled as JSON lines to `dataFile` (each decision and
 * each replay, written synchronously before the answer leaves) and replayed from it at start.
 * All methods are synchronous so "look up, else decide and record" cannot interleave between requests.
 */
@Injectable()
export class PaymentLedger {
  private readonly records = new Map<string, PaymentRecord>();
  private readonly cancellations = new Map<string, CancellationRecord>();
  private readonly returns = new Map<string, ReturnRecord>();
  private counters = { received: 0, duplicates: 0, accepted: 0, rejected: 0 };
  private cancellationCounters = zeroCancellations();
  private returnCounters = zeroReturns();
  private statusCounters = zeroStatusRequests();
  private dropped = 0;
  private readonly dataFile: string | null;
  /** Lines of the data file that could not be read at start (a torn last line after a crash, ...). */
  readonly skippedLines: number = 0;

  constructor(@Inject(SIM_CONFIG) config: ResolvedSimulatorConfig) {
    this.dataFile = config.dataFile;
    if (this.dataFile) {
      mkdirSync(dirname(this.dataFile), { recursive: true });
      if (existsSync(this.dataFile)) {
        const text = readFileSync(this.dataFile, 'utf8');
        this.skippedLines = this.load(text);
        // End a torn last line, so the next decision does not get glued onto it.
        if (text !== '' && !text.endsWith('\n')) appendFileSync(this.dataFile, '\n');
      }
    }
  }

  get(key: string): PaymentRecord | undefined {
    return this.records.get(key);
  }

  get size(): number {
    return this.records.size;
  }

  /**
   * The payment a later message refers to: by UETR, else by MsgId + EndToEndId. Linear in the number of
   * payments (a simulator's ledger is small).
   */
  findPayment(ref: { uetr: string | null; msgId: string | null; endToEndId: string | null }): PaymentRecord | undefined {
    const uetr = ref.uetr?.toLowerCase() ?? null;
    for (const rec of this.records.values()) {
      if (uetr !== null && rec.uetr?.toLowerCase() === uetr) return rec;
    }
    if (ref.msgId === null || ref.endToEndId === null) return undefined;
    for (const rec of this.records.values()) {
      if (rec.msgId === ref.msgId && rec.endToEndId === ref.endToEndId) return rec;
    }
    return undefined;
  }

  /** The payments decided, in the order they were decided, optionally of one status; one page of them. */
  list(filter: { status?: 'ACSC' | 'RJCT' | null; offset: number; limit: number }): PaymentPage {
    const all = [...this.records.values()].filter((r) => !filter.status || r.status === filter.status);
    return {
      total: all.length,
      offset: filter.offset,
      limit: filter.limit,
      items: all
        .slice(filter.offset, filter.offset + filter.limit)
        .map(({ key, uetr, status, deliveries, decidedAt }) => ({ key, uetr, status, deliveries, decidedAt })),
    };
  }

  getCancellation(key: string): CancellationRecord | undefined {
    return this.cancellations.get(key);
  }

  getReturn(key: string): ReturnRecord | undefined {
    return this.returns.get(key);
  }

  /** True when a cancellation of this payment was accepted (CNCL). */
  isCancelled(paymentKey: string): boolean {
    for (const c of this.cancellations.values()) if (c.paymentKey === paymentKey && c.status === 'CNCL') return true;
    return false;
  }

  /** True when a return of this payment was taken. */
  isReturned(paymentKey: string): boolean {
    for (const r of this.returns.values()) if (r.paymentKey === paymentKey) return true;
    return false;
  }

  /** Records the first answer to a cancellation request. */
  recordCancellation(decision: Omit<CancellationRecord, 'deliveries'>): CancellationRecord {
    if (this.cancellations.has(decision.key)) throw new Error(`cancellation ${decision.key} is already recorded`);
    this.append({ t: 'cancellation', ...decision });
    return this.applyCancellation(decision);
  }

  /** Records a return taken. */
  recordReturn(decision: Omit<ReturnRecord, 'deliveries'>): ReturnRecord {
    if (this.returns.has(decision.key)) throw new Error(`return ${decision.key} is already recorded`);
    this.append({ t: 'return', ...decision });
    return this.applyReturn(decision);
  }

  /** Counts a re-delivery of a known cancellation request and returns its record. */
  replayCancellation(key: string): CancellationRecord {
    const rec = this.cancellations.get(key);
    if (!rec) throw new Error(`cancellation ${key} is not recorded`);
    this.append({ t: 'replay', key, at: new Date().toISOString(), kind: 'cancellation' });
    return this.applyReplayOf('cancellation', rec);
  }

  /** Counts a re-delivery of a known return and returns its record. */
  replayReturn(key: string): ReturnRecord {
    const rec = this.returns.get(key);
    if (!rec) throw new Error(`return ${key} is not recorded`);
    this.append({ t: 'replay', key, at: new Date().toISOString(), kind: 'return' });
    return this.applyReplayOf('return', rec);
  }

  /** Records the first decision for a key. */
  record(decision: Omit<PaymentRecord, 'deliveries'>): PaymentRecord {
    if (this.records.has(decision.key)) throw new Error(`key ${decision.key} is already recorded`);
    this.append({ t: 'decision', ...decision });
    return this.applyDecision(decision);
  }

  /** Counts a re-delivery of a known key and returns its record. */
  replay(key: string): PaymentRecord {
    const rec = this.records.get(key);
    if (!rec) throw new Error(`key ${key} is not recorded`);
    this.append({ t: 'replay', key, at: new Date().toISOString() });
    return this.applyReplay(rec);
  }

  /** Counts a status request answered: about a payment the host took (`known`) or not. */
  countStatusRequest(known: boolean): void {
    this.statusCounters.received++;
    if (known) this.statusCounters.known++;
    else this.statusCounters.unknown++;
  }

  /** Counts an answer lost on purpose. */
  countDroppedAnswer(): void {
    this.dropped++;
  }

  stats(): SimulatorStats {
    const { received, duplicates, accepted, rejected } = this.counters;
    return {
      received,
      unique: this.records.size,
      duplicates,
      accepted,
      rejected,
      cancellations: { ...this.cancellationCounters, unique: this.cancellations.size },
      returns: { ...this.returnCounters, unique: this.returns.size },
      statusRequests: { ...this.statusCounters },
      answersDropped: this.dropped,
    };
  }

  /** Forgets every record and counter (and empties the data file). */
  reset(): void {
    this.records.clear();
    this.cancellations.clear();
    this.returns.clear();
    this.counters = { received: 0, duplicates: 0, accepted: 0, rejected: 0 };
    this.cancellationCounters = zeroCancellations();
    this.returnCounters = zeroReturns();
    this.statusCounters = zeroStatusRequests();
    this.dropped = 0;
    if (this.dataFile) writeFileSync(this.dataFile, '');
  }

  private applyDecision(decision: Omit<PaymentRecord, 'deliveries'>): PaymentRecord {
    const rec: PaymentRecord = { ...decision, deliveries: 1 };
    this.records.set(rec.key, rec);
    this.counters.received++;
    if (rec.status === 'ACSC') this.counters.accepted++;
    else this.counters.rejected++;
    return rec;
  }

  private applyCancellation(decision: Omit<CancellationRecord, 'deliveries'>): CancellationRecord {
    const rec: CancellationRecord = { ...decision, deliveries: 1 };
    this.cancellations.set(rec.key, rec);
    this.cancellationCounters.received++;
    if (rec.status === 'CNCL') this.cancellationCounters.cancelled++;
    else this.cancellationCounters.refused++;
    return rec;
  }

  private applyReturn(decision: Omit<ReturnRecord, 'deliveries'>): ReturnRecord {
    const rec: ReturnRecord = { ...decision, deliveries: 1 };
    this.returns.set(rec.key, rec);
    this.returnCounters.received++;
    return rec;
  }

  private applyReplayOf<T extends { deliveries: number }>(kind: 'cancellation' | 'return', rec: T): T {
    const counters = kind === 'cancellation' ? this.cancellationCounters : this.returnCounters;
    rec.deliveries++;
    counters.received++;
    counters.duplicates++;
    return rec;
  }

  private applyReplay(rec: PaymentRecord): PaymentRecord {
    rec.deliveries++;
    this.counters.received++;
    this.counters.duplicates++;
    return rec;
  }

  private append(line: JournalLine): void {
    if (this.dataFile) appendFileSync(this.dataFile, JSON.stringify(line) + '\n');
  }

  private load(text: string): number {
    let skipped = 0;
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      let line: JournalLine;
      try {
        line = JSON.parse(raw) as JournalLine;
      } catch {
        skipped++;
        continue;
      }
      if (line.t === 'decision' && typeof line.key === 'string' && !this.records.has(line.key)) {
        const { t: _t, ...decision } = line;
        this.applyDecision(decision);
        continue;
      }
      if (line.t === 'cancellation' && typeof line.key === 'string' && !this.cancellations.has(line.key)) {
        const { t: _t, ...decision } = line;
        this.applyCancellation(decision);
        continue;
      }
      if (line.t === 'return' && typeof line.key === 'string' && !this.returns.has(line.key)) {
        const { t: _t, ...decision } = line;
        this.applyReturn(decision);
        continue;
      }
      if (line.t !== 'replay') {
        skipped++;
        continue;
      }
      const kind = line.kind ?? 'payment';
      if (kind === 'payment' && this.records.has(line.key)) this.applyReplay(this.records.get(line.key)!);
      else if (kind === 'cancellation' && this.cancellations.has(line.key)) this.applyReplayOf(kind, this.cancellations.get(line.key)!);
      else if (kind === 'return' && this.returns.has(line.key)) this.applyReplayOf(kind, this.returns.get(line.key)!);
      else skipped++;
    }
    return skipped;
  }
}
