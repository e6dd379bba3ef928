// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import { DecimalAmount } from '#domain';
import type { ConnectorDefinition, RefusedCandidate, RouteDecision, RoutingFacts, RoutingRule, RoutingTable } from './routing.model.js';

/**
 * The routing decision (issue 14), made in process from the cached table: the first rule whose every match field
 * matches decides (no fall-through to later rules); when none does, the default route. The connectors the rule
 * names (or its strategy considers) are then checked for static eligibility (currency, amount limits, service
 * level, local instrument, creditor country, clearing system, message generation); those that cannot take the
 * payment are listed in `refused` with a stable code and a sentence, the others are the candidates in the order
 * to try them. Dynamic availability (hours, circuit, cap) is the caller's, at release.
 *
 * Everything that does not depend on the payment is prepared once, in the constructor.
 */

export interface RouterOptions {
  /**
   * Whether a payment of generation `from` can be converted, without losing anything, to one of `to` (the
   * generations a connector takes). Asked only when the connector does not take `from` itself. Default: never
   * (a connector must take the payment's own generation).
   */
  canConvert?: (from: string, to: string[]) => boolean;
}

/** The table does not hold together (a rule names a connector that does not exist, two connectors share an id). */
export class InvalidRoutingTableError extends Error {
  readonly code = 'ROUTING.TABLE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRoutingTableError';
  }
}

/** The payment's facts, read once per decision: codes upper-cased, the amount parsed (null when absent or unreadable). */
interface Prepared {
  facts: RoutingFacts;
  amount: DecimalAmount | null;
  currency: string | null;
  creditorCountry: string | null;
  bic: string | null;
  serviceLevel: string | null;
  localInstrument: string | null;
  categoryPurpose: string | null;
  clearingSystem: string | null;
}

interface CompiledConnector {
  def: ConnectorDefinition;
  /** Position in the file: ties are broken by it. */
  index: number;
  currencies: ReadonlySet<string> | null;
  min: DecimalAmount | null;
  max: DecimalAmount | null;
  serviceLevels: ReadonlySet<string> | null;
  localInstruments: ReadonlySet<string> | null;
  creditorCountries: ReadonlySet<string> | null;
  clearingSystems: ReadonlySet<string> | null;
  versions: ReadonlySet<string>;
  fixed: DecimalAmount | null;
  bps: DecimalAmount | null;
}

interface CompiledRule {
  rule: RoutingRule | null;
  tests: ((f: Prepared) => boolean)[];
  strategy: RouteDecision['strategy'];
  /** route / default: in order; cheapest: the connectors considered; weighted: those with a weight. */
  connectors: CompiledConnector[];
  weights: number[];
  onNoRoute: 'reject' | 'hold';
}

export class Router {
  private readonly byId = new Map<string, CompiledConnector>();
  private readonly rules: CompiledRule[];
  private readonly fallback: CompiledRule;
  private readonly canConvert: (from: string, to: string[]) => boolean;

  constructor(
    private readonly routingTable: RoutingTable,
    options: RouterOptions = {},
  ) {
    this.canConvert = options.canConvert ?? ((from, to) => to.includes(from));
    routingTable.connectors.forEach((def, index) => {
      if (this.byId.has(def.id)) throw new InvalidRoutingTableError(`two connectors are named ${def.id}`);
      this.byId.set(def.id, compileConnector(def, index));
    });
    this.rules = routingTable.rules.map((rule) => this.compileRule(rule));
    this.fallback = {
      rule: null,
      tests: [],
      strategy: 'default',
      connectors: this.resolve(routingTable.default, 'the default route'),
      weights: [],
      onNoRoute: routingTable.onNoRoute,
    };
  }

  get table(): RoutingTable {
    return this.routingTable;
  }

  connector(id: string): ConnectorDefinition | undefined {
    return this.byId.get(id)?.def;
  }

