// SPDX-License-Identifier: Apache-2.0
import { parseRoutingFile } from './routing-file.js';
import { InvalidRoutingTableError, noRouteReason, Router } from './router.js';
import type { ConnectorDefinition, RouteDecision, RoutingFacts, RoutingRule, RoutingTable } from './routing.model.js';

function connector(id: string, extra: Partial<ConnectorDefinition> = {}): ConnectorDefinition {
  return {
    id,
    transport: 'http',
    url: `http://${id}`,
    authSecret: null,
    requestQueue: null,
    timeoutMs: null,
    messageVersions: ['pacs.008.001.08', 'pacs.008.001.10', 'pacs.008.001.12'],
    currencies: null,
    minAmount: null,
    maxAmount: null,
    serviceLevels: null,
    localInstruments: null,
    creditorCountries: null,
    clearingSystems: null,
    hours: null,
    maxPerSecond: null,
    circuit: { failureThreshold: 5, openMs: 30000, halfOpenProbes: 1 },
    cost: null,
    ...extra,
  };
}

function rule(
  id: string,
  match: RoutingRule['match'],
  route: string[] | RoutingRule['strategy'],
  onNoRoute: 'reject' | 'hold' = 'reject',
): RoutingRule {
  return Array.isArray(route) ? { id, match, route, strategy: null, onNoRoute } : { id, match, route: null, strategy: route, onNoRoute };
}

function table(
  connectors: ConnectorDefinition[],
  rules: RoutingRule[],
  defaultRoute: string[] = [],
  onNoRoute: 'reject' | 'hold' = 'reject',
): RoutingTable {
  return { connectors, rules, default: defaultRoute, onNoRoute };
}

function facts(extra: Partial<RoutingFacts> = {}): RoutingFacts {
  return {
    transactionId: '00000000-0000-4000-8000-000000000001',
    clientId: 'client-1',
    channel: 'api',
    messageType: 'pacs.008.001.08',
    amount: { value: '100.00', currency: 'EUR' },
    creditorCountry: 'BE',
    creditorAgentBic: 'GEBABEBBXXX',
    creditorAgentMemberId: null,
    clearingSystem: null,
    serviceLevel: null,
    localInstrument: null,
    categoryPurpose: null,
    ...extra,
  };
}

