// SPDX-License-Identifier: Apache-2.0
import { Counter, Histogram, type Metric } from 'prom-client';
import type { RoutingObserver } from '#application';

/** Seconds: from 1 ms to 2 min (submits, host calls, screening). */
const CALL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Seconds: from 10 ms to 1 day (RCVD to a terminal status: instant settlement up to an SLA or a release the next day). */
const LIFETIME_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 86_400];

/** A reason code as a label: an ISO 20022 external code (4 letters or digits), else `other`; none: `none`. */
export function reasonLabel(code: string | null | undefined): string {
  if (!code) return 'none';
  return /^[A-Z0-9]{4}$/.test(code) ? code : 'other';
}

/** What an HTTP status says, as a label: `2xx`, `4xx`, `5xx`. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/** One call to a downstream dependency as its adapter or decorator saw it. */
export interface CallRecord {
  operation: string;
  outcome: string;
  seconds: number;
}

/**
 * The metrics recorded as things happen (the registry reads the others from their sources at each scrape).
 * One instance per process, created before the adapters that feed it (the host adapter's `onCall`, the screening
 * decorator) and registered by MetricsRegistry. Every label is bounded: statuses, ISO reason codes (else
 * `other`), operation and outcome names, the host's transport name; never a transaction or client id.
 */
export class GatewayInstruments {
  readonly transitions = new Counter({
    name: 'clearway_payment_transitions_total',
    help: 'Stored status changes of payments and message transactions, by from (`none` at intake), to, ISO reason code (`none`, or `other` when not a 4-character code) and kind.',
    labelNames: ['from', 'to', 'reason', 'kind'],
    registers: [],
  });

  readonly submitDuration = new Histogram({
    name: 'clearway_payment_submit_duration_seconds',
    help: 'Time to answer a submission (POST /v1/inbox, POST /inbox, POST /v1/payments, POST /v1/qr-payments), from the request to the response, by route and status class (2xx, 4xx, 5xx).',
    labelNames: ['route', 'status_class'],
    buckets: CALL_BUCKETS,
    registers: [],
  });

  readonly receivedToTerminal = new Histogram({
    name: 'clearway_payment_received_to_terminal_seconds',
    help: 'Time from receipt (RCVD) to a terminal status (ACSC, RJCT, CANC), by that status and kind; observed when the terminal change is stored.',
    labelNames: ['status', 'kind'],
    buckets: LIFETIME_BUCKETS,
    registers: [],
  });

  readonly hostCalls = new Histogram({
    name: 'clearway_host_call_duration_seconds',
    help: 'Calls to the legacy host (all attempts of one call), by host transport, operation (deliver, cancel, return, status) and outcome (settled, rejected, pending, unknown, cancelled, refused, accepted, error, timeout).',
    labelNames: ['host', 'operation', 'outcome'],
    buckets: CALL_BUCKETS,
    registers: [],
  });

  readonly screening = new Histogram({
    name: 'clearway_screening_duration_seconds',
    help: 'Calls to the sanctions-screening service, by service and outcome (clear, hit, unavailable, error).',
    labelNames: ['service', 'outcome'],
    buckets: CALL_BUCKETS,
    registers: [],
  });

  readonly routingDecisions = new Counter({
    name: 'clearway_routing_decisions_total',
    help: 'Routing decisions (ROUTING_FILE), by first-choice connector (`none` when no connector is eligible) and rule (`default` when none matched).',
    labelNames: ['connector', 'rule'],
    registers: [],
  });

  readonly routingFailovers = new Counter({
    name: 'clearway_routing_failovers_total',
    help: 'Payments moved to another connector before delivery, by the connector left, the one taken and why (CIRCUIT_OPEN, CLOSED, THROTTLED, UNREACHABLE, GENERATION).',
    labelNames: ['from', 'to', 'reason'],
    registers: [],
  });

  readonly routingUnroutable = new Counter({
    name: 'clearway_routing_unroutable_total',
    help: 'Payments no connector could take (rejected or held for an operator), by the ISO reason code given.',
    labelNames: ['reason'],
    registers: [],
  });

  readonly circuitChanges = new Counter({
    name: 'clearway_connector_circuit_changes_total',
    help: "Changes of a connector's circuit breaker, by connector and the state entered (open, half-open, closed).",
    labelNames: ['connector', 'state'],
    registers: [],
  });

  /** What the routing layer reports (ConnectorSet's observer). Connector and rule ids come from the routing file: bounded. */
  routingObserver(): RoutingObserver {
    return {
      decided: (d) => this.routingDecisions.inc({ connector: d.candidates[0] ?? 'none', rule: d.rule ?? 'default' }),
      failedOver: (from, to, code) => this.routingFailovers.inc({ from: from ?? 'none', to, reason: code }),
      unroutable: (code) => this.routingUnroutable.inc({ reason: reasonLabel(code) }),
      circuitChanged: (connector, state) => this.circuitChanges.inc({ connector, state }),
    };
  }

  /** What the host adapter reports for each call (its `onCall` option). */
  hostCallObserver(host: string): (call: CallRecord) => void {
    return (c) => this.hostCalls.observe({ host, operation: c.operation, outcome: c.outcome }, c.seconds);
  }

  all(): Metric[] {
    return [
      this.transitions,
      this.submitDuration,
      this.receivedToTerminal,
      this.hostCalls,
      this.screening,
      this.routingDecisions,
      this.routingFailovers,
      this.routingUnroutable,
      this.circuitChanges,
    ];
  }
}