  decide(facts: RoutingFacts): RouteDecision {
    const f = prepare(facts);
    let chosen = this.fallback;
    outer: for (const rule of this.rules) {
      for (const test of rule.tests) if (!test(f)) continue outer;
      chosen = rule;
      break;
    }
    const eligible: CompiledConnector[] = [];
    const refused: RefusedCandidate[] = [];
    for (const c of chosen.connectors) {
      const no = this.refusal(c, f);
      if (no) refused.push(no);
      else eligible.push(c);
    }
    let candidates: string[];
    if (chosen.strategy === 'cheapest') candidates = cheapestFirst(eligible, f.amount);
    else if (chosen.strategy === 'weighted') candidates = this.weighted(chosen, eligible, facts.transactionId);
    else candidates = eligible.map((c) => c.def.id);
    return { rule: chosen.rule?.id ?? null, strategy: chosen.strategy, candidates, refused, onNoRoute: chosen.onNoRoute };
  }

  private resolve(ids: readonly string[], where: string): CompiledConnector[] {
    return ids.map((id) => {
      const c = this.byId.get(id);
      if (!c) throw new InvalidRoutingTableError(`${where} names ${id}, which is not a connector`);
      return c;
    });
  }

  private compileRule(rule: RoutingRule): CompiledRule {
    const where = `rule ${rule.id}`;
    const base = { rule, tests: compileMatch(rule), onNoRoute: rule.onNoRoute };
    if (rule.route && !rule.strategy) return { ...base, strategy: 'route', connectors: this.resolve(rule.route, where), weights: [] };
    if (rule.strategy?.kind === 'cheapest' && !rule.route) {
      const connectors = rule.strategy.among ? this.resolve(rule.strategy.among, where) : [...this.byId.values()];
      return { ...base, strategy: 'cheapest', connectors, weights: [] };
    }
    if (rule.strategy?.kind === 'weighted' && !rule.route) {
      const connectors = this.resolve(
        rule.strategy.weights.map((w) => w.connector),
        where,
      );
      return { ...base, strategy: 'weighted', connectors, weights: rule.strategy.weights.map((w) => w.weight) };
    }
    throw new InvalidRoutingTableError(`${where} must have exactly one of a route and a strategy`);
  }

  /**
   * A stable split: the SHA-256 of the transaction id (first 4 bytes) picks a bucket in the total weight of the
   * eligible connectors, so a payment keeps its connector whenever it is decided again; the other eligible
   * connectors follow by descending weight (then in the order written) as fallbacks.
   */
  private weighted(rule: CompiledRule, eligible: CompiledConnector[], transactionId: string): string[] {
    const entries = eligible.map((c) => ({ c, weight: rule.weights[rule.connectors.indexOf(c)]! }));
    const total = entries.reduce((t, e) => t + e.weight, 0);
    const ordered = [...entries].sort((a, b) => b.weight - a.weight);
    if (total === 0) return ordered.map((e) => e.c.def.id);
    const hash = createHash('sha256').update(transactionId).digest().readUInt32BE(0);
    let bucket = Math.floor((hash * total) / 0x1_0000_0000);
    let pick = entries[entries.length - 1]!;
    for (const e of entries) {
      if (bucket < e.weight) {
        pick = e;
        break;
      }
      bucket -= e.weight;
    }
    return [pick.c.def.id, ...ordered.filter((e) => e !== pick).map((e) => e.c.def.id)];
  }

