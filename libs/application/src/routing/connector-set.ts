// SPDX-License-Identifier: Apache-2.0
import type { PaymentDetails, PaymentRoute, PaymentSnapshot, RouteRefusal } from '#domain';
import {
  HostUnavailableError,
  type CancellationOutcome,
  type HostMessage,
  type HostOutcome,
  type HostStatusOutcome,
  type LegacyHost,
  type ReturnOutcome,
} from '../ports/legacy-host.port.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { isOpen } from './opening-hours.js';
import { Router } from './router.js';
import type { ConnectorDefinition, RouteDecision, RoutingFacts } from './routing.model.js';
import { ThroughputCap } from './throughput-cap.js';

/** What a message becomes for a connector that takes another pacs.008 generation (or why it cannot). */
export type GenerationConversion = { ok: true; message: string; messageType: string } | { ok: false; reason: string };

/** Converts a payment's own message to one of `targets` (the connector's generations); the composition root binds it. */
export type GenerationConverter = (message: string, from: string, targets: readonly string[]) => GenerationConversion;

/** What the routing layer tells the metrics. */
export interface RoutingObserver {
  decided?(decision: RouteDecision): void;
  failedOver?(from: string | null, to: string, code: string): void;
  unroutable?(code: string): void;
  circuitChanged?(connector: string, state: 'closed' | 'open' | 'half-open'): void;
}

/** A connector as the operator view shows it. */
export interface ConnectorHealth {
  id: string;
  transport: ConnectorDefinition['transport'];
  endpoint: string | null;
  messageVersions: string[];
  circuit: { state: 'closed' | 'open' | 'half-open'; openUntil: string | null };
  hours: { open: boolean; reason: string | null; opensAt: string | null } | null;
  throughput: { maxPerSecond: number | null };
  /** Calls and failures over the last minute, as the circuit breaker counts them. */
  recent: { calls: number; failures: number; errorRate: number };
  lastError: { message: string; at: string } | null;
}

/** The connector a delivery can start to now, and the candidates passed over before it (and why). */
export interface ConnectorPick {
  connector: string | null;
  skipped: RouteRefusal[];
}

/** Stable codes of the reasons a candidate cannot take a delivery now (release time). */
export const UNAVAILABLE = {
  CLOSED: 'CLOSED',
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  THROTTLED: 'THROTTLED',
  UNREACHABLE: 'UNREACHABLE',
  GENERATION: 'GENERATION',
  UNKNOWN_CONNECTOR: 'UNKNOWN_CONNECTOR',
} as const;

/** Codes that pass: the candidate may take it a little later (a job retry). CLOSED waits for the next opening. */
const TRANSIENT = new Set<string>([UNAVAILABLE.CIRCUIT_OPEN, UNAVAILABLE.THROTTLED, UNAVAILABLE.UNREACHABLE]);

interface Slot {
  definition: ConnectorDefinition;
  host: LegacyHost;
  breaker: CircuitBreaker;
  cap: ThroughputCap | null;
  lastError: { message: string; at: string } | null;
}

/**
 * The downstreams of this process (issue 14): without a routing table, the one legacy host as before; with one,
 * every connector of ROUTING_FILE with its circuit breaker, throughput cap and opening hours, and the router
 * that decides among them. Availability is per process (each instance keeps its own breakers and caps).
 */
export class ConnectorSet {
  private readonly slots = new Map<string, Slot>();
  private readonly now: () => number;

  constructor(
    private readonly options: {
      /** The one host used without a routing table (and for payments that carry no route). */
      defaultHost: LegacyHost;
      router?: Router | null;
      /** Each connector's transport adapter, by connector id. */
      hosts?: ReadonlyMap<string, LegacyHost>;
      convert?: GenerationConverter;
      observer?: RoutingObserver;
      now?: () => number;
    },
  ) {
    this.now = options.now ?? Date.now;
    const router = options.router ?? null;
    if (!router) return;
    for (const definition of router.table.connectors) {
      const host = options.hosts?.get(definition.id);
      if (!host) throw new Error(`connector ${definition.id} has no transport adapter`);
      const slot: Slot = {
        definition,
        host,
        breaker: new CircuitBreaker(definition.circuit, this.now),
        cap: definition.maxPerSecond ? new ThroughputCap(definition.maxPerSecond, this.now) : null,
        lastError: null,
      };
      slot.host = new GuardedHost(host, slot, options.observer);
      this.slots.set(definition.id, slot);
    }
  }

  /** Each connector's own transport adapter (undecorated), by id: for wiring (e.g. late AMQP answers). */
  adapters(): ReadonlyMap<string, LegacyHost> {
    return this.options.hosts ?? new Map();
  }

