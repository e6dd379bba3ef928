import { Inject, Injectable, Optional } from '@nestjs/common';
import { EmbeddedDatabase } from '#adapters/embedded';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/**
 * The process's Prometheus registry: Node's own process metrics (CPU seconds, resident memory, event-loop lag,
 * heap) and the store's group-commit counters. Served by GET /metrics (MetricsController).
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(@Optional() @Inject(EmbeddedDatabase) database: EmbeddedDatabase | null = null) {
    collectDefaultMetrics({ register: this.registry });
    if (database) {
      const stats = () => database.writeStats;
      const counter = (name: string, help: string, read: () => number) =>
        new Counter({
          name,
          help,
          registers: [this.registry],
          collect() {
            this.reset();
            this.inc(read());
          },
        });
      counter(
        'clearway_store_commits_total',
        'Transactions committed by the embedded store (one group commit holds many writes).',
        () => stats().commits,
      );
      counter(
        'clearway_store_writes_total',
        'Writes (payment saves, job claims and acks, archived messages) committed or refused by the embedded store.',
        () => stats().writes,
      );
      new Gauge({
        name: 'clearway_store_largest_group_commit',
        help: 'The largest number of writes one group commit of the embedded store has held.',
        registers: [this.registry],
        collect() {
          this.set(stats().largestBatch);
        },
      });
    }
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
