// SPDX-License-Identifier: Apache-2.0
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AwsRequestMeter, SqsWorkQueue } from '#adapters/aws';
import { EmbeddedDatabase, SqliteWorkQueue } from '#adapters/embedded';
import { PostgresDatabase, PostgresWorkQueue } from '#adapters/postgres';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { Payment } from '#domain';
import {
  INVESTIGATION_SCAN,
  LEGACY_HOST,
  TRANSACTION_REPOSITORY,
  WORK_QUEUE,
  type LegacyHost,
  type TransactionRepository,
  type WorkQueue,
} from '#application';
import { HttpLegacyHost } from '#adapters/http-host';
import { AdmissionGate } from '../admission/admission.gate.js';
import { OutboxRelay } from '../worker/outbox-relay.service.js';
import { SweeperService } from '../worker/sweeper.service.js';
import { runtimeConfig } from '../config/namespaces.js';
import { GatewayInstruments } from './instruments.js';

/** How long a value read from the queue or the store at a scrape is reused (several scrapers, one read). */
const SCRAPE_CACHE_MS = 1000;

/** The last value of `read` for `ttlMs`; concurrent callers share one read. */
export function cachedRead<T>(read: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    const t = now();
    if (last && t - last.at < ttlMs) return last.value;
    const value = read();
    last = { at: t, value };
    value.catch(() => (last = null));
    return value;
  };
}

/** The gateway's version: the `version` of the nearest package.json named `clearway` above this module. */
export function gatewayVersion(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'clearway' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

/**
 * The process's Prometheus registry: Node's own process metrics (CPU seconds, resident memory, event-loop lag,
 * heap), build info, the payment, host and screening instruments (GatewayInstruments), the work queue's jobs
 * waiting / in flight / dead-lettered and the payments with an unknown outcome (read at each scrape, cached
 * SCRAPE_CACHE_MS), the outbox relay, the embedded store's group-commit counters, and on AWS the requests per
 * service and operation and the DynamoDB capacity units consumed (AwsRequestMeter). Served by GET /metrics
 * (MetricsController) and, with METRICS_PORT, by MetricsServer. docs/operations.md, "Metrics", lists them.
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
    @Optional() @Inject(GatewayInstruments) instruments: GatewayInstruments | null = null,
    @Optional() @Inject(WORK_QUEUE) queue: WorkQueue | null = null,
    @Optional() @Inject(TRANSACTION_REPOSITORY) repository: TransactionRepository | null = null,
    @Optional() @Inject(OutboxRelay) outbox: OutboxRelay | null = null,
    @Optional() @Inject(runtimeConfig.KEY) runtime: ConfigType<typeof runtimeConfig> | null = null,
    @Optional() @Inject(PostgresDatabase) postgres: PostgresDatabase | null = null,
  ) {
    // Node's process metrics include the event-loop lag (`nodejs_eventloop_lag_seconds`, and its p50/p90/p99).
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'clearway_build_info',
      help: 'Always 1: the gateway version (package.json), source revision (GIT_REVISION, else unknown) and Node.js version.',
      labelNames: ['version', 'revision', 'node'],
      registers: [this.registry],
    }).set({ version: gatewayVersion(), revision: runtime?.revision ?? 'unknown', node: process.version }, 1);
    for (const metric of instruments?.all() ?? []) this.registry.registerMetric(metric);
    if (queue) this.queueMetrics(queue);
    if (postgres) this.postgresMetrics(postgres);
    if (repository) this.investigationMetrics(repository);
    if (outbox) this.outboxMetrics(outbox);
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

  /** The PostgreSQL pool of this process: its connections by state and the callers waiting for one. */
  private postgresMetrics(db: PostgresDatabase): void {
    new Gauge({
      name: 'clearway_postgres_pool_connections',
      help: 'Connections of this process to PostgreSQL, by state (idle, busy); DATABASE_POOL_SIZE caps the sum.',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        this.set({ state: 'idle' }, db.pool.idleCount);
        this.set({ state: 'busy' }, db.pool.totalCount - db.pool.idleCount);
      },
    });
    new Gauge({
      name: 'clearway_postgres_pool_waiting',
      help: 'Calls waiting for a free PostgreSQL connection: steadily above 0, the pool (or the server) is too small.',
      registers: [this.registry],
      collect() {
        this.set(db.pool.waitingCount);
      },
    });
  }

  /** The work queue's jobs by state, read from the queue at each scrape (both queues' own counts). */
  private queueMetrics(queue: WorkQueue): void {
    let read: (() => Promise<{ waiting: number; inflight: number; dead: number }>) | null = null;
    if (queue instanceof SqliteWorkQueue || queue instanceof PostgresWorkQueue) read = () => queue.depth();
    else if (queue instanceof SqsWorkQueue) {
      read = async () => {
        const s = await queue.stats();
        return { waiting: s.visible + s.delayed, inflight: s.inflight, dead: s.dead };
      };
    }
    if (!read) return;
    const depth = cachedRead(read, SCRAPE_CACHE_MS);
    const gauge = (name: string, help: string, pick: (d: Awaited<ReturnType<typeof depth>>) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          this.set(pick(await depth()));
        },
      });
    gauge(
      'clearway_queue_waiting_jobs',
      'Jobs in the work queue waiting for a worker (due, delayed and retrying), read from the queue at the scrape (SQS: approximate).',
      (d) => d.waiting,
    );
    gauge(
      'clearway_queue_inflight_jobs',
      'Jobs handed to a worker and not yet acked, retried or dead-lettered (SQS: approximate).',
      (d) => d.inflight,
    );
    gauge(
      'clearway_queue_dead_letter_jobs',
      'Jobs in the dead-letter area (embedded) or dead-letter queue (SQS): they need an operator (redrive).',
      (d) => d.dead,
    );
  }

  /**
   * Payments whose outcome at the host is unknown (PDNG under investigation), across clients: the same look as
   * GET /v1/investigations (at most INVESTIGATION_SCAN waiting payments read; more: the count is a lower bound).
   */
  private investigationMetrics(repository: TransactionRepository): void {
    const count = cachedRead(async () => {
      const waiting = await repository.findStale(['PDNG'], new Date(Date.now() + 1), INVESTIGATION_SCAN);
      return waiting.filter((p) => Payment.fromSnapshot(p).isOutcomeUnknown).length;
    }, SCRAPE_CACHE_MS);
    new Gauge({
      name: 'clearway_payments_outcome_unknown',
      help: `Payments whose outcome at the host is unknown (PDNG under investigation), all clients; at most ${INVESTIGATION_SCAN} waiting payments are read.`,
      registers: [this.registry],
      async collect() {
        this.set(await count());
      },
    });
  }

  /** STORE=dynamodb (worker): what the outbox relay found and sent. */
  private outboxMetrics(relay: OutboxRelay): void {
    new Gauge({
      name: 'clearway_outbox_backlog_jobs',
      help: "Jobs the outbox relay's last pass found in the DynamoDB outbox (committed, not handed to the queue at once).",
      registers: [this.registry],
      collect() {
        this.set(relay.totals.lastBacklog);
      },
    });
    this.total(
      'clearway_outbox_relayed_total',
      'Jobs the outbox relay sent to the work queue from the DynamoDB outbox.',
      () => relay.totals.relayed,
    );
    this.total(
      'clearway_outbox_relay_failures_total',
      'Passes of the outbox relay that failed (retried at the next sweep).',
      () => relay.totals.failedPasses,
    );
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
