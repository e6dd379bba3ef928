import { Inject, Injectable, Optional } from '@nestjs/common';
import { AwsRequestMeter } from '#adapters/aws';
import { EmbeddedDatabase } from '#adapters/embedded';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { LEGACY_HOST, type LegacyHost } from '#application';
import { HttpLegacyHost } from '#adapters/http-host';
import { AdmissionGate } from '../admission/admission.gate.js';
import { SweeperService } from '../worker/sweeper.service.js';

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
    @Optional() @Inject(AdmissionGate) admission: AdmissionGate | null = null,
    @Optional() @Inject(LEGACY_HOST) host: LegacyHost | null = null,
    @Optional() @Inject(SweeperService) sweeper: SweeperService | null = null,
  ) {
    // Node's process metrics include the event-loop lag (`nodejs_eventloop_lag_seconds`, and its p50/p90/p99).
    collectDefaultMetrics({ register: this.registry });
    if (admission) this.admissionMetrics(admission);
    if (host instanceof HttpLegacyHost) {
      this.total(
        'clearway_host_call_timeouts_total',
        'HTTP host call attempts that got no answer within HOST_TIMEOUT_MS.',
        () => host.calls.timedOut,
      );
    }
    if (sweeper) {
      this.total(
        'clearway_sla_timeouts_total',
        'Payments the SLA sweeper ended (AB05) or asked the host about one last time.',
        () => sweeper.totals.timedOut,
      );
      this.total(
        'clearway_recovery_redriven_total',
        'Stranded payments (no live job) whose next step the recovery sweeper re-drove.',
        () => sweeper.totals.redriven,
      );
    }
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
      this.total(
        'clearway_store_commits_total',
        'Transactions committed by the embedded store (one group commit holds many writes).',
        () => stats().commits,
      );
      this.total(
        'clearway_store_writes_total',
        'Writes (payment saves, job claims and acks, archived messages) committed or refused by the embedded store.',
        () => stats().writes,
      );
      this.total(
        'clearway_store_commit_seconds_total',
        'Time the event loop spent in group commits of the embedded store (statements and COMMIT; the fsync runs off the loop).',
        () => stats().commitMs / 1000,
      );
      this.total(
        'clearway_store_wal_syncs_total',
        "fdatasync calls on the embedded store's WAL (off the event loop; one covers every group commit before it).",
        () => stats().walSyncs,
      );
      this.total(
        'clearway_store_checkpoints_total',
        'WAL checkpoints of the embedded store run on the checkpointer thread (off the event loop).',
        () => database.checkpointStats?.checkpoints ?? 0,
      );
      this.total(
        'clearway_store_checkpoint_pause_seconds_total',
        'Time writes of the embedded store waited while the checkpointer copied the last WAL frames (the event loop stays free).',
        () => (database.checkpointStats?.pausedMs ?? 0) / 1000,
      );
      new Gauge({
        name: 'clearway_store_longest_checkpoint_seconds',
        help: 'The longest WAL checkpoint of the embedded store since start (on the checkpointer thread, not the event loop).',
        registers: [this.registry],
        collect() {
          this.set((database.checkpointStats?.longestMs ?? 0) / 1000);
        },
      });
      new Gauge({
        name: 'clearway_store_longest_commit_seconds',
        help: 'The longest group commit of the embedded store since start: the event loop was held that long.',
        registers: [this.registry],
        collect() {
          this.set(stats().longestCommitMs / 1000);
        },
      });
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

  /** A counter whose value is read from its source at each scrape. */
  private total(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  private admissionMetrics(gate: AdmissionGate): void {
    const gauge = (name: string, help: string, read: () => number | null) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const v = read();
          if (v === null) this.reset();
          else this.set(v);
        },
      });
    gauge('clearway_admission_open', 'Whether this process takes new payments (1) or refuses them with 503 because of load (0).', () =>
      gate.state.open ? 1 : 0,
    );
    gauge('clearway_queue_due_jobs', 'Jobs due and waiting for a worker, at the last admission sample.', () => gate.state.queued);
    gauge('clearway_queue_oldest_due_seconds', 'How long the oldest due job has waited, at the last admission sample.', () =>
      gate.state.oldestQueuedMs === null ? null : gate.state.oldestQueuedMs / 1000,
    );
    gauge(
      'clearway_queue_completed_per_second',
      'Jobs completed per second while jobs were waiting (smoothed): the measured capacity.',
      () => gate.state.completedPerSecond,
    );
    gauge(
      'clearway_admission_expected_wait_seconds',
      'How long new work would wait in the queue, as admission control estimates it.',
      () => (Number.isFinite(gate.state.expectedWaitMs) ? gate.state.expectedWaitMs / 1000 : null),
    );
    new Counter({
      name: 'clearway_admission_refused_total',
      help: 'Submissions refused by admission control, by code (ADMISSION.OVERLOADED: 503; ADMISSION.CLIENT_QUOTA: 429).',
      labelNames: ['code'],
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ code: 'ADMISSION.OVERLOADED' }, gate.refused.overloaded);
        this.inc({ code: 'ADMISSION.CLIENT_QUOTA' }, gate.refused.quota);
      },
    });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