describe('Router: matching', () => {
  /** Two connectors; one rule on `match` routes to `hit`, everything else goes to the default `miss`. */
  function routed(match: RoutingRule['match'], f: Partial<RoutingFacts>): string | null {
    const router = new Router(table([connector('hit'), connector('miss')], [rule('r', match, ['hit'])], ['miss']));
    return router.decide(facts(f)).rule;
  }

  it.each<[string, RoutingRule['match'], Partial<RoutingFacts>, Partial<RoutingFacts>]>([
    ['currency', { currency: ['USD', 'GBP'] }, { amount: { value: '1', currency: 'GBP' } }, { amount: { value: '1', currency: 'EUR' } }],
    ['creditorCountry', { creditorCountry: ['DE'] }, { creditorCountry: 'de' }, { creditorCountry: 'FR' }],
    [
      'creditorAgentBic prefix',
      { creditorAgentBic: ['DEUT', 'COBADE'] },
      { creditorAgentBic: 'COBADEFFXXX' },
      { creditorAgentBic: 'DEUXDEFF' },
    ],
    ['clearingMemberId', { clearingMemberId: ['10020030'] }, { creditorAgentMemberId: '10020030' }, { creditorAgentMemberId: '1002003' }],
    ['serviceLevel', { serviceLevel: ['SEPA'] }, { serviceLevel: 'SEPA' }, { serviceLevel: 'URGP' }],
    ['localInstrument', { localInstrument: ['INST'] }, { localInstrument: 'inst' }, { localInstrument: 'CORE' }],
    ['categoryPurpose', { categoryPurpose: ['SALA'] }, { categoryPurpose: 'SALA' }, { categoryPurpose: 'SUPP' }],
    ['channel', { channel: ['qr', 'json'] }, { channel: 'qr' }, { channel: 'api' }],
    ['client', { client: ['acme'] }, { clientId: 'acme' }, { clientId: 'ACME' }],
  ])('matches on %s', (_field, match, hit, miss) => {
    expect(routed(match, hit)).toBe('r');
    expect(routed(match, miss)).toBeNull();
  });

  it.each<[string, Partial<RoutingFacts>]>([
    ['currency', { amount: null }],
    ['creditorCountry', { creditorCountry: null }],
    ['creditorAgentBic', { creditorAgentBic: null }],
    ['clearingMemberId', { creditorAgentMemberId: null }],
    ['serviceLevel', { serviceLevel: null }],
    ['localInstrument', { localInstrument: null }],
    ['categoryPurpose', { categoryPurpose: null }],
  ])('a payment without %s does not match a rule on it', (field, missing) => {
    const values: Record<string, string[]> = { creditorAgentBic: ['GEBA'], clearingMemberId: ['1'] };
    expect(routed({ [field]: values[field] ?? ['X'] }, missing)).toBeNull();
  });

  it('matches an amount range, both bounds inclusive, exactly (no floats)', () => {
    const match = { amount: { min: '100', max: '1000.50' } };
    const at = (value: string) => routed(match, { amount: { value, currency: 'EUR' } });
    expect(at('100.00')).toBe('r');
    expect(at('1000.5')).toBe('r');
    expect(at('500')).toBe('r');
    expect(at('99.99')).toBeNull();
    expect(at('1000.51')).toBeNull();
    expect(routed({ amount: { min: '0.3' } }, { amount: { value: '0.30', currency: 'EUR' } })).toBe('r');
    expect(routed({ amount: { max: '1' } }, { amount: null })).toBeNull();
    expect(routed({ amount: { max: '1' } }, { amount: { value: 'garbage', currency: 'EUR' } })).toBeNull();
    expect(routed({ amount: { min: '99999999999999999' } }, { amount: { value: '99999999999999999.1', currency: 'EUR' } })).toBe('r');
  });

  it('needs every field of a rule to match (AND), any value of a list (OR)', () => {
    const match = { currency: ['EUR', 'USD'], creditorCountry: ['DE'], channel: ['api'] };
    expect(routed(match, { amount: { value: '1', currency: 'USD' }, creditorCountry: 'DE' })).toBe('r');
    expect(routed(match, { amount: { value: '1', currency: 'USD' }, creditorCountry: 'FR' })).toBeNull();
    expect(routed(match, { creditorCountry: 'DE', channel: 'mq' })).toBeNull();
  });

  it('takes the first matching rule and never falls through to a later one', () => {
    const router = new Router(
      table(
        [connector('eur-only', { currencies: ['EUR'] }), connector('any'), connector('other')],
        [rule('first', { creditorCountry: ['BE'] }, ['eur-only']), rule('second', { creditorCountry: ['BE'] }, ['any'])],
        ['other'],
      ),
    );
    const decision = router.decide(facts({ amount: { value: '1', currency: 'USD' } }));
    // the first rule matched and its connector cannot take USD: no route, not the second rule's
    expect(decision).toMatchObject({ rule: 'first', strategy: 'route', candidates: [] });
    expect(decision.refused).toEqual([{ connector: 'eur-only', code: 'CURRENCY', reason: 'eur-only takes EUR, not USD' }]);
  });

  it('uses the default route when no rule matches, and none when there is no default', () => {
    const withDefault = new Router(table([connector('a'), connector('b')], [rule('r', { currency: ['USD'] }, ['a'])], ['b', 'a'], 'hold'));
    expect(withDefault.decide(facts())).toEqual({
      rule: null,
      strategy: 'default',
      candidates: ['b', 'a'],
      refused: [],
      onNoRoute: 'hold',
    });
    const withoutDefault = new Router(table([connector('a')], [rule('r', { currency: ['USD'] }, ['a'])]));
    expect(withoutDefault.decide(facts())).toEqual({ rule: null, strategy: 'default', candidates: [], refused: [], onNoRoute: 'reject' });
  });

  it("a rule with an empty match takes every payment; its onNoRoute is the decision's", () => {
    const router = new Router(table([connector('a', { currencies: ['USD'] })], [rule('all', {}, ['a'], 'hold')], ['a']));
    expect(router.decide(facts())).toMatchObject({ rule: 'all', candidates: [], onNoRoute: 'hold' });
  });

  it('reads the operations contract file and routes by it', () => {
    const router = new Router(
      parseRoutingFile(
        '{"connectors":[{"id":"rtgs","transport":"http","url":"http://127.0.0.1:9001","currencies":["EUR"]},' +
          '{"id":"us-gw","transport":"http","url":"http://127.0.0.1:9002"},{"id":"backup","transport":"http","url":"http://127.0.0.1:9003"}],' +
          '"rules":[{"match":{"currency":["USD"]},"route":["us-gw","backup"]}],"default":["rtgs"]}',
        'routing.json',
      ),
    );
    expect(router.decide(facts({ amount: { value: '5', currency: 'USD' } }))).toMatchObject({
      rule: 'rule-1',
      candidates: ['us-gw', 'backup'],
    });
    expect(router.decide(facts())).toMatchObject({ rule: null, strategy: 'default', candidates: ['rtgs'] });
    expect(router.decide(facts({ amount: { value: '5', currency: 'GBP' } }))).toMatchObject({
      candidates: [],
      refused: [{ connector: 'rtgs', code: 'CURRENCY' }],
    });
    expect(router.connector('us-gw')?.url).toBe('http://127.0.0.1:9002');
    expect(router.connector('nope')).toBeUndefined();
    expect(router.table.default).toEqual(['rtgs']);
  });
});