  /** Whether a routing table is in use. */
  get routing(): boolean {
    return this.options.router != null;
  }

  get router(): Router | null {
    return this.options.router ?? null;
  }

  /** The routing decision for a payment's facts (counted in the metrics). */
  decide(facts: RoutingFacts): RouteDecision {
    const router = this.options.router;
    if (!router) throw new Error('no routing table');
    const decision = router.decide(facts);
    this.options.observer?.decided?.(decision);
    return decision;
  }

  definition(id: string): ConnectorDefinition | undefined {
    return this.slots.get(id)?.definition;
  }

  /**
   * The adapter a payment's messages go to: the connector it was routed to, else (no route) the one host. A
   * connector no longer in the table (or no table any more) is never replaced by another downstream: every call
   * to it fails, retryable, and nothing is sent.
   */
  host(route: Pick<PaymentRoute, 'connector'> | null | undefined): LegacyHost {
    const id = route?.connector ?? null;
    if (id === null) return this.options.defaultHost;
    return this.slots.get(id)?.host ?? new MissingConnector(id);
  }

  /**
   * The first candidate, in order, that can take a delivery now: open by its hours, its circuit letting a call
   * through, under its throughput cap. `skip` leaves out connectors already tried in this attempt.
   */
  pick(candidates: readonly string[], at: Date, skip: ReadonlySet<string> = new Set()): ConnectorPick {
    return firstAvailable(
      candidates.filter((id) => !skip.has(id)),
      (id) => this.unknownOrClosed(id, at) ?? this.throttledOrOpen(this.slots.get(id)!),
    );
  }

  /**
   * What `pick` would answer now, without taking a cap token or a half-open probe (for explanations):
   * a connector is passed over when closed by its hours, its circuit open, or its cap used up this second.
   */
  peek(candidates: readonly string[], at: Date): ConnectorPick {
    return firstAvailable(candidates, (id) => {
      const why = this.unknownOrClosed(id, at);
      if (why || this.slots.get(id)!.breaker.state() !== 'open') return why;
      return { connector: id, code: UNAVAILABLE.CIRCUIT_OPEN, reason: `${id} circuit open` };
    });
  }

  /**
   * Whether a payment whose delivery to `id` has started may call it again now: its circuit lets a call through
   * and it is under its cap (its opening hours no longer matter: the payment is already with it).
   */
  gate(id: string): RouteRefusal | null {
    const slot = this.slots.get(id);
    if (!slot) return null;
    return this.throttledOrOpen(slot);
  }

  private throttledOrOpen(slot: Slot): RouteRefusal | null {
    const { definition } = slot;
    const id = definition.id;
    if (slot.cap && !slot.cap.tryTake()) {
      return { connector: id, code: UNAVAILABLE.THROTTLED, reason: `${id} at its cap of ${definition.maxPerSecond}/s` };
    }
    if (!slot.breaker.tryAcquire()) {
      const until = slot.breaker.openUntil();
      return {
        connector: id,
        code: UNAVAILABLE.CIRCUIT_OPEN,
        reason: `${id} circuit ${slot.breaker.state()}${until ? ` until ${new Date(until).toISOString()}` : ''}`,
      };
    }
    return null;
  }

  /** Not in the table, or closed by its opening hours now. */
  private unknownOrClosed(id: string, at: Date): RouteRefusal | null {
    const slot = this.slots.get(id);
    if (!slot) return { connector: id, code: UNAVAILABLE.UNKNOWN_CONNECTOR, reason: `${id} is not in the routing table` };
    const open = slot.definition.hours ? isOpen(slot.definition.hours, at) : null;
    return open && !open.open ? { connector: id, code: UNAVAILABLE.CLOSED, reason: `${id} closed: ${open.reason}` } : null;
  }

  /**
   * The message to send to `connector`: the payment's own message when the connector takes its generation, else
   * its conversion, or why it cannot be converted without losing something.
   */
  prepare(connector: string, message: string, messageType: string): GenerationConversion {
    const definition = this.slots.get(connector)?.definition;
    if (!definition || definition.messageVersions.includes(messageType) || !messageType.startsWith('pacs.008.')) {
      return { ok: true, message, messageType };
    }
    if (!this.options.convert)
      return { ok: false, reason: `${connector} takes ${definition.messageVersions.join(', ')}, not ${messageType}` };
    return this.options.convert(message, messageType, definition.messageVersions);
  }

  /** Whether every reason is one that passes on its own soon (retry later), rather than a closed connector. */
  static allTransient(skipped: readonly RouteRefusal[]): boolean {
    return skipped.length > 0 && skipped.every((s) => TRANSIENT.has(s.code));
  }

