// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { CurrencyCode, DecimalAmount } from '#domain';
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import {
  WEEKDAYS,
  type CircuitSettings,
  type ConnectorCost,
  type ConnectorDefinition,
  type ConnectorTransport,
  type OpeningHours,
  type RouteStrategy,
  type RoutingRule,
  type RoutingTable,
  type RuleMatch,
  type Weekday,
} from './routing.model.js';

/**
 * The routing file (ROUTING_FILE): JSON, or YAML when its name ends in `.yaml`/`.yml`, read once at start and
 * validated whole. Every problem is reported at once with its line and path; nothing unknown is ignored (a typo
 * in a key is an error, not a silently missing setting).
 *
 * ```yaml
 * connectors:
 *   - id: rtgs                      # unique; letters, digits, . _ -
 *     transport: http               # http (needs url) | amqp (needs requestQueue) | core (the gateway's ledger)
 *     url: https://rtgs.example     # http/https, no credentials in it:
 *     authSecret: routing/rtgs      #   the secret-store entry holding the Authorization header value
 *     timeoutMs: 5000
 *     messageVersions: [pacs.008.001.08]   # default: pacs.008.001.08, .10 and .12
 *     currencies: [EUR]             # capabilities: leave one out for "any"; codes are upper-cased
 *     minAmount: "0.01"             # amounts: decimal strings (a number only when it is a whole number)
 *     maxAmount: "1000000"
 *     serviceLevels: [URGP]
 *     localInstruments: [INST]
 *     creditorCountries: [BE, NL]
 *     clearingSystems: [TGT]
 *     hours: { timeZone: Europe/Brussels, open: "07:00", cutOff: "18:00", days: [Mon, Tue, Wed, Thu, Fri],
 *              closedDates: ["2025-12-25"] }   # open defaults to 00:00, cutOff to 24:00, days to Mon..Fri
 *     maxPerSecond: 200
 *     circuit: { failureThreshold: 5, openMs: 30000, halfOpenProbes: 1 }   # these are the defaults
 *     cost: { fixed: "0.20", bps: "1.5" }   # per payment, in its currency: fixed + bps/10000 x amount
 * rules:                            # ordered; the first that matches decides (no fall-through)
 *   - id: usd                       # optional; default rule-<n>
 *     match: { currency: USD, amount: { min: "0", max: "50000" } }   # every field given must match; a list: any
 *     route: [us-gw, backup]        # primary, then fallbacks (a single id is fine)
 *     onNoRoute: hold               # reject (default) | hold, when none of them can take it
 *   - match: { localInstrument: INST }
 *     strategy: cheapest            # the cheapest eligible connector of all ...
 *   - match: { channel: qr }
 *     strategy: { cheapest: { among: [wallet, rtgs] } }   # ... or among these
 *   - match: { currency: EUR }
 *     strategy: { weighted: { rtgs: 90, newrtgs: 10 } }  # stable split by transaction id; weights: whole numbers
 * default: [rtgs]                   # when no rule matches; absent: such payments have no route (onNoRoute)
 * onNoRoute: reject                 # for the default route
 * ```
 * Match fields: currency, amount {min, max} (inclusive), creditorCountry, creditorAgentBic (prefixes),
 * clearingMemberId, serviceLevel, localInstrument, categoryPurpose, channel, client; each a string or a list.
 */

/** The pacs.008 generations a connector may take. */
export const ROUTING_MESSAGE_VERSIONS: readonly string[] = ['pacs.008.001.08', 'pacs.008.001.10', 'pacs.008.001.12'];

export interface RoutingFileProblem {
  /** 1-based line in the file, or null when it cannot be told. */
  line: number | null;
  /** Where in the document, e.g. `connectors[1].currencies[0]`; empty for the whole file. */
  path: string;
  message: string;
}

/** The routing file cannot be used; `errors` lists every problem found, the message one line per problem. */
export class RoutingFileError extends Error {
  readonly code = 'ROUTING.FILE_INVALID';
  constructor(
    readonly fileName: string,
    readonly errors: RoutingFileProblem[],
  ) {
    super(errors.map((e) => describeProblem(fileName, e)).join('\n'));
    this.name = 'RoutingFileError';
  }
}