  /** Why connector `c` cannot take the payment (the first reason found), or null when it can. */
  private refusal(c: CompiledConnector, f: Prepared): RefusedCandidate | null {
    const id = c.def.id;
    const no = (code: string, reason: string): RefusedCandidate => ({ connector: id, code, reason });
    if (c.currencies && (f.currency === null || !c.currencies.has(f.currency))) {
      return no(
        'CURRENCY',
        `${id} takes ${listed(c.def.currencies!)}, ${f.currency === null ? 'the payment has no currency' : `not ${f.currency}`}`,
      );
    }
    if (c.min || c.max) {
      const ccy = f.currency ? ` ${f.currency}` : '';
      if (f.amount === null) return no('UNKNOWN_AMOUNT', `${id} has amount limits and the payment's amount cannot be read`);
      if (c.min && f.amount.compare(c.min) < 0) {
        return no('AMOUNT_BELOW_MIN', `${id} takes at least ${c.min.toString()}${ccy}, not ${f.amount.toString()}${ccy}`);
      }
      if (c.max && f.amount.compare(c.max) > 0) {
        return no('AMOUNT_ABOVE_MAX', `${id} takes at most ${c.max.toString()}${ccy}, not ${f.amount.toString()}${ccy}`);
      }
    }
    if (c.serviceLevels && (f.serviceLevel === null || !c.serviceLevels.has(f.serviceLevel))) {
      return no(
        'SERVICE_LEVEL',
        `${id} takes service level ${listed(c.def.serviceLevels!)}, ${f.serviceLevel === null ? 'the payment has none' : `not ${f.serviceLevel}`}`,
      );
    }
    if (c.localInstruments && (f.localInstrument === null || !c.localInstruments.has(f.localInstrument))) {
      return no(
        'LOCAL_INSTRUMENT',
        `${id} takes local instrument ${listed(c.def.localInstruments!)}, ${f.localInstrument === null ? 'the payment has none' : `not ${f.localInstrument}`}`,
      );
    }
    if (c.creditorCountries && (f.creditorCountry === null || !c.creditorCountries.has(f.creditorCountry))) {
      return no(
        'CREDITOR_COUNTRY',
        `${id} takes creditors in ${listed(c.def.creditorCountries!)}, ${f.creditorCountry === null ? "the creditor's country is unknown" : `not ${f.creditorCountry}`}`,
      );
    }
    if (c.clearingSystems && (f.clearingSystem === null || !c.clearingSystems.has(f.clearingSystem))) {
      return no(
        'CLEARING_SYSTEM',
        `${id} takes clearing system ${listed(c.def.clearingSystems!)}, ${f.clearingSystem === null ? 'the payment names none' : `not ${f.clearingSystem}`}`,
      );
    }
    const from = f.facts.messageType;
    if (!c.versions.has(from) && !this.canConvert(from, c.def.messageVersions)) {
      return no('GENERATION', `${id} takes ${listed(c.def.messageVersions)}; ${from} cannot be converted to it`);
    }
    return null;
  }
}

/** `EUR`, `EUR, USD`, or the first four and how many more. */
function listed(values: readonly string[]): string {
  return values.length <= 4 ? values.join(', ') : `${values.slice(0, 4).join(', ')} (+${values.length - 4})`;
}

function upper(s: string | null): string | null {
  return s === null ? null : s.trim().toUpperCase();
}

function prepare(facts: RoutingFacts): Prepared {
  let amount: DecimalAmount | null = null;
  if (facts.amount) {
    try {
      amount = DecimalAmount.parse(facts.amount.value);
    } catch {
      amount = null;
    }
  }
  return {
    facts,
    amount,
    currency: facts.amount ? upper(facts.amount.currency) : null,
    creditorCountry: upper(facts.creditorCountry),
    bic: upper(facts.creditorAgentBic),
    serviceLevel: upper(facts.serviceLevel),
    localInstrument: upper(facts.localInstrument),
    categoryPurpose: upper(facts.categoryPurpose),
    clearingSystem: upper(facts.clearingSystem),
  };
}

function compileConnector(def: ConnectorDefinition, index: number): CompiledConnector {
  const set = (values: readonly string[] | null) => (values ? new Set(values.map((v) => v.toUpperCase())) : null);
  return {
    def,
    index,
    currencies: set(def.currencies),
    min: def.minAmount === null ? null : DecimalAmount.parse(def.minAmount),
    max: def.maxAmount === null ? null : DecimalAmount.parse(def.maxAmount),
    serviceLevels: set(def.serviceLevels),
    localInstruments: set(def.localInstruments),
    creditorCountries: set(def.creditorCountries),
    clearingSystems: set(def.clearingSystems),
    versions: new Set(def.messageVersions),
    fixed: def.cost ? DecimalAmount.parse(def.cost.fixed) : null,
    bps: def.cost ? DecimalAmount.parse(def.cost.bps) : null,
  };
}

