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
}

type JournalLine =
  | ({ t: 'decision' } & Omit<PaymentRecord, 'deliveries'>)
  | { t: 'replay'; key: string; at: string };

/**
 * The host's memory of payments: a Map, optionally journaled as JSON lines to `dataFile` (each decision and
 * each replay, written synchronously before the answer leaves) and replayed from it at start.
 * All methods are synchronous so "look up, else decide and record" cannot interleave between requests.
 */
@Injectable()
export class PaymentLedger {
  private readonly records = new Map<string, PaymentRecord>();
  private counters = { received: 0, duplicates: 0, accepted: 0, rejected: 0 };
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

  stats(): SimulatorStats {
    const { received, duplicates, accepted, rejected } = this.counters;
    return { received, unique: this.records.size, duplicates, accepted, rejected };
  }

  /** Forgets every record and counter (and empties the data file). */
  reset(): void {
    this.records.clear();
    this.counters = { received: 0, duplicates: 0, accepted: 0, rejected: 0 };
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
      const known = line.t === 'replay' ? this.records.get(line.key) : undefined;
      if (known) {
        this.applyReplay(known);
      } else {
        skipped++;
      }
    }
    return skipped;
  }
}