/** `routing.yaml line 12 (connectors[1].currencies[0]): "EURO" is not an ISO 4217 code` */
export function describeProblem(fileName: string, p: RoutingFileProblem): string {
  return `${fileName}${p.line === null ? '' : ` line ${p.line}`}${p.path ? ` (${p.path})` : ''}: ${p.message}`;
}

/** Reads and validates a routing file; throws RoutingFileError (also when it cannot be read). */
export function loadRoutingFile(path: string): RoutingTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RoutingFileError(path, [{ line: null, path: '', message: `cannot be read: ${(e as Error).message}` }]);
  }
  return parseRoutingFile(text, path);
}

/** Parses and validates a routing file's text; `fileName` picks the syntax (`.yaml`/`.yml`: YAML, else JSON). */
export function parseRoutingFile(text: string, fileName: string): RoutingTable {
  const yaml = /\.ya?ml$/i.test(fileName);
  if (!yaml) {
    // JSON first with JSON's own rules (YAML would also take comments, unquoted keys, ...).
    try {
      JSON.parse(text);
    } catch (e) {
      throw new RoutingFileError(fileName, [jsonSyntaxProblem(text, (e as Error).message)]);
    }
  }
  // JSON is YAML 1.2 flow syntax: one parser gives the positions of both (and refuses duplicate keys).
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new RoutingFileError(
      fileName,
      doc.errors.map((e) => ({ line: lines.linePos(e.pos[0]).line, path: '', message: e.message.split('\n')[0]! })),
    );
  }
  const check = new Checker(new Positions(doc, lines));
  const table = readTable(doc.toJS({ maxAliasCount: 100 }) as unknown, check);
  if (check.problems.length > 0 || !table) {
    // in the order of the file (a stable sort keeps the order found within a line)
    throw new RoutingFileError(
      fileName,
      [...check.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  }
  return table;
}

function jsonSyntaxProblem(text: string, message: string): RoutingFileProblem {
  const lineCol = /\(line (\d+) column \d+\)/.exec(message);
  const at = lineCol ? null : firstJsonError(text);
  const line = lineCol ? Number(lineCol[1]) : at === null ? null : text.slice(0, at).split('\n').length;
  return { line, path: '', message: `not valid JSON: ${message.replace(/ \(line \d+ column \d+\)/, '')}` };
}

/**
 * The offset of the first JSON syntax error, for the line of an error JSON.parse reports without a position
 * (V8: `Unexpected token 'c', "connectors"... is not valid JSON`); null when it finds none.
 */
function firstJsonError(text: string): number | null {
  let i = 0;
  const space = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (): never => {
    throw new JsonSyntaxAt(Math.min(i, text.length));
  };
  const string = (): void => {
    i++; // the opening quote
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    space();
    const open = text[i];
    if (open === '{' || open === '[') {
      const close = open === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) return void i++;
      for (;;) {
        if (open === '{') {
          space();
          if (text[i] !== '"') fail();
          string();
          space();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        space();
        if (text[i] === close) return void i++;
        if (text[i] !== ',') fail();
        i++;
      }
    }
    if (open === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!literal) fail();
    i += literal![0].length;
  };
  try {
    value();
    space();
    return i < text.length ? i : null;
  } catch (e) {
    if (e instanceof JsonSyntaxAt) return e.offset;
    throw e;
  }
}

class JsonSyntaxAt {
  constructor(readonly offset: number) {}
}

type Path = readonly (string | number)[];

function pathText(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/** Where a path is in the parsed document: the line of its node (of its key, for a map entry), else of the nearest parent. */
class Positions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  private find(path: Path): { at: number | null; source: string | undefined } {
    let node: unknown = this.doc.contents;
    let at: number | null = rangeStart(node);
    let source: string | undefined;
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node)) node = node.resolve(this.doc);
      const seg = path[i]!;
      let next: unknown;
      let keyAt: number | null = null;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === seg);
        if (!pair) break;
        keyAt = rangeStart(pair.key);
        next = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      } else break;
      const nextAt = rangeStart(next);
      at = i === path.length - 1 && keyAt !== null ? keyAt : (nextAt ?? keyAt ?? at);
      source = isScalar(next) && typeof next.source === 'string' ? next.source : undefined;
      node = next;
      if (!isNode(node)) break;
    }
    return { at, source };
  }

  line(path: Path): number | null {
    const { at } = this.find(path);
    return at === null ? null : this.lines.linePos(at).line;
  }

  /** The scalar as written (e.g. `1000.50` where the value read is 1000.5). */
  source(path: Path): string | undefined {
    return this.find(path).source;
  }
}

