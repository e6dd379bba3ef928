// SPDX-License-Identifier: Apache-2.0
/**
 * The routing model (issue 14): named downstream connectors, ordered rules that pick among them, and the decision
 * stored with a payment. Plain data, read from ROUTING_FILE (routing-file.ts) and cached for the process's life.
 *
 * Static eligibility (currency, amount limits, service level, local instrument, creditor country, clearing
 * system, message generation) is decided when a payment is processed; dynamic availability (opening hours and
 * cut-off, circuit breaker, throughput cap) when it is released (connector-set.ts).
 */

/** Weekday names as the routing file spells them. */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type ConnectorTransport = 'http' | 'amqp' | 'core';

/** When a connector takes payments: local times in an IANA time zone. */
export interface OpeningHours {
  /** IANA time zone, e.g. `Europe/Brussels`. */
  timeZone: string;
  /** `HH:MM`, local: the connector opens (default `00:00`). */
  open: string;
  /** `HH:MM`, local: the cut-off; payments released at or after it wait for the next open day (default `24:00`). */
  cutOff: string;
  /** Days it is open (default Mon..Fri). */
  days: Weekday[];
  /** `YYYY-MM-DD` local dates it is closed (holidays). */
  closedDates: string[];
}

export interface CircuitSettings {
  /** Consecutive failed calls that open the circuit (default 5). */
  failureThreshold: number;
  /** How long it stays open before letting probes through, in ms (default 30000). */
  openMs: number;
  /** Calls let through at once while half-open; one success closes it, one failure opens it again (default 1). */
  halfOpenProbes: number;
}

/** Cost of one payment through a connector, in the payment's currency: `fixed` + `bps` basis points of the amount. */
export interface ConnectorCost {
  /** Decimal string, e.g. `"0.20"`; never a float. */
  fixed: string;
  /** Basis points of the amount (integer or decimal string, e.g. `"1.5"`). */
  bps: string;
}

export interface ConnectorDefinition {
  id: string;
  /** Free text for operators (optional). */
  description?: string;
  transport: ConnectorTransport;
  /** http: base URL of the downstream (the simulator's API: POST {url}/v1/payments ...). */
  url: string | null;
  /** http: name of the secret-store entry holding the Authorization header value (never the value itself). */
  authSecret: string | null;
  /** amqp: the request queue (replies come on the gateway's reply queue). */
  requestQueue: string | null;
  /** Per-call timeout in ms (default: HOST_TIMEOUT_MS). */
  timeoutMs: number | null;
  /** pacs.008 generations it takes, e.g. [`pacs.008.001.08`] (default: the three the gateway reads). */
  messageVersions: string[];
  /** Capabilities; null: any. Codes are upper case. */
  currencies: string[] | null;
  /** Amount limits as decimal strings in the payment's currency; null: none. Inclusive. */
  minAmount: string | null;
  maxAmount: string | null;
  serviceLevels: string[] | null;
  localInstruments: string[] | null;
  creditorCountries: string[] | null;
  clearingSystems: string[] | null;
  hours: OpeningHours | null;
  /** Payments per second this process sends it at most; null: no cap. */
  maxPerSecond: number | null;
  circuit: CircuitSettings;
  cost: ConnectorCost | null;
}

/** What a rule matches on; every field given must match (AND), a list matches any of its values (OR). */
export interface RuleMatch {
  currency?: string[];
  /** Inclusive decimal-string bounds in the payment's currency. */
  amount?: { min?: string; max?: string };
  creditorCountry?: string[];
  /** BIC prefixes of the creditor agent, e.g. `DEUTDE` or `DEUT`. */
  creditorAgentBic?: string[];
  /** Clearing member ids of the creditor agent (ClrSysMmbId/MmbId), exact. */
  clearingMemberId?: string[];
  serviceLevel?: string[];
  localInstrument?: string[];
  categoryPurpose?: string[];
  /** How the payment came in: `api` (XML inbox), `mq`, `json`, `qr`, `pain.001`. */
  channel?: string[];
  /** Client ids. */
  client?: string[];
}

export type RouteStrategy =
  /** Cheapest eligible connector among `among` (default: every connector), by its cost for this payment. */
  | { kind: 'cheapest'; among: string[] | null }
  /** A stable split by transaction id (for migrations): weights per connector, the rest as fallbacks. */
  | { kind: 'weighted'; weights: { connector: string; weight: number }[] };

export interface RoutingRule {
  /** Given in the file, or `rule-<n>` (1-based position). */
  id: string;
  /** Free text for operators (optional). */
  description?: string;
  match: RuleMatch;
  /** Primary then ordered fallbacks. Exactly one of `route` and `strategy`. */
  route: string[] | null;
  strategy: RouteStrategy | null;
  /** No eligible connector: reject the payment (default) or hold it for an operator. */
  onNoRoute: 'reject' | 'hold';
}

export interface RoutingTable {
  connectors: ConnectorDefinition[];
  rules: RoutingRule[];
  /** Route when no rule matches (primary then fallbacks). */
  default: string[];
  /** For the default route. */
  onNoRoute: 'reject' | 'hold';
}

/** The facts of a payment a routing decision reads (from its details, channel and owner). */
export interface RoutingFacts {
  transactionId: string;
  clientId: string;
  channel: string;
  /** The pacs.008 generation it came in, e.g. `pacs.008.001.08`. */
  messageType: string;
  amount: { value: string; currency: string } | null;
  creditorCountry: string | null;
  creditorAgentBic: string | null;
  creditorAgentMemberId: string | null;
  /** The creditor agent's clearing system id code, else the settlement's clearing system (SttlmInf/ClrSys). */
  clearingSystem: string | null;
  serviceLevel: string | null;
  localInstrument: string | null;
  categoryPurpose: string | null;
}

/** A connector left out, and why: a stable code and a sentence. */
export interface RefusedCandidate {
  connector: string;
  /** e.g. `CURRENCY`, `AMOUNT_ABOVE_MAX`, `SERVICE_LEVEL`, `GENERATION`, `CIRCUIT_OPEN`, `CLOSED`, `THROTTLED`, `UNREACHABLE`. */
  code: string;
  reason: string;
}

/** The decision made when a payment is processed: which connectors may take it, in the order to try them. */
export interface RouteDecision {
  /** Rule id that matched, or null for the default route. */
  rule: string | null;
  strategy: 'route' | 'cheapest' | 'weighted' | 'default';
  /** Eligible connectors in order: the first is the choice, the rest are fallbacks before delivery. */
  candidates: string[];
  /** Connectors the rule named (or that the strategy considered) and left out. */
  refused: RefusedCandidate[];
  onNoRoute: 'reject' | 'hold';
}
