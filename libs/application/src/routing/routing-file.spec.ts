// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRoutingFile, parseRoutingFile, RoutingFileError, type RoutingFileProblem } from './routing-file.js';

const CONTRACT =
  '{"connectors":[{"id":"rtgs","transport":"http","url":"http://127.0.0.1:9001","currencies":["EUR"]},' +
  '{"id":"us-gw","transport":"http","url":"http://127.0.0.1:9002"},{"id":"backup","transport":"http","url":"http://127.0.0.1:9003"}],' +
  '"rules":[{"match":{"currency":["USD"]},"route":["us-gw","backup"]}],"default":["rtgs"]}';

/** The problems of a file that must not parse. */
function problems(text: string, fileName = 'routing.json'): RoutingFileProblem[] {
  try {
    parseRoutingFile(text, fileName);
  } catch (e) {
    expect(e).toBeInstanceOf(RoutingFileError);
    expect((e as RoutingFileError).code).toBe('ROUTING.FILE_INVALID');
    return (e as RoutingFileError).errors;
  }
  throw new Error('the file was accepted');
}

/** A JSON file with one http connector (plus `extra` fields) and the given top-level additions. */
function withConnector(extra: Record<string, unknown>, top: Record<string, unknown> = {}): string {
  return JSON.stringify({ connectors: [{ id: 'a', transport: 'http', url: 'http://h:1', ...extra }], ...top }, null, 2);
}