function rangeStart(node: unknown): number | null {
  return isNode(node) && node.range ? node.range[0] : null;
}

class Checker {
  readonly problems: RoutingFileProblem[] = [];
  constructor(readonly positions: Positions) {}

  fail(path: Path, message: string): undefined {
    this.problems.push({ line: this.positions.line(path), path: pathText(path), message });
    return undefined;
  }

  /** A mapping with only `allowed` keys (an unknown key is reported, with the nearest known one). */
  object(v: unknown, path: Path, what: string, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return this.fail(path, `${what} must be a mapping, not ${kindOf(v)}`);
    const o = v as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key)) {
        const near = nearest(key, allowed);
        this.fail(
          [...path, key],
          `unknown key "${key}" in ${what}${near ? ` (did you mean "${near}"?)` : ''}; known: ${allowed.join(', ')}`,
        );
      }
    }
    return o;
  }

  string(v: unknown, path: Path, what: string): string | undefined {
    if (typeof v !== 'string' || v.trim() === '') return this.fail(path, `${what} must be a non-empty string, not ${kindOf(v)}`);
    return v.trim();
  }

  /** A string or a non-empty list of strings (each checked by `item`, which returns the normalised value). */
  list(v: unknown, path: Path, what: string, item: (s: string, path: Path) => string | undefined): string[] | undefined {
    const items = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(items)) return this.fail(path, `${what} must be a string or a list of strings, not ${kindOf(v)}`);
    if (items.length === 0) return this.fail(path, `${what} is an empty list (leave it out to mean "any")`);
    const out: string[] = [];
    items.forEach((x, i) => {
      const at = typeof v === 'string' ? path : [...path, i];
      const s = this.string(x, at, `each of ${what}`);
      const value = s === undefined ? undefined : item(s, at);
      if (value === undefined) return;
      if (out.includes(value)) this.fail(at, `${JSON.stringify(value)} is listed twice in ${what}`);
      else out.push(value);
    });
    return out.length === items.length ? out : undefined;
  }

  /**
   * An amount: a decimal string, or a number only when it is a whole number (a safe integer): a number with a
   * fraction has already lost its spelling (1000.10 reads as 1000.1) and amounts are never floats here.
   */
  decimal(v: unknown, path: Path, what: string): string | undefined {
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && v >= 0) return String(v);
      const written = this.positions.source(path) ?? String(v);
      return this.fail(
        path,
        `${what} ${written} is a number; write amounts as decimal strings, e.g. "${written}" (a number is accepted only when it is a whole number up to 2^53)`,
      );
    }
    if (typeof v !== 'string') return this.fail(path, `${what} must be a decimal string such as "1000.50", not ${kindOf(v)}`);
    try {
      return DecimalAmount.parse(v).toString();
    } catch (e) {
      return this.fail(path, `${what}: ${(e as Error).message}`);
    }
  }

  positiveInteger(v: unknown, path: Path, what: string): number | undefined {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0)
      return this.fail(path, `${what} must be a positive whole number, not ${shown(v)}`);
    return v;
  }

  oneOf<T extends string>(v: unknown, path: Path, what: string, values: readonly T[]): T | undefined {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      return this.fail(path, `${what} must be one of ${values.join(', ')}, not ${shown(v)}`);
    }
    return v as T;
  }
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${shown(v)}`;
}

function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** The allowed key a typo most probably meant (edit distance at most 2, or the same but for case or a plural). */
function nearest(key: string, allowed: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = singular(candidate) === singular(key) ? 0 : distance(key, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

/** `currencies` and `Currency` are both `currency`. */
function singular(key: string): string {
  return key.toLowerCase().replace(/ies$/, 'y').replace(/s$/, '');
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

const TOP_KEYS = ['connectors', 'rules', 'default', 'onNoRoute'] as const;
const CONNECTOR_KEYS = [
  'id',
  'description',
  'transport',
  'url',
  'authSecret',
  'requestQueue',
  'timeoutMs',
  'messageVersions',
  'currencies',
  'minAmount',
  'maxAmount',
  'serviceLevels',
  'localInstruments',
  'creditorCountries',
  'clearingSystems',
  'hours',
  'maxPerSecond',
  'circuit',
  'cost',
] as const;
const RULE_KEYS = ['id', 'description', 'match', 'route', 'strategy', 'onNoRoute'] as const;
/** Exactly the fields of RuleMatch. */
const MATCH_KEYS = [
  'currency',
  'amount',
  'creditorCountry',
  'creditorAgentBic',
  'clearingMemberId',
  'serviceLevel',
  'localInstrument',
  'categoryPurpose',
  'channel',
  'client',
] as const satisfies readonly (keyof RuleMatch)[];
const TRANSPORTS: readonly ConnectorTransport[] = ['http', 'amqp', 'core'];
const ON_NO_ROUTE = ['reject', 'hold'] as const;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A secret-store entry name (AWS Secrets Manager's alphabet). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

export const DEFAULT_CIRCUIT: Readonly<CircuitSettings> = Object.freeze({ failureThreshold: 5, openMs: 30_000, halfOpenProbes: 1 });

// --- item checks: each returns the normalised value or reports and returns undefined -------------------------

function currencyItem(c: Checker) {
  return (s: string, path: Path): string | undefined => {
    const code = s.toUpperCase();
    if (!/^[A-Z]{3}$/.test(code) || !CurrencyCode.isActive(code)) {
      return c.fail(path, `${JSON.stringify(s)} is not an ISO 4217 code${/^[A-Z]{3}$/.test(code) ? ' of an active currency' : ''}`);
    }
    return code;
  };
}

function countryItem(c: Checker) {
  return (s: string, path: Path): string | undefined =>
    /^[A-Za-z]{2}$/.test(s) ? s.toUpperCase() : c.fail(path, `${JSON.stringify(s)} is not an ISO 3166 two-letter country code`);
}

/** A code (service level, local instrument, clearing system, category purpose): upper-cased, no spaces, at most 35. */
function codeItem(c: Checker, what: string) {
  return (s: string, path: Path): string | undefined =>
    /^\S{1,35}$/.test(s) ? s.toUpperCase() : c.fail(path, `${JSON.stringify(s)} is not a ${what} code (1 to 35 characters, no spaces)`);
}

function bicPrefixItem(c: Checker) {
  return (s: string, path: Path): string | undefined => {
    const p = s.toUpperCase();
    return /^[A-Z]{1,6}$|^[A-Z]{6}[A-Z0-9]{1,5}$/.test(p)
      ? p
      : c.fail(path, `${JSON.stringify(s)} is not a BIC prefix (up to 6 letters, then up to 5 letters or digits)`);
  };
}

/** Taken as written (client ids, channel names, clearing member ids). */
function textItem() {
  return (s: string): string => s;
}

function versionItem(c: Checker) {
  return (s: string, path: Path): string | undefined =>
    ROUTING_MESSAGE_VERSIONS.includes(s)
      ? s
      : c.fail(path, `${JSON.stringify(s)} is not a generation the gateway reads (${ROUTING_MESSAGE_VERSIONS.join(', ')})`);
}

// --- the document ------------------------------------------------------------------------------------------------

function readTable(raw: unknown, c: Checker): RoutingTable | undefined {
  if (raw === null || raw === undefined) return c.fail([], 'the file is empty: expected a mapping with "connectors"');
  const top = c.object(raw, [], 'the routing file', TOP_KEYS);
  if (!top) return undefined;

  const connectors: ConnectorDefinition[] = [];
  const firstAt = new Map<string, number>();
  if (top.connectors === undefined) c.fail([], 'connectors is missing: the routing file names at least one connector');
  else if (!Array.isArray(top.connectors) || top.connectors.length === 0) {
    c.fail(['connectors'], `connectors must be a non-empty list, not ${kindOf(top.connectors)}`);
  } else {
    top.connectors.forEach((raw: unknown, i: number) => {
      const id = (raw as { id?: unknown } | null)?.id;
      const connector = readConnector(raw, ['connectors', i], c);
      if (typeof id === 'string') {
        const first = firstAt.get(id.trim());
        if (first !== undefined)
          c.fail(['connectors', i, 'id'], `connector id "${id.trim()}" is used twice (first at connectors[${first}])`);
        else firstAt.set(id.trim(), i);
      }
      if (connector) connectors.push(connector);
    });
  }
  const ids = [...firstAt.keys()];
  const reference = (s: string, path: Path): string | undefined =>
    firstAt.has(s) ? s : c.fail(path, `"${s}" is not a connector (connectors: ${ids.join(', ') || 'none'})`);

  const rules: RoutingRule[] = [];
  if (top.rules !== undefined && top.rules !== null) {
    if (!Array.isArray(top.rules)) c.fail(['rules'], `rules must be a list, not ${kindOf(top.rules)}`);
    else {
      const ruleIds = new Map<string, number>();
      top.rules.forEach((raw: unknown, i: number) => {
        const rule = readRule(raw, ['rules', i], i, c, reference);
        if (!rule) return;
        const first = ruleIds.get(rule.id);
        if (first !== undefined) c.fail(['rules', i, 'id'], `rule id "${rule.id}" is used twice (first at rules[${first}])`);
        else ruleIds.set(rule.id, i);
        rules.push(rule);
      });
    }
  }

  const defaultRoute = top.default === undefined || top.default === null ? [] : c.list(top.default, ['default'], 'default', reference);
  const onNoRoute = top.onNoRoute === undefined ? 'reject' : c.oneOf(top.onNoRoute, ['onNoRoute'], 'onNoRoute', ON_NO_ROUTE);
  if (c.problems.length > 0 || !defaultRoute || !onNoRoute) return undefined;
  return { connectors, rules, default: defaultRoute, onNoRoute };
}

function readConnector(raw: unknown, path: Path, c: Checker): ConnectorDefinition | undefined {
  const o = c.object(raw, path, 'a connector', CONNECTOR_KEYS);
  if (!o) return undefined;
  const at = (key: string): Path => [...path, key];
  const before = c.problems.length;

  const id = o.id === undefined ? c.fail(path, 'a connector needs an id') : c.string(o.id, at('id'), 'id');
  if (id !== undefined && !ID.test(id))
    c.fail(at('id'), `connector id ${JSON.stringify(id)} must be letters, digits, ".", "_" or "-" (at most 64)`);
  const description = o.description === undefined ? undefined : c.string(o.description, at('description'), 'description');
  const transport =
    o.transport === undefined
      ? c.fail(path, 'a connector needs a transport (http, amqp or core)')
      : c.oneOf(o.transport, at('transport'), 'transport', TRANSPORTS);

  let url: string | null = null;
  let authSecret: string | null = null;
  let requestQueue: string | null = null;
  if (transport === 'http') {
    if (o.url === undefined) c.fail(path, 'an http connector needs a url');
    else url = readUrl(o.url, at('url'), c) ?? null;
    if (o.authSecret !== undefined) {
      const name = c.string(o.authSecret, at('authSecret'), 'authSecret');
      if (name !== undefined && !SECRET_NAME.test(name))
        c.fail(at('authSecret'), 'authSecret is the name of a secret-store entry (letters, digits, / _ + = . @ -), not a credential');
      else authSecret = name ?? null;
    }
  } else if (transport !== undefined) {
    if (o.url !== undefined) c.fail(at('url'), `url is for http connectors; this one is ${transport}`);
    if (o.authSecret !== undefined) c.fail(at('authSecret'), `authSecret is for http connectors; this one is ${transport}`);
  }
  if (transport === 'amqp') {
    if (o.requestQueue === undefined) c.fail(path, 'an amqp connector needs a requestQueue');
    else requestQueue = c.string(o.requestQueue, at('requestQueue'), 'requestQueue') ?? null;
  } else if (transport !== undefined && o.requestQueue !== undefined) {
    c.fail(at('requestQueue'), `requestQueue is for amqp connectors; this one is ${transport}`);
  }

  const timeoutMs = o.timeoutMs === undefined ? null : (c.positiveInteger(o.timeoutMs, at('timeoutMs'), 'timeoutMs') ?? null);
  const messageVersions =
    o.messageVersions === undefined
      ? [...ROUTING_MESSAGE_VERSIONS]
      : c.list(o.messageVersions, at('messageVersions'), 'messageVersions', versionItem(c));
  const optionalList = (key: string, item: (s: string, path: Path) => string | undefined): string[] | null =>
    o[key] === undefined || o[key] === null ? null : (c.list(o[key], at(key), key, item) ?? null);
  const currencies = optionalList('currencies', currencyItem(c));
  const minAmount = o.minAmount === undefined ? null : (c.decimal(o.minAmount, at('minAmount'), 'minAmount') ?? null);
  const maxAmount = o.maxAmount === undefined ? null : (c.decimal(o.maxAmount, at('maxAmount'), 'maxAmount') ?? null);
  if (minAmount !== null && maxAmount !== null && DecimalAmount.parse(minAmount).compare(DecimalAmount.parse(maxAmount)) > 0) {
    c.fail(at('maxAmount'), `maxAmount ${maxAmount} is below minAmount ${minAmount}`);
  }
  const serviceLevels = optionalList('serviceLevels', codeItem(c, 'service level'));
  const localInstruments = optionalList('localInstruments', codeItem(c, 'local instrument'));
  const creditorCountries = optionalList('creditorCountries', countryItem(c));
  const clearingSystems = optionalList('clearingSystems', codeItem(c, 'clearing system'));
  const hours = o.hours === undefined || o.hours === null ? null : readHours(o.hours, at('hours'), c);
  let maxPerSecond: number | null = null;
  if (o.maxPerSecond !== undefined && o.maxPerSecond !== null) {
    if (typeof o.maxPerSecond !== 'number' || !Number.isFinite(o.maxPerSecond) || o.maxPerSecond <= 0) {
      c.fail(at('maxPerSecond'), `maxPerSecond must be a positive number, not ${shown(o.maxPerSecond)}`);
    } else maxPerSecond = o.maxPerSecond;
  }
  const circuit = o.circuit === undefined || o.circuit === null ? { ...DEFAULT_CIRCUIT } : readCircuit(o.circuit, at('circuit'), c);
  const cost = o.cost === undefined || o.cost === null ? null : readCost(o.cost, at('cost'), c);

  if (
    c.problems.length > before ||
    id === undefined ||
    transport === undefined ||
    !messageVersions ||
    !circuit ||
    hours === undefined ||
    cost === undefined
  ) {
    return undefined;
  }
  return {
    id,
    ...(description === undefined ? {} : { description }),
    transport,
    url,
    authSecret,
    requestQueue,
    timeoutMs,
    messageVersions,
    currencies,
    minAmount,
    maxAmount,
    serviceLevels,
    localInstruments,
    creditorCountries,
    clearingSystems,
    hours,
    maxPerSecond,
    circuit,
    cost,
  };
}

function readUrl(v: unknown, path: Path, c: Checker): string | undefined {
  const text = c.string(v, path, 'url');
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return c.fail(path, `${shown(text)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return c.fail(path, `url must be http or https, not ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password) {
    return c.fail(path, 'url must not carry credentials: name the secret-store entry holding them in authSecret');
  }
  return text.replace(/\/+$/, '');
}

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

function readHours(v: unknown, path: Path, c: Checker): OpeningHours | undefined {
  const o = c.object(v, path, 'hours', ['timeZone', 'open', 'cutOff', 'days', 'closedDates']);
  if (!o) return undefined;
  const before = c.problems.length;
  const at = (key: string): Path => [...path, key];
  let timeZone: string | undefined;
  if (o.timeZone === undefined) c.fail(path, 'hours need a timeZone (IANA, e.g. Europe/Brussels)');
  else {
    const zone = c.string(o.timeZone, at('timeZone'), 'timeZone');
    if (zone !== undefined) {
      try {
        timeZone = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
      } catch {
        c.fail(at('timeZone'), `${JSON.stringify(zone)} is not a time zone this runtime knows (IANA names such as Europe/Brussels)`);
      }
    }
  }
  const time = (key: 'open' | 'cutOff', fallback: string): string | undefined => {
    if (o[key] === undefined) return fallback;
    const s = o[key];
    if (typeof s === 'string' && (HH_MM.test(s) || (key === 'cutOff' && s === '24:00'))) return s;
    return c.fail(
      at(key),
      `${key} must be a local time HH:MM${key === 'cutOff' ? ' (24:00 for the end of the day)' : ''}, not ${shown(s)}`,
    );
  };
  const open = time('open', '00:00');
  const cutOff = time('cutOff', '24:00');
  if (open !== undefined && cutOff !== undefined && open >= cutOff)
    c.fail(at('cutOff'), `cutOff ${cutOff} must be after open ${open} (the same day)`);
  const days =
    o.days === undefined
      ? (['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] as Weekday[])
      : (c.list(o.days, at('days'), 'days', (s, p) =>
          (WEEKDAYS as readonly string[]).includes(s) ? s : c.fail(p, `${JSON.stringify(s)} is not a day name (${WEEKDAYS.join(', ')})`),
        ) as Weekday[] | undefined);
  const closedDates =
    o.closedDates === undefined || o.closedDates === null
      ? []
      : Array.isArray(o.closedDates) && o.closedDates.length === 0
        ? []
        : c.list(o.closedDates, at('closedDates'), 'closedDates', (s, p) =>
            isCalendarDate(s) ? s : c.fail(p, `${JSON.stringify(s)} is not a date YYYY-MM-DD`),
          );
  if (c.problems.length > before || !timeZone || !open || !cutOff || !days || !closedDates) return undefined;
  return { timeZone, open, cutOff, days, closedDates };
}

function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

function readCircuit(v: unknown, path: Path, c: Checker): CircuitSettings | undefined {
  const o = c.object(v, path, 'circuit', ['failureThreshold', 'openMs', 'halfOpenProbes']);
  if (!o) return undefined;
  const value = (key: keyof CircuitSettings): number | undefined =>
    o[key] === undefined ? DEFAULT_CIRCUIT[key] : c.positiveInteger(o[key], [...path, key], key);
  const failureThreshold = value('failureThreshold');
  const openMs = value('openMs');
  const halfOpenProbes = value('halfOpenProbes');
  if (failureThreshold === undefined || openMs === undefined || halfOpenProbes === undefined) return undefined;
  return { failureThreshold, openMs, halfOpenProbes };
}

function readCost(v: unknown, path: Path, c: Checker): ConnectorCost | undefined {
  const o = c.object(v, path, 'cost', ['fixed', 'bps']);
  if (!o) return undefined;
  if (o.fixed === undefined && o.bps === undefined) return c.fail(path, 'cost needs fixed, bps or both');
  const fixed = o.fixed === undefined ? '0' : c.decimal(o.fixed, [...path, 'fixed'], 'fixed');
  const bps = o.bps === undefined ? '0' : c.decimal(o.bps, [...path, 'bps'], 'bps');
  return fixed === undefined || bps === undefined ? undefined : { fixed, bps };
}

function readRule(
  raw: unknown,
  path: Path,
  index: number,
  c: Checker,
  reference: (s: string, path: Path) => string | undefined,
): RoutingRule | undefined {
  const o = c.object(raw, path, 'a rule', RULE_KEYS);
  if (!o) return undefined;
  const before = c.problems.length;
  const at = (key: string): Path => [...path, key];
  let id = `rule-${index + 1}`;
  if (o.id !== undefined) {
    const given = c.string(o.id, at('id'), 'id');
    if (given !== undefined && !ID.test(given))
      c.fail(at('id'), `rule id ${JSON.stringify(given)} must be letters, digits, ".", "_" or "-" (at most 64)`);
    else if (given !== undefined) id = given;
  }
  const description = o.description === undefined ? undefined : c.string(o.description, at('description'), 'description');
  // No match (or an empty one) matches every payment: a catch-all before the default.
  const match = o.match === undefined || o.match === null ? {} : readMatch(o.match, at('match'), c);

  let route: string[] | null = null;
  let strategy: RouteStrategy | null = null;
  if (o.route !== undefined && o.strategy !== undefined) c.fail(path, 'a rule has either a route or a strategy, not both');
  else if (o.route === undefined && o.strategy === undefined)
    c.fail(path, 'a rule needs a route (connector ids: primary, then fallbacks) or a strategy');
  else if (o.route !== undefined) route = c.list(o.route, at('route'), 'route', reference) ?? null;
  else strategy = readStrategy(o.strategy, at('strategy'), c, reference) ?? null;
  const onNoRoute = o.onNoRoute === undefined ? 'reject' : c.oneOf(o.onNoRoute, at('onNoRoute'), 'onNoRoute', ON_NO_ROUTE);

  if (c.problems.length > before || !match || !onNoRoute) return undefined;
  return { id, ...(description === undefined ? {} : { description }), match, route, strategy, onNoRoute };
}

function readMatch(v: unknown, path: Path, c: Checker): RuleMatch | undefined {
  const o = c.object(v, path, 'match', MATCH_KEYS);
  if (!o) return undefined;
  const before = c.problems.length;
  const match: RuleMatch = {};
  const items: Record<Exclude<keyof RuleMatch, 'amount'>, (s: string, path: Path) => string | undefined> = {
    currency: currencyItem(c),
    creditorCountry: countryItem(c),
    creditorAgentBic: bicPrefixItem(c),
    clearingMemberId: textItem(),
    serviceLevel: codeItem(c, 'service level'),
    localInstrument: codeItem(c, 'local instrument'),
    categoryPurpose: codeItem(c, 'category purpose'),
    channel: textItem(),
    client: textItem(),
  };
  for (const key of Object.keys(items) as (keyof typeof items)[]) {
    if (o[key] === undefined) continue;
    const values = c.list(o[key], [...path, key], key, items[key]);
    if (values) match[key] = values;
  }
  if (o.amount !== undefined) {
    const a = c.object(o.amount, [...path, 'amount'], 'amount', ['min', 'max']);
    if (a) {
      if (a.min === undefined && a.max === undefined) c.fail([...path, 'amount'], 'amount needs min, max or both');
      const min = a.min === undefined ? undefined : c.decimal(a.min, [...path, 'amount', 'min'], 'min');
      const max = a.max === undefined ? undefined : c.decimal(a.max, [...path, 'amount', 'max'], 'max');
      if (min !== undefined && max !== undefined && DecimalAmount.parse(min).compare(DecimalAmount.parse(max)) > 0) {
        c.fail([...path, 'amount', 'max'], `max ${max} is below min ${min}`);
      }
      match.amount = { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
    }
  }
  return c.problems.length > before ? undefined : match;
}

/**
 * `cheapest` | `{cheapest: {among: [a, b]}}` (`{cheapest: {}}` is every connector) | `{weighted: {a: 90, b: 10}}`
 * (whole-number weights, at least one above zero; a zero weight makes a connector a fallback only).
 */
function readStrategy(
  v: unknown,
  path: Path,
  c: Checker,
  reference: (s: string, path: Path) => string | undefined,
): RouteStrategy | undefined {
  const syntax = 'strategy is "cheapest", {cheapest: {among: [ids]}} or {weighted: {id: weight, ...}}';
  if (v === 'cheapest') return { kind: 'cheapest', among: null };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return c.fail(path, `${syntax}, not ${kindOf(v)}`);
  const o = c.object(v, path, 'strategy', ['cheapest', 'weighted']);
  if (!o) return undefined;
  const keys = Object.keys(o);
  // An unknown key was reported by object(); two known ones, or none, are the syntax's fault.
  if (!keys.every((k) => k === 'cheapest' || k === 'weighted')) return undefined;
  if (keys.length !== 1) return c.fail(path, syntax);
  if (keys[0] === 'cheapest') {
    if (o.cheapest === null) return { kind: 'cheapest', among: null };
    const options = c.object(o.cheapest, [...path, 'cheapest'], 'cheapest', ['among']);
    if (!options) return undefined;
    if (options.among === undefined) return { kind: 'cheapest', among: null };
    const among = c.list(options.among, [...path, 'cheapest', 'among'], 'among', reference);
    return among ? { kind: 'cheapest', among } : undefined;
  }
  const weightsPath = [...path, 'weighted'];
  if (o.weighted === null || typeof o.weighted !== 'object' || Array.isArray(o.weighted)) {
    return c.fail(weightsPath, `weighted maps connector ids to weights, e.g. {rtgs: 90, newrtgs: 10}, not ${kindOf(o.weighted)}`);
  }
  const entries = Object.entries(o.weighted as Record<string, unknown>);
  const before = c.problems.length;
  const weights: { connector: string; weight: number }[] = [];
  for (const [id, weight] of entries) {
    reference(id, [...weightsPath, id]);
    if (typeof weight !== 'number' || !Number.isSafeInteger(weight) || weight < 0) {
      c.fail([...weightsPath, id], `the weight of ${id} must be a whole number (0 or more), not ${shown(weight)}`);
    } else weights.push({ connector: id, weight });
  }
  if (entries.length === 0) return c.fail(weightsPath, 'weighted names no connector');
  if (c.problems.length === before && weights.every((w) => w.weight === 0))
    return c.fail(weightsPath, 'at least one weight must be above 0');
  return c.problems.length > before ? undefined : { kind: 'weighted', weights };
}