  /** Counts a move to another connector (metrics). */
  failedOver(from: string | null, to: string, code: string): void {
    this.options.observer?.failedOver?.(from, to, code);
  }

  /** Counts a payment no connector could take (metrics). */
  unroutable(code: string): void {
    this.options.observer?.unroutable?.(code);
  }

  /** Each connector's state for GET /v1/routes. */
  health(at: Date): ConnectorHealth[] {
    return [...this.slots.values()].map(({ definition: d, breaker, lastError }) => {
      const hours = d.hours ? isOpen(d.hours, at) : null;
      const until = breaker.openUntil();
      return {
        id: d.id,
        transport: d.transport,
        endpoint: d.transport === 'http' ? d.url : d.transport === 'amqp' ? d.requestQueue : null,
        messageVersions: [...d.messageVersions],
        circuit: { state: breaker.state(), openUntil: until ? new Date(until).toISOString() : null },
        hours: hours
          ? {
              open: hours.open,
              reason: hours.open ? null : hours.reason,
              opensAt: !hours.open && hours.opensAt ? hours.opensAt.toISOString() : null,
            }
          : null,
        throughput: { maxPerSecond: d.maxPerSecond },
        recent: breaker.stats(),
        lastError,
      };
    });
  }
}

/** What a routing decision reads of a payment: its details, its id, its owner and how it came. */
export type RoutablePayment = PaymentDetails & Pick<PaymentSnapshot, 'id' | 'clientId' | 'channel'>;

/** The first candidate `why` finds nothing against, and those passed over before it (with why). */
function firstAvailable(candidates: readonly string[], why: (id: string) => RouteRefusal | null): ConnectorPick {
  const skipped: RouteRefusal[] = [];
  for (const id of candidates) {
    const refusal = why(id);
    if (!refusal) return { connector: id, skipped };
    skipped.push(refusal);
  }
  return { connector: null, skipped };
}

/** The facts a routing decision reads, from a stored payment (or the details of a message not stored). */
export function routingFacts(p: Readonly<RoutablePayment>): RoutingFacts {
  return {
    transactionId: p.id,
    clientId: p.clientId,
    channel: p.channel ?? 'api',
    messageType: p.messageType,
    amount: p.amount,
    creditorCountry: p.creditorCountry ?? null,
    creditorAgentBic: p.creditorAgent,
    creditorAgentMemberId: p.creditorAgentMemberId ?? null,
    clearingSystem: p.clearingSystem ?? null,
    serviceLevel: p.serviceLevel ?? null,
    localInstrument: p.localInstrument ?? null,
    categoryPurpose: p.categoryPurpose ?? null,
  };
}

/** Feeds a connector's circuit breaker with every call's result: an answer closes it, no answer counts as a failure. */
class GuardedHost implements LegacyHost {
  constructor(
    private readonly inner: LegacyHost,
    private readonly slot: Slot,
    private readonly observer: RoutingObserver | undefined,
  ) {}

  get name(): string {
    return this.slot.definition.id;
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    const before = this.slot.breaker.state();
    try {
      const result = await call();
      this.slot.breaker.success();
      return result;
    } catch (e) {
      if (e instanceof HostUnavailableError) {
        this.slot.breaker.failure();
        this.slot.lastError = { message: e.message, at: new Date().toISOString() };
      }
      throw e;
    } finally {
      const after = this.slot.breaker.state();
      if (after !== before) this.observer?.circuitChanged?.(this.slot.definition.id, after);
    }
  }

  deliver(delivery: HostMessage): Promise<HostOutcome> {
    return this.guard(() => this.inner.deliver(delivery));
  }
  requestCancellation(request: HostMessage): Promise<CancellationOutcome> {
    return this.guard(() => this.inner.requestCancellation(request));
  }
  deliverReturn(request: HostMessage): Promise<ReturnOutcome> {
    return this.guard(() => this.inner.deliverReturn(request));
  }
  requestStatus(request: HostMessage): Promise<HostStatusOutcome> {
    return this.guard(() => this.inner.requestStatus(request));
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
}

/** A payment routed to a connector no longer in the routing table: every call fails (retryable), nothing is sent. */
class MissingConnector implements LegacyHost {
  constructor(readonly name: string) {}
  private fail(): Promise<never> {
    return Promise.reject(new HostUnavailableError(`connector ${this.name} is not in the routing table`, true, true));
  }
  deliver(): Promise<HostOutcome> {
    return this.fail();
  }
  requestCancellation(): Promise<CancellationOutcome> {
    return this.fail();
  }
  deliverReturn(): Promise<ReturnOutcome> {
    return this.fail();
  }
  requestStatus(): Promise<HostStatusOutcome> {
    return this.fail();
  }
  ping(): Promise<void> {
    return this.fail();
  }
}