function onlyProblem(text: string, fileName = 'routing.json'): RoutingFileProblem {
  const found = problems(text, fileName);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('parseRoutingFile', () => {
  it('reads the operations contract shape, with every default filled in', () => {
    const table = parseRoutingFile(CONTRACT, 'routing.json');
    expect(table.default).toEqual(['rtgs']);
    expect(table.onNoRoute).toBe('reject');
    expect(table.rules).toEqual([
      { id: 'rule-1', match: { currency: ['USD'] }, route: ['us-gw', 'backup'], strategy: null, onNoRoute: 'reject' },
    ]);
    expect(table.connectors[0]).toEqual({
      id: 'rtgs',
      transport: 'http',
      url: 'http://127.0.0.1:9001',
      authSecret: null,
      requestQueue: null,
      timeoutMs: null,
      messageVersions: ['pacs.008.001.08', 'pacs.008.001.10', 'pacs.008.001.12'],
      currencies: ['EUR'],
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
    });
  });

  it('reads a full YAML file: every connector field, both strategies, single values as lists, codes upper-cased', () => {
    const table = parseRoutingFile(
      `# a bank
connectors:
  - id: rtgs
    description: the RTGS host
    transport: amqp
    requestQueue: RTGS.IN
    messageVersions: pacs.008.001.08
    currencies: [eur]
    minAmount: "0.01"
    maxAmount: 1000000
    serviceLevels: [urgp]
    localInstruments: [INST]
    creditorCountries: [be, NL]
    clearingSystems: [TGT]
    hours:
      timeZone: Europe/Brussels
      open: "07:00"
      cutOff: "18:00"
      days: [Mon, Tue, Wed, Thu, Fri]
      closedDates: ["2025-12-25"]
    maxPerSecond: 0.5
    circuit: { failureThreshold: 3, openMs: 1000 }
    cost: { fixed: "0.20", bps: 1 }
  - id: inst
    transport: http
    url: https://inst.example/api/
    authSecret: routing/inst
    timeoutMs: 2500
    cost: { bps: "1.5" }
  - id: core
    transport: core
rules:
  - id: big
    description: large ones
    match: { currency: EUR, amount: { min: "100000.00" }, creditorAgentBic: deut, channel: [api, mq] }
    route: rtgs
    onNoRoute: hold
  - match: { localInstrument: inst, categoryPurpose: [sala], serviceLevel: sepa }
    strategy: cheapest
  - match: { client: c1, clearingMemberId: "12345", creditorCountry: de }
    strategy: { cheapest: { among: [inst, core] } }
  - match: { amount: { max: 10 } }
    strategy: { weighted: { rtgs: 90, inst: 10, core: 0 } }
default: core
onNoRoute: hold
`,
      'routing.yaml',
    );
    const [rtgs, inst, core] = table.connectors;
    expect(rtgs).toMatchObject({
      description: 'the RTGS host',
      transport: 'amqp',
      requestQueue: 'RTGS.IN',
      url: null,
      messageVersions: ['pacs.008.001.08'],
      currencies: ['EUR'],
      minAmount: '0.01',
      maxAmount: '1000000',
      serviceLevels: ['URGP'],
      creditorCountries: ['BE', 'NL'],
      clearingSystems: ['TGT'],
      hours: {
        timeZone: 'Europe/Brussels',
        open: '07:00',
        cutOff: '18:00',
        days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
        closedDates: ['2025-12-25'],
      },
      maxPerSecond: 0.5,
      circuit: { failureThreshold: 3, openMs: 1000, halfOpenProbes: 1 },
      cost: { fixed: '0.2', bps: '1' },
    });
    expect(inst).toMatchObject({
      url: 'https://inst.example/api',
      authSecret: 'routing/inst',
      timeoutMs: 2500,
      cost: { fixed: '0', bps: '1.5' },
    });
    expect(core).toMatchObject({ transport: 'core', url: null, requestQueue: null });
    expect(table.rules.map((r) => r.id)).toEqual(['big', 'rule-2', 'rule-3', 'rule-4']);
    expect(table.rules[0]).toEqual({
      id: 'big',
      description: 'large ones',
      match: { currency: ['EUR'], amount: { min: '100000' }, creditorAgentBic: ['DEUT'], channel: ['api', 'mq'] },
      route: ['rtgs'],
      strategy: null,
      onNoRoute: 'hold',
    });
    expect(table.rules[1]!.match).toEqual({ localInstrument: ['INST'], categoryPurpose: ['SALA'], serviceLevel: ['SEPA'] });
    expect(table.rules[1]!.strategy).toEqual({ kind: 'cheapest', among: null });
    expect(table.rules[2]!.match).toEqual({ client: ['c1'], clearingMemberId: ['12345'], creditorCountry: ['DE'] });
    expect(table.rules[2]!.strategy).toEqual({ kind: 'cheapest', among: ['inst', 'core'] });
    expect(table.rules[3]!.strategy).toEqual({
      kind: 'weighted',
      weights: [
        { connector: 'rtgs', weight: 90 },
        { connector: 'inst', weight: 10 },
        { connector: 'core', weight: 0 },
      ],
    });
    expect(table.default).toEqual(['core']);
    expect(table.onNoRoute).toBe('hold');
  });

  it('names file, line and path of a YAML problem', () => {
    const yaml = [
      'connectors:',
      '  - id: rtgs',
      '    transport: http',
      '    url: http://h',
      '    currencies:',
      '      - EUR',
      '      - EURO',
      '',
    ].join('\n');
    const error = (() => {
      try {
        parseRoutingFile(yaml, 'routing.yaml');
      } catch (e) {
        return e as RoutingFileError;
      }
      throw new Error('accepted');
    })();
    expect(error.errors).toEqual([{ line: 7, path: 'connectors[0].currencies[1]', message: '"EURO" is not an ISO 4217 code' }]);
    expect(error.message).toBe('routing.yaml line 7 (connectors[0].currencies[1]): "EURO" is not an ISO 4217 code');
  });

  it('names the lines of JSON problems too, every one of them at once, in the order of the file', () => {
    const json = [
      '{',
      '  "connectors": [',
      '    {"id": "a", "transport": "http", "url": "http://h"},',
      '    {"id": "a", "transport": "http",',
      '     "url": "ftp://h",',
      '     "currencies": ["EUR", "XYZ"]}',
      '  ]',
      '}',
    ].join('\n');
    const found = problems(json);
    expect(found).toEqual([
      { line: 4, path: 'connectors[1].id', message: 'connector id "a" is used twice (first at connectors[0])' },
      { line: 5, path: 'connectors[1].url', message: 'url must be http or https, not ftp' },
      { line: 6, path: 'connectors[1].currencies[1]', message: '"XYZ" is not an ISO 4217 code of an active currency' },
    ]);
  });

  it.each([
    ['{\n  "connectors": [\n    {"id": "a",}\n  ]\n}', 3],
    ['{\n  "connectors": [\n    {"id": \'a\'}\n  ]\n}', 3],
    ['{\n  "connectors": [\n    {"id": "a"}\n  ],\n  rules: []\n}', 5],
    ['{\n  "connectors": [\n    {"id": "a"}\n  ]\n}\nx', 6],
    ['{\n  "a": "\\q"\n}', 2],
    ['{\n  "a": 01\n}', 2],
    ['{\n  "a": [1\n  2]\n}', 3],
    ['{\n  "a": "open\n}', 2],
  ])('finds the line of a JSON syntax error: %j -> line %d', (text, line) => {
    expect(onlyProblem(text)).toMatchObject({ line, path: '', message: expect.stringMatching(/^not valid JSON: /) });
  });

  it('reports JSON syntax errors with their line, and refuses what only YAML would take', () => {
    expect(onlyProblem('{\n  "connectors": [\n    {"id": "a",}\n  ]\n}')).toMatchObject({ line: 3, path: '' });
    expect(onlyProblem('{\n  "connectors": [\n').message).toMatch(/^not valid JSON/);
    expect(onlyProblem('{connectors: []}').message).toMatch(/^not valid JSON/);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(onlyProblem('connectors:\n  - id: a\n    id: b\n', 'r.yml')).toMatchObject({
      line: 3,
      message: expect.stringMatching(/unique/),
    });
    expect(onlyProblem('{"connectors": [], "connectors": []}')).toMatchObject({ line: 1, message: expect.stringMatching(/unique/) });
    expect(onlyProblem('connectors: [a,\nrules: x', 'r.yaml').line).not.toBeNull();
  });

  it('reads JSON indented with tabs', () => {
    const table = parseRoutingFile('{\n\t"connectors": [\n\t\t{"id": "a", "transport": "core"}\n\t]\n}', 'r.json');
    expect(table.connectors[0]!.id).toBe('a');
  });

  it('refuses an empty file, a file that is not a mapping, and a file without connectors', () => {
    expect(onlyProblem('', 'r.yaml').message).toMatch(/empty/);
    expect(onlyProblem('[]').message).toMatch(/must be a mapping/);
    expect(onlyProblem('{}').message).toMatch(/connectors is missing/);
    expect(onlyProblem('{"connectors": []}')).toMatchObject({ path: 'connectors', message: expect.stringMatching(/non-empty list/) });
  });

  it('refuses unknown keys everywhere, naming the key it probably meant', () => {
    expect(onlyProblem(withConnector({}, { defualt: ['a'] }))).toMatchObject({
      path: 'defualt',
      message: expect.stringContaining('did you mean "default"'),
    });
    expect(onlyProblem(withConnector({ currency: ['EUR'] }))).toMatchObject({
      line: 7,
      path: 'connectors[0].currency',
      message: expect.stringContaining('unknown key "currency" in a connector'),
    });
    expect(onlyProblem(withConnector({ circuit: { treshold: 3 } })).path).toBe('connectors[0].circuit.treshold');
    expect(onlyProblem(withConnector({ hours: { timeZone: 'UTC', cutoff: '10:00' } })).message).toContain('did you mean "cutOff"');
    expect(onlyProblem(withConnector({ cost: { fixed: '1', pbs: '2' } })).path).toBe('connectors[0].cost.pbs');
    expect(onlyProblem(withConnector({}, { rules: [{ match: {}, route: 'a', onNoroute: 'hold' }] })).path).toBe('rules[0].onNoroute');
    expect(onlyProblem(withConnector({}, { rules: [{ match: { currencies: ['EUR'] }, route: 'a' }] }))).toMatchObject({
      path: 'rules[0].match.currencies',
      message: expect.stringContaining('did you mean "currency"'),
    });
    expect(problems(withConnector({}, { rules: [{ match: { amount: { minimum: '1' } }, route: 'a' }] })).map((p) => p.path)).toEqual([
      'rules[0].match.amount',
      'rules[0].match.amount.minimum',
    ]);
  });

  describe('connectors', () => {
    it('needs an id (letters, digits, . _ -) and a known transport', () => {
      expect(onlyProblem('{"connectors": [{"transport": "core"}]}')).toMatchObject({
        path: 'connectors[0]',
        message: 'a connector needs an id',
      });
      expect(onlyProblem('{"connectors": [{"id": "a b", "transport": "core"}]}').path).toBe('connectors[0].id');
      expect(onlyProblem('{"connectors": [{"id": "a"}]}').message).toMatch(/needs a transport/);
      expect(onlyProblem('{"connectors": [{"id": "a", "transport": "mq"}]}').message).toBe(
        'transport must be one of http, amqp, core, not "mq"',
      );
    });

    it('http needs an http(s) url without credentials; credentials are a secret-store name', () => {
      expect(onlyProblem('{"connectors": [{"id": "a", "transport": "http"}]}').message).toBe('an http connector needs a url');
      expect(onlyProblem(withConnector({ url: 'not a url' })).message).toMatch(/is not a URL/);
      expect(onlyProblem(withConnector({ url: 'amqp://h' })).message).toBe('url must be http or https, not amqp');
      expect(onlyProblem(withConnector({ url: 'https://user:pw@h' })).message).toMatch(/must not carry credentials.*authSecret/);
      expect(onlyProblem(withConnector({ authSecret: 'Bearer abc def' })).message).toMatch(/name of a secret-store entry/);
    });

    it("amqp needs a requestQueue; core needs neither; each refuses the other transports' settings", () => {
      expect(onlyProblem('{"connectors": [{"id": "a", "transport": "amqp"}]}').message).toBe('an amqp connector needs a requestQueue');
      expect(parseRoutingFile('{"connectors": [{"id": "a", "transport": "core"}]}', 'r.json').connectors[0]!.transport).toBe('core');
      expect(onlyProblem('{"connectors": [{"id": "a", "transport": "core", "url": "http://h"}]}').message).toBe(
        'url is for http connectors; this one is core',
      );
      expect(onlyProblem('{"connectors": [{"id": "a", "transport": "core", "authSecret": "x"}]}').path).toBe('connectors[0].authSecret');
      expect(onlyProblem(withConnector({ requestQueue: 'Q' })).message).toBe('requestQueue is for amqp connectors; this one is http');
    });

    it('checks currencies, countries and codes', () => {
      expect(onlyProblem(withConnector({ currencies: ['EURO'] }))).toMatchObject({
        path: 'connectors[0].currencies[0]',
        message: '"EURO" is not an ISO 4217 code',
      });
      expect(onlyProblem(withConnector({ currencies: [] })).message).toMatch(/empty list/);
      expect(onlyProblem(withConnector({ currencies: ['EUR', 'eur'] })).message).toBe('"EUR" is listed twice in currencies');
      expect(onlyProblem(withConnector({ currencies: [12] })).message).toMatch(/each of currencies must be a non-empty string/);
      expect(onlyProblem(withConnector({ creditorCountries: ['BEL'] })).message).toBe('"BEL" is not an ISO 3166 two-letter country code');
      expect(onlyProblem(withConnector({ serviceLevels: ['SE PA'] })).message).toMatch(/not a service level code/);
      expect(onlyProblem(withConnector({ localInstruments: { a: 1 } })).message).toMatch(/must be a string or a list of strings/);
      expect(onlyProblem(withConnector({ clearingSystems: ['x'.repeat(36)] })).message).toMatch(/not a clearing system code/);
    });

    it('reads amounts as decimal strings, or whole numbers, never floats', () => {
      expect(parseRoutingFile(withConnector({ minAmount: 5, maxAmount: '1000000.50' }), 'r.json').connectors[0]).toMatchObject({
        minAmount: '5',
        maxAmount: '1000000.5',
      });
      expect(onlyProblem(withConnector({ maxAmount: 1000.5 })).message).toBe(
        'maxAmount 1000.5 is a number; write amounts as decimal strings, e.g. "1000.5" (a number is accepted only when it is a whole number up to 2^53)',
      );
      // YAML keeps the spelling for the message
      expect(onlyProblem('connectors:\n  - {id: a, transport: core, minAmount: 10.50}\n', 'r.yaml').message).toContain(
        'minAmount 10.50 is a number',
      );
      expect(onlyProblem(withConnector({ maxAmount: 2 ** 60 })).message).toMatch(/is a number/);
      expect(onlyProblem(withConnector({ minAmount: '-1' })).message).toMatch(/minAmount: .*negative/);
      expect(onlyProblem(withConnector({ minAmount: 'ten' })).message).toMatch(/not a decimal/);
      expect(onlyProblem(withConnector({ minAmount: '10', maxAmount: '9.99' })).message).toBe('maxAmount 9.99 is below minAmount 10');
      expect(onlyProblem(withConnector({ cost: { fixed: 0.2 } })).path).toBe('connectors[0].cost.fixed');
      expect(onlyProblem(withConnector({ cost: {} })).message).toBe('cost needs fixed, bps or both');
    });

    it('takes only the three pacs.008 generations', () => {
      expect(onlyProblem(withConnector({ messageVersions: ['pacs.008.001.09'] })).message).toMatch(/not a generation the gateway reads/);
    });

    it('checks opening hours: time zone, HH:MM, day names, dates, cut-off after open', () => {
      expect(onlyProblem(withConnector({ hours: { timeZone: 'Europe/Bruxelles' } }))).toMatchObject({
        path: 'connectors[0].hours.timeZone',
        message: expect.stringMatching(/not a time zone/),
      });
      expect(onlyProblem(withConnector({ hours: {} })).message).toMatch(/hours need a timeZone/);
      expect(onlyProblem(withConnector({ hours: { timeZone: 'UTC', open: '7:00' } })).message).toBe(
        'open must be a local time HH:MM, not "7:00"',
      );
      expect(onlyProblem(withConnector({ hours: { timeZone: 'UTC', open: '24:00' } })).path).toBe('connectors[0].hours.open');
      expect(onlyProblem(withConnector({ hours: { timeZone: 'UTC', cutOff: '18:60' } })).path).toBe('connectors[0].hours.cutOff');
      expect(onlyProblem(withConnector({ hours: { timeZone: 'UTC', open: '10:00', cutOff: '09:00' } })).message).toBe(
        'cutOff 09:00 must be after open 10:00 (the same day)',
      );
      expect(onlyProblem(withConnector({ hours: { timeZone: 'UTC', days: ['Monday'] } })).message).toMatch(/"Monday" is not a day name/);
      expect(onlyProblem(withConnector({ hours: { timeZone: 'UTC', closedDates: ['2025-02-30'] } })).message).toBe(
        '"2025-02-30" is not a date YYYY-MM-DD',
      );
      const hours = parseRoutingFile(withConnector({ hours: { timeZone: 'UTC', cutOff: '24:00', closedDates: [] } }), 'r.json')
        .connectors[0]!.hours;
      expect(hours).toEqual({
        timeZone: 'UTC',
        open: '00:00',
        cutOff: '24:00',
        days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
        closedDates: [],
      });
    });

    it('checks maxPerSecond, the circuit and the timeout', () => {
      expect(onlyProblem(withConnector({ maxPerSecond: 0 })).message).toBe('maxPerSecond must be a positive number, not 0');
      expect(onlyProblem(withConnector({ maxPerSecond: '10' })).path).toBe('connectors[0].maxPerSecond');
      expect(onlyProblem(withConnector({ circuit: { failureThreshold: 0 } })).message).toBe(
        'failureThreshold must be a positive whole number, not 0',
      );
      expect(onlyProblem(withConnector({ circuit: { openMs: 1.5 } })).path).toBe('connectors[0].circuit.openMs');
      expect(onlyProblem(withConnector({ circuit: { halfOpenProbes: -1 } })).path).toBe('connectors[0].circuit.halfOpenProbes');
      expect(onlyProblem(withConnector({ timeoutMs: 'soon' })).path).toBe('connectors[0].timeoutMs');
    });
  });

  describe('rules', () => {
    it('need exactly one of route and strategy, naming existing connectors', () => {
      expect(onlyProblem(withConnector({}, { rules: [{ match: {} }] })).message).toMatch(/needs a route .* or a strategy/);
      expect(onlyProblem(withConnector({}, { rules: [{ route: 'a', strategy: 'cheapest' }] })).message).toBe(
        'a rule has either a route or a strategy, not both',
      );
      expect(onlyProblem(withConnector({}, { rules: [{ route: ['a', 'b'] }] }))).toEqual({
        line: 13,
        path: 'rules[0].route[1]',
        message: '"b" is not a connector (connectors: a)',
      });
      expect(onlyProblem(withConnector({}, { rules: [{ route: ['a', 'a'] }] })).message).toBe('"a" is listed twice in route');
      expect(onlyProblem(withConnector({}, { default: ['a', 'zz'] })).path).toBe('default[1]');
      expect(onlyProblem(withConnector({}, { rules: { a: 1 } })).message).toBe('rules must be a list, not a mapping');
    });

    it('check every match field', () => {
      const bad = (match: Record<string, unknown>) => onlyProblem(withConnector({}, { rules: [{ match, route: 'a' }] }));
      expect(bad({ currency: 'EURO' }).message).toBe('"EURO" is not an ISO 4217 code');
      expect(bad({ creditorCountry: ['B'] }).message).toMatch(/two-letter country/);
      expect(bad({ creditorAgentBic: ['DEU1'] }).message).toMatch(/not a BIC prefix/);
      expect(bad({ creditorAgentBic: ['DEUTDEFF5001'] }).message).toMatch(/not a BIC prefix/);
      expect(bad({ serviceLevel: [''] }).message).toMatch(/non-empty string/);
      expect(bad({ localInstrument: 'a b' }).message).toMatch(/not a local instrument code/);
      expect(bad({ categoryPurpose: [1] }).message).toMatch(/non-empty string/);
      expect(bad({ channel: [] }).message).toMatch(/empty list/);
      expect(bad({ client: null }).message).toMatch(/string or a list of strings/);
      expect(bad({ clearingMemberId: {} }).message).toMatch(/string or a list of strings/);
      expect(bad({ amount: {} }).message).toBe('amount needs min, max or both');
      expect(bad({ amount: { min: 0.5 } }).path).toBe('rules[0].match.amount.min');
      expect(bad({ amount: { min: '10', max: '1' } }).message).toBe('max 1 is below min 10');
      expect(bad({ amount: '10' }).message).toBe('amount must be a mapping, not string "10"');
    });

    it('read ids (unique) and onNoRoute', () => {
      expect(
        onlyProblem(
          withConnector(
            {},
            {
              rules: [
                { id: 'x', route: 'a' },
                { id: 'x', route: 'a' },
              ],
            },
          ),
        ).message,
      ).toBe('rule id "x" is used twice (first at rules[0])');
      expect(onlyProblem(withConnector({}, { rules: [{ route: 'a' }, { id: 'rule-1', route: 'a' }] })).path).toBe('rules[1].id');
      expect(onlyProblem(withConnector({}, { rules: [{ route: 'a', onNoRoute: 'drop' }] })).message).toBe(
        'onNoRoute must be one of reject, hold, not "drop"',
      );
      expect(onlyProblem(withConnector({}, { onNoRoute: 'queue' })).path).toBe('onNoRoute');
    });

    it('read the strategy syntaxes and refuse the rest', () => {
      const bad = (strategy: unknown) => onlyProblem(withConnector({}, { rules: [{ strategy }] }));
      expect(bad('weighted').message).toMatch(/^strategy is "cheapest", \{cheapest: \{among: \[ids\]\}\} or \{weighted/);
      expect(bad({}).message).toMatch(/^strategy is "cheapest"/);
      expect(bad({ cheapest: null, weighted: { a: 1 } }).message).toMatch(/^strategy is "cheapest"/);
      expect(bad({ fastest: {} }).message).toMatch(/unknown key "fastest"/);
      expect(bad({ cheapest: { among: ['b'] } }).path).toBe('rules[0].strategy.cheapest.among[0]');
      expect(bad({ cheapest: { amongst: ['a'] } }).path).toBe('rules[0].strategy.cheapest.amongst');
      expect(bad({ weighted: ['a'] }).message).toMatch(/weighted maps connector ids to weights/);
      expect(bad({ weighted: {} }).message).toBe('weighted names no connector');
      expect(bad({ weighted: { a: 0 } }).message).toBe('at least one weight must be above 0');
      expect(bad({ weighted: { a: 1.5 } }).message).toBe('the weight of a must be a whole number (0 or more), not 1.5');
      expect(bad({ weighted: { b: 1 } }).path).toBe('rules[0].strategy.weighted.b');
      const table = parseRoutingFile(
        withConnector({}, { rules: [{ strategy: { cheapest: {} } }, { strategy: { cheapest: null } }] }),
        'r.json',
      );
      expect(table.rules.map((r) => r.strategy)).toEqual([
        { kind: 'cheapest', among: null },
        { kind: 'cheapest', among: null },
      ]);
    });

    it('a rule without match matches every payment; no default means no route', () => {
      const table = parseRoutingFile(withConnector({}, { rules: [{ route: 'a' }] }), 'r.json');
      expect(table.rules[0]!.match).toEqual({});
      expect(table.default).toEqual([]);
    });
  });
});

describe('loadRoutingFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routing-'));

  it('reads YAML by its extension and anything else as JSON', () => {
    writeFileSync(join(dir, 'r.yml'), 'connectors:\n  - id: a\n    transport: core\n');
    writeFileSync(join(dir, 'r.conf'), CONTRACT);
    expect(loadRoutingFile(join(dir, 'r.yml')).connectors[0]!.id).toBe('a');
    expect(loadRoutingFile(join(dir, 'r.conf')).default).toEqual(['rtgs']);
    writeFileSync(join(dir, 'r.txt'), 'connectors:\n  - id: a\n');
    expect(() => loadRoutingFile(join(dir, 'r.txt'))).toThrow(/r\.txt line 1: not valid JSON/);
  });

  it('throws RoutingFileError naming the file when it cannot be read', () => {
    expect(() => loadRoutingFile(join(dir, 'missing.json'))).toThrow(RoutingFileError);
    expect(() => loadRoutingFile(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot be read/);
  });
});