describe('Router: eligibility', () => {
  /** The default route [c, ok]: what c's refusal is (ok takes anything). */
  function refusalOf(
    c: ConnectorDefinition,
    f: Partial<RoutingFacts> = {},
    canConvert?: (from: string, to: string[]) => boolean,
  ): RouteDecision {
    return new Router(table([c, connector('ok')], [], [c.id, 'ok']), canConvert ? { canConvert } : {}).decide(facts(f));
  }

  it.each<[string, Partial<ConnectorDefinition>, Partial<RoutingFacts>, string]>([
    ['CURRENCY', { currencies: ['USD', 'GBP'] }, {}, 'c takes USD, GBP, not EUR'],
    ['CURRENCY', { currencies: ['USD'] }, { amount: null }, 'c takes USD, the payment has no currency'],
    ['AMOUNT_BELOW_MIN', { minAmount: '100.01' }, {}, 'c takes at least 100.01 EUR, not 100 EUR'],
    ['AMOUNT_ABOVE_MAX', { maxAmount: '99.99' }, {}, 'c takes at most 99.99 EUR, not 100 EUR'],
    [
      'UNKNOWN_AMOUNT',
      { maxAmount: '10' },
      { amount: { value: 'x', currency: 'EUR' } },
      "c has amount limits and the payment's amount cannot be read",
    ],
    ['SERVICE_LEVEL', { serviceLevels: ['URGP'] }, { serviceLevel: 'SEPA' }, 'c takes service level URGP, not SEPA'],
    ['SERVICE_LEVEL', { serviceLevels: ['URGP'] }, {}, 'c takes service level URGP, the payment has none'],
    ['LOCAL_INSTRUMENT', { localInstruments: ['INST'] }, {}, 'c takes local instrument INST, the payment has none'],
    ['CREDITOR_COUNTRY', { creditorCountries: ['NL', 'LU'] }, {}, 'c takes creditors in NL, LU, not BE'],
    [
      'CREDITOR_COUNTRY',
      { creditorCountries: ['NL'] },
      { creditorCountry: null },
      "c takes creditors in NL, the creditor's country is unknown",
    ],
    ['CLEARING_SYSTEM', { clearingSystems: ['TGT'] }, { clearingSystem: 'STG' }, 'c takes clearing system TGT, not STG'],
    ['CLEARING_SYSTEM', { clearingSystems: ['TGT'] }, {}, 'c takes clearing system TGT, the payment names none'],
    ['GENERATION', { messageVersions: ['pacs.008.001.12'] }, {}, 'c takes pacs.008.001.12; pacs.008.001.08 cannot be converted to it'],
  ])('refuses with %s: %j for %j', (code, capability, f, reason) => {
    const decision = refusalOf(connector('c', capability), f);
    expect(decision.candidates).toEqual(['ok']);
    expect(decision.refused).toEqual([{ connector: 'c', code, reason }]);
  });

  it('takes a payment at its limits exactly and inside every capability', () => {
    const c = connector('c', {
      currencies: ['EUR'],
      minAmount: '100',
      maxAmount: '100.00',
      serviceLevels: ['SEPA'],
      localInstruments: ['INST'],
      creditorCountries: ['BE'],
      clearingSystems: ['TGT'],
      messageVersions: ['pacs.008.001.08'],
    });
    const decision = refusalOf(c, { serviceLevel: 'sepa', localInstrument: 'INST', clearingSystem: 'TGT' });
    expect(decision).toMatchObject({ candidates: ['c', 'ok'], refused: [] });
  });

  it('takes another generation only when canConvert says it can be converted', () => {
    const c = connector('c', { messageVersions: ['pacs.008.001.12'] });
    const asked: [string, string[]][] = [];
    const canConvert = (from: string, to: string[]) => {
      asked.push([from, to]);
      return from === 'pacs.008.001.10';
    };
    expect(refusalOf(c, { messageType: 'pacs.008.001.10' }, canConvert).candidates).toEqual(['c', 'ok']);
    expect(refusalOf(c, { messageType: 'pacs.008.001.08' }, canConvert).refused.map((r) => r.code)).toEqual(['GENERATION']);
    expect(refusalOf(c, { messageType: 'pacs.008.001.12' }, canConvert).candidates).toEqual(['c', 'ok']);
    // asked only for the connector that does not take the generation itself
    expect(asked).toEqual([
      ['pacs.008.001.10', ['pacs.008.001.12']],
      ['pacs.008.001.08', ['pacs.008.001.12']],
    ]);
  });

  it('records a refusal for each connector of the route, keeping the order of the others', () => {
    const router = new Router(
      table(
        [connector('a', { currencies: ['USD'] }), connector('b'), connector('c', { maxAmount: '1' }), connector('d')],
        [rule('r', {}, ['a', 'b', 'c', 'd'])],
      ),
    );
    const decision = router.decide(facts());
    expect(decision.candidates).toEqual(['b', 'd']);
    expect(decision.refused.map((r) => [r.connector, r.code])).toEqual([
      ['a', 'CURRENCY'],
      ['c', 'AMOUNT_ABOVE_MAX'],
    ]);
  });
});