/** One test per match field given; a fact the payment lacks never matches. */
function compileMatch(rule: RoutingRule): ((f: Prepared) => boolean)[] {
  const m = rule.match;
  const tests: ((f: Prepared) => boolean)[] = [];
  const oneOf = (values: string[] | undefined, read: (f: Prepared) => string | null, upperCase: boolean) => {
    if (!values) return;
    const set = new Set(upperCase ? values.map((v) => v.toUpperCase()) : values);
    tests.push((f) => {
      const v = read(f);
      return v !== null && set.has(v);
    });
  };
  oneOf(m.currency, (f) => f.currency, true);
  oneOf(m.creditorCountry, (f) => f.creditorCountry, true);
  oneOf(m.clearingMemberId, (f) => f.facts.creditorAgentMemberId, false);
  oneOf(m.serviceLevel, (f) => f.serviceLevel, true);
  oneOf(m.localInstrument, (f) => f.localInstrument, true);
  oneOf(m.categoryPurpose, (f) => f.categoryPurpose, true);
  oneOf(m.channel, (f) => f.facts.channel, false);
  oneOf(m.client, (f) => f.facts.clientId, false);
  if (m.creditorAgentBic) {
    const prefixes = m.creditorAgentBic.map((p) => p.toUpperCase());
    tests.push((f) => f.bic !== null && prefixes.some((p) => f.bic!.startsWith(p)));
  }
  if (m.amount) {
    const min = m.amount.min === undefined ? null : DecimalAmount.parse(m.amount.min);
    const max = m.amount.max === undefined ? null : DecimalAmount.parse(m.amount.max);
    tests.push((f) => f.amount !== null && (min === null || f.amount.compare(min) >= 0) && (max === null || f.amount.compare(max) <= 0));
  }
  return tests;
}

/**
 * Eligible connectors by their cost for this payment, cheapest first: fixed + bps/10000 x amount, exactly (bigint
 * units at a common scale). A connector without a cost counts as the most expensive: a cost is what lets the
 * strategy compare, and an unpriced connector must not win by default. Ties keep the file's order. An unreadable
 * amount counts as 0 (only the fixed part compares).
 */
function cheapestFirst(eligible: CompiledConnector[], amount: DecimalAmount | null): string[] {
  const priced = eligible.map((c) => ({ c, cost: costOf(c, amount) }));
  priced.sort((a, b) => {
    if (a.cost === null || b.cost === null) return a.cost === b.cost ? a.c.index - b.c.index : a.cost === null ? 1 : -1;
    return a.cost.compare(b.cost) || a.c.index - b.c.index;
  });
  return priced.map((p) => p.c.def.id);
}

function costOf(c: CompiledConnector, amount: DecimalAmount | null): DecimalAmount | null {
  if (!c.fixed || !c.bps) return null;
  if (!amount) return c.fixed;
  // bps/10000 x amount = (bps.units x amount.units) / 10^(bps.scale + amount.scale + 4)
  const variableScale = c.bps.scale + amount.scale + 4;
  const scale = Math.max(c.fixed.scale, variableScale);
  const units = c.fixed.units * 10n ** BigInt(scale - c.fixed.scale) + c.bps.units * amount.units * 10n ** BigInt(scale - variableScale);
  return DecimalAmount.of(units, scale);
}

/**
 * The ISO 20022 status reason (ExternalStatusReason1Code) for a payment no connector can take, and a text of at
 * most 105 characters (pacs.002 AddtlInf is Max105Text) naming each connector and why: AM02 when every refusal is
 * an amount above the maximum, AM03 when every one is the currency, TM01 when every one is a cut-off (CLOSED, a
 * refusal the caller adds at release), otherwise AG03 (transaction type not supported).
 */
export function noRouteReason(decision: RouteDecision): { code: string; text: string } {
  const refused = decision.refused;
  const all = (code: string) => refused.length > 0 && refused.every((r) => r.code === code);
  const code = all('AMOUNT_ABOVE_MAX') ? 'AM02' : all('CURRENCY') ? 'AM03' : all('CLOSED') ? 'TM01' : 'AG03';
  const text =
    refused.length === 0
      ? decision.rule === null
        ? 'No route: no rule matched and there is no default route'
        : `No route: rule ${decision.rule} names no connector that can take it`
      : `No route: ${refused.map((r) => r.reason).join('; ')}`;
  return { code, text: text.length <= 105 ? text : `${text.slice(0, 104)}…` };
}
