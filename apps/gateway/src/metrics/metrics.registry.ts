import { Inject, Injectable, Optional } from '@nestjs/common';
import { AwsRequestMeter } from '#adapters/aws';
import { EmbeddedDatabase } from '#adapters/embedded';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/**
 * The process's Prometheus registry: Node's own process metrics (CPU seconds, resident memory, event-loop lag,
 * heap), the embedded store's group-commit counters, and on AWS the requests per service and operation and the
 * DynamoDB capacity units consumed (AwsRequestMeter). Served by GET /metrics (MetricsController).
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(
    @Optional() @Inject(EmbeddedDatabase) database: EmbeddedDatabase | null = null,
    @Optional() @Inject(AwsRequestMeter) aws: AwsRequestMeter | null = null,
  ) {
    collectDefaultMetrics({ register: this.registry });
    if (aws) {
      new Counter({
        name: 'clearway_aws_requests_total',
        help: 'Requests sent to AWS services (each attempt of a retried call counts), by service, operation and outcome.',
        labelNames: ['service', 'operation', 'outcome'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const r of aws.usage().requests) this.inc({ service: r.service, operation: r.operation, outcome: r.outcome }, r.count);
        },
      });
      new Counter({
        name: 'clearway_dynamodb_consumed_capacity_units_total',
        help: 'DynamoDB capacity units the table reported consumed (ReturnConsumedCapacity=TOTAL), by kind (read, write).',
        labelNames: ['kind'],
        registers: [this.registry],
        collect() {
          this.reset();
          const { read, write } = aws.usage().capacity;
          this.inc({ kind: 'read' }, read);
          this.inc({ kind: 'write' }, write);
        },
      });
    }
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