describe('Router: strategies', () => {
  it('cheapest: fixed + bps of the amount, exactly; bps make another connector cheapest at large amounts', () => {
    const connectors = [
      connector('flat', { cost: { fixed: '5', bps: '0' } }),
      connector('percent', { cost: { fixed: '0.10', bps: '2.5' } }),
      connector('free-but-unpriced'),
    ];
    const router = new Router(table(connectors, [rule('cheap', {}, { kind: 'cheapest', among: null })]));
    const at = (value: string) => router.decide(facts({ amount: { value, currency: 'EUR' } }));
    // 100: percent costs 0.10 + 0.025 = 0.125 < 5
    expect(at('100')).toMatchObject({
      strategy: 'cheapest',
      rule: 'cheap',
      candidates: ['percent', 'flat', 'free-but-unpriced'],
      refused: [],
    });
    // 19600: percent costs 0.10 + 4.90 = 5.00 = flat: a tie keeps the file's order
    expect(at('19600').candidates).toEqual(['flat', 'percent', 'free-but-unpriced']);
    // one cent either side of the tie: 0.10 + 4.8999975 = 4.9999975 < 5, and 0.10 + 4.9000025 = 5.0000025 > 5
    expect(at('19599.99').candidates).toEqual(['percent', 'flat', 'free-but-unpriced']);
    expect(at('19600.01').candidates).toEqual(['flat', 'percent', 'free-but-unpriced']);
    expect(at('1000000').candidates).toEqual(['flat', 'percent', 'free-but-unpriced']);
  });

  it('cheapest among a list: only those considered, ineligible ones refused', () => {
    const connectors = [
      connector('a', { cost: { fixed: '1', bps: '0' } }),
      connector('b', { cost: { fixed: '2', bps: '0' }, currencies: ['USD'] }),
      connector('c', { cost: { fixed: '3', bps: '0' } }),
      connector('d', { cost: { fixed: '0', bps: '0' } }),
    ];
    const router = new Router(table(connectors, [rule('r', {}, { kind: 'cheapest', among: ['c', 'b', 'a'] })]));
    expect(router.decide(facts())).toMatchObject({ candidates: ['a', 'c'], refused: [{ connector: 'b', code: 'CURRENCY' }] });
  });

  it('cheapest with an unreadable amount compares the fixed part', () => {
    const connectors = [connector('a', { cost: { fixed: '1', bps: '0' } }), connector('b', { cost: { fixed: '0.5', bps: '100' } })];
    const router = new Router(table(connectors, [rule('r', {}, { kind: 'cheapest', among: null })]));
    expect(router.decide(facts({ amount: { value: '?', currency: 'EUR' } })).candidates).toEqual(['b', 'a']);
  });

  it('weighted: a split close to the weights over 10,000 ids, stable per id, the others as fallbacks by weight', () => {
    const router = new Router(
      table(
        [connector('old'), connector('new'), connector('spare')],
        [
          rule(
            'w',
            {},
            {
              kind: 'weighted',
              weights: [
                { connector: 'new', weight: 10 },
                { connector: 'old', weight: 90 },
                { connector: 'spare', weight: 0 },
              ],
            },
          ),
        ],
      ),
    );
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const id = `tx-${i}`;
      const decision = router.decide(facts({ transactionId: id }));
      expect(decision.strategy).toBe('weighted');
      counts.set(decision.candidates[0]!, (counts.get(decision.candidates[0]!) ?? 0) + 1);
      expect(decision.candidates).toEqual(decision.candidates[0] === 'old' ? ['old', 'new', 'spare'] : ['new', 'old', 'spare']);
      if (i % 1000 === 0) expect(router.decide(facts({ transactionId: id })).candidates).toEqual(decision.candidates);
    }
    expect(counts.get('spare')).toBeUndefined();
    expect(counts.get('new')!).toBeGreaterThan(850);
    expect(counts.get('new')!).toBeLessThan(1150);
    expect(counts.get('old')! + counts.get('new')!).toBe(10_000);
  });

  it('weighted: an ineligible connector is refused and its share goes to the eligible ones', () => {
    const router = new Router(
      table(
        [connector('old', { currencies: ['USD'] }), connector('new')],
        [
          rule(
            'w',
            {},
            {
              kind: 'weighted',
              weights: [
                { connector: 'old', weight: 90 },
                { connector: 'new', weight: 10 },
              ],
            },
          ),
        ],
      ),
    );
    for (let i = 0; i < 50; i++) {
      expect(router.decide(facts({ transactionId: `t${i}` }))).toMatchObject({
        candidates: ['new'],
        refused: [{ connector: 'old', code: 'CURRENCY' }],
      });
    }
  });
});

