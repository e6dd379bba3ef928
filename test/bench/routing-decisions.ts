// SPDX-License-Identifier: Apache-2.0
/**
 * Benchmark (a script, not a test): the time of one routing decision (Router.decide) on a realistic table — five
 * connectors, twelve rules among which a cheapest and a weighted strategy — over a varied set of payments, each
 * call timed alone with process.hrtime.bigint() (so the figures include the timer's own cost, some 50 ns).
 * Issue 14 asks for a p99 under 0.1 ms (100 µs).
 *
 * Alone: `node dist/test/bench/routing-decisions.js [decisions]`; bench.ts prints the same line.
 */
import { pathToFileURL } from 'node:url';
import { parseRoutingFile, Router, type RoutingFacts } from '#application';

const TABLE = `
connectors:
  - id: rtgs
    transport: amqp
    requestQueue: RTGS.REQUEST
    messageVersions: [pacs.008.001.08]
    currencies: [EUR]
    hours: { timeZone: Europe/Brussels, open: "07:00", cutOff: "18:00" }
    circuit: { failureThreshold: 5, openMs: 30000 }
    cost: { fixed: "0.80", bps: "0" }
  - id: instant
    transport: http
    url: http://127.0.0.1:9101
    authSecret: routing/instant
    currencies: [EUR]
    maxAmount: "100000"
    localInstruments: [INST]
    creditorCountries: [AT, BE, DE, ES, FI, FR, IE, IT, LU, NL, PT]
    maxPerSecond: 500
    cost: { fixed: "0.05", bps: "1.2" }
  - id: correspondent
    transport: http
    url: http://127.0.0.1:9102
    currencies: [USD, GBP, CHF, JPY, EUR]
    minAmount: "1"
    cost: { fixed: "12", bps: "3" }
  - id: wallet
    transport: http
    url: http://127.0.0.1:9103
    currencies: [EUR, USD]
    maxAmount: "5000"
    messageVersions: [pacs.008.001.10, pacs.008.001.12]
    cost: { fixed: "0.01", bps: "25" }
  - id: core
    transport: core
    cost: { fixed: "0", bps: "0" }
rules:
  - id: on-us
    match: { creditorAgentBic: [CLWYBEBB] }
    route: core
  - id: usd
    match: { currency: USD, amount: { max: "5000" }, channel: [qr, json] }
    strategy: { cheapest: { among: [wallet, correspondent] } }
  - id: usd-large
    match: { currency: USD }
    route: [correspondent]
  - id: gbp-chf-jpy
    match: { currency: [GBP, CHF, JPY] }
    route: correspondent
    onNoRoute: hold
  - id: qr
    match: { channel: qr }
    route: [wallet, instant]
  - id: instant
    match: { localInstrument: INST, currency: EUR }
    route: [instant, rtgs]
  - id: urgent
    match: { serviceLevel: URGP }
    route: [rtgs]
  - id: salaries
    match: { categoryPurpose: [SALA, PENS], amount: { max: "20000" } }
    strategy: cheapest
  - id: big-clients
    match: { client: [acme, globex], amount: { min: "1000000" } }
    route: [rtgs, correspondent]
  - id: member
    match: { clearingMemberId: ["10020030", "37040044"] }
    route: [instant, rtgs]
  - id: nordics
    match: { creditorCountry: [SE, NO, DK, FI] }
    route: [correspondent, rtgs]
  - id: migration
    match: { currency: EUR }
    strategy: { weighted: { rtgs: 90, instant: 10 } }
default: [rtgs, correspondent]
`;

/** A varied stream of payments: every rule, the default route, refusals. */
function paymentFacts(count: number): RoutingFacts[] {
  const currencies = ['EUR', 'EUR', 'EUR', 'USD', 'GBP', 'JPY', 'CHF', 'SEK'];
  const amounts = ['12.50', '250', '999.99', '4999.99', '18000', '250000', '2500000'];
  const channels = ['api', 'mq', 'json', 'qr', 'pain.001'];
  const countries = ['BE', 'DE', 'FR', 'NL', 'SE', 'US', null];
  const bics = ['GEBABEBBXXX', 'DEUTDEFFXXX', 'CLWYBEBB', 'BNPAFRPP', 'NDEASESS', null];
  const out: RoutingFacts[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      transactionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      clientId: i % 13 === 0 ? 'acme' : `client-${i % 7}`,
      channel: channels[i % channels.length]!,
      messageType: i % 9 === 0 ? 'pacs.008.001.12' : 'pacs.008.001.08',
      amount: { value: amounts[i % amounts.length]!, currency: currencies[i % currencies.length]! },
      creditorCountry: countries[i % countries.length]!,
      creditorAgentBic: bics[i % bics.length]!,
      creditorAgentMemberId: i % 17 === 0 ? '10020030' : null,
      clearingSystem: i % 3 === 0 ? 'TGT' : null,
      serviceLevel: i % 4 === 0 ? 'URGP' : i % 4 === 1 ? 'SEPA' : null,
      localInstrument: i % 5 === 0 ? 'INST' : null,
      categoryPurpose: i % 11 === 0 ? 'SALA' : null,
    });
  }
  return out;
}

export interface RoutingDecisionFigures {
  p50Us: number;
  p99Us: number;
  maxUs: number;
  decisions: number;
}

export function measureRoutingDecisions(n = 200_000): RoutingDecisionFigures {
  const router = new Router(parseRoutingFile(TABLE, 'bench-routing.yaml'), {
    canConvert: (from, to) => from !== 'pacs.008.001.12' || to.includes('pacs.008.001.10'),
  });
  const payments = paymentFacts(4096);
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += router.decide(payments[i % payments.length]!).candidates.length;
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = payments[i % payments.length]!;
    const t0 = process.hrtime.bigint();
    sink += router.decide(f).candidates.length;
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  if (sink < 0) throw new Error('unreachable: keeps the decisions from being optimised away');
  times.sort();
  const at = (p: number) => times[Math.min(n - 1, Math.floor((p / 100) * n))]!;
  return { p50Us: at(50), p99Us: at(99), maxUs: times[n - 1]!, decisions: n };
}

export function routingDecisionLine(f: RoutingDecisionFigures): string {
  return `routing decision: p50 ${f.p50Us.toFixed(2)} µs, p99 ${f.p99Us.toFixed(2)} µs over ${f.decisions} decisions`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(routingDecisionLine(measureRoutingDecisions(n)));
}