describe('Router: the table must hold together', () => {
  it('refuses unknown connectors, duplicate ids, and a rule with both a route and a strategy', () => {
    expect(() => new Router(table([connector('a')], [rule('r', {}, ['b'])]))).toThrow(InvalidRoutingTableError);
    expect(() => new Router(table([connector('a')], [], ['x']))).toThrow(/the default route names x/);
    expect(() => new Router(table([connector('a'), connector('a')], []))).toThrow(/two connectors are named a/);
    const both: RoutingRule = { id: 'r', match: {}, route: ['a'], strategy: { kind: 'cheapest', among: null }, onNoRoute: 'reject' };
    expect(() => new Router(table([connector('a')], [both]))).toThrow(/exactly one of a route and a strategy/);
    expect(() => new Router(table([connector('a')], [rule('r', {}, { kind: 'cheapest', among: ['q'] })]))).toThrow(/rule r names q/);
  });
});

describe('noRouteReason', () => {
  const decision = (refused: [string, string, string][]): RouteDecision => ({
    rule: 'r',
    strategy: 'route',
    candidates: [],
    refused: refused.map(([connector, code, reason]) => ({ connector, code, reason })),
    onNoRoute: 'reject',
  });

  it('AM02 when every refusal is an amount above the maximum', () => {
    expect(noRouteReason(decision([['a', 'AMOUNT_ABOVE_MAX', 'a takes at most 10 EUR, not 20 EUR']]))).toEqual({
      code: 'AM02',
      text: 'No route: a takes at most 10 EUR, not 20 EUR',
    });
  });

  it('AM03 when every refusal is the currency, TM01 when every one is a cut-off', () => {
    expect(
      noRouteReason(
        decision([
          ['a', 'CURRENCY', 'x'],
          ['b', 'CURRENCY', 'y'],
        ]),
      ).code,
    ).toBe('AM03');
    expect(
      noRouteReason(
        decision([
          ['a', 'CLOSED', 'x'],
          ['b', 'CLOSED', 'y'],
        ]),
      ).code,
    ).toBe('TM01');
  });

  it('AG03 otherwise, also for no refusal at all, naming why', () => {
    expect(
      noRouteReason(
        decision([
          ['a', 'CURRENCY', 'x'],
          ['b', 'AMOUNT_ABOVE_MAX', 'y'],
        ]),
      ),
    ).toEqual({ code: 'AG03', text: 'No route: x; y' });
    expect(noRouteReason(decision([]))).toEqual({ code: 'AG03', text: 'No route: rule r names no connector that can take it' });
    expect(noRouteReason({ ...decision([]), rule: null })).toEqual({
      code: 'AG03',
      text: 'No route: no rule matched and there is no default route',
    });
  });

  it('keeps the text to 105 characters, ending a cut one with an ellipsis', () => {
    const long = decision([
      ['a', 'GENERATION', 'a takes pacs.008.001.12; pacs.008.001.08 cannot be converted to it'],
      ['b', 'GENERATION', 'b takes pacs.008.001.12; pacs.008.001.08 cannot be converted to it'],
    ]);
    const { text } = noRouteReason(long);
    expect(text).toHaveLength(105);
    expect(text.endsWith('…')).toBe(true);
    expect(text.startsWith('No route: a takes pacs.008.001.12; pacs.008.001.08 cannot be converted to it; b takes')).toBe(true);
  });

  it('from a real decision: every connector above its maximum is AM02', () => {
    const router = new Router(table([connector('a', { maxAmount: '10' }), connector('b', { maxAmount: '50' })], [], ['a', 'b']));
    expect(noRouteReason(router.decide(facts()))).toEqual({
      code: 'AM02',
      text: 'No route: a takes at most 10 EUR, not 100 EUR; b takes at most 50 EUR, not 100 EUR',
    });
  });
});
