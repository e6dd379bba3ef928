// SPDX-License-Identifier: Apache-2.0
/** Configuration of the simulated legacy host: what `startSimulator()` takes and how the environment maps to it. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** Latency and faults; changeable while running through `POST /admin/faults` (same names). */
export interface FaultSettings {
  /** Fixed delay before answering a payment, in ms. */
  latencyMs: number;
  /** Extra uniform random delay 0..latencyJitterMs on top of latencyMs. */
  latencyJitterMs: number;
  /** Share (0..1) of payments answered 503 WITHOUT being recorded. */
  errorRate: number;
  /** Share (0..1) of payments recorded and decided, whose answer is then held back for timeoutMs. */
  timeoutRate: number;
  /** How long a "timed out" answer is held, in ms. */
  timeoutMs: number;
  /** Every /v1 call answers 503 (/health, /stats and /admin stay up). */
  down: boolean;
  /** Creditor accounts (IBAN or Othr/Id) ending in this are rejected with AC04. Empty: reject none. */
  rejectSuffix: string;
  /**
   * A cancellation request (camt.056) for a payment the host took at least this long ago is refused
   * (camt.029 RJCR, reason CUST: the creditor's bank keeps the funds). 0 refuses every cancellation.
   */
  cancelWindowSeconds: number;
  /**
   * The next this-many answers to payments (pacs.008, new or re-delivered) are lost: the host decides and
   * records the payment, then sends nothing (HTTP: the connection is closed without an answer; AMQP: the request
   * is acked without a reply). Counts down as answers are lost. Status requests are always answered.
   */
  dropAnswers: number;
  /** Share (0..1) of answers to payments lost the same way (after `dropAnswers` is used up). */
  dropAnswerRate: number;
}

export const DEFAULT_FAULTS: Readonly<FaultSettings> = Object.freeze({
  latencyMs: 0,
  latencyJitterMs: 0,
  errorRate: 0,
  timeoutRate: 0,
  timeoutMs: 30_000,
  down: false,
  rejectSuffix: '9999',
  cancelWindowSeconds: 3600,
  dropAnswers: 0,
  dropAnswerRate: 0,
});

export interface SimulatorOptions {
  /**
   * The host's name when the simulator plays several (SIM_HOSTS): shown in `/health` and `/stats`. Default
   * null: one unnamed host, whose `/health` and `/stats` carry no name.
   */
  name?: string | null;
  /** 0 picks a free port. Default 8081. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where the XSD files are. Default `config/schemas` (relative to the working directory). */
  schemaDir?: string;
  faults?: Partial<FaultSettings>;
  /** Seeds the fault and latency dice for repeatable runs; unseeded runs use Math.random. */
  seed?: string | null;
  /** Append every decision to this JSON-lines file and reload it at start. Default: memory only. */
  dataFile?: string | null;
  /** Per-request log lines and Nest's own start-up logs. Default false. */
  debug?: boolean;
  /** Largest accepted request body in bytes. Default 2 MiB. */
  bodyLimit?: number;
  /** Close on SIGTERM/SIGINT (main.ts sets it; tests leave it off). */
  shutdownHooks?: boolean;
  /** `http` (default): payments over POST /v1/payments only. `amqp`: also from the request queue (HOST_TRANSPORT). */
  transport?: 'http' | 'amqp';
  /** With transport `amqp`: the broker and queue names (AMQP_URL, AMQP_REQUEST_QUEUE, AMQP_DLX). */
  amqp?: { url?: string; requestQueue?: string; deadLetterExchange?: string };
}

export interface ResolvedSimulatorConfig {
  name: string | null;
  port: number;
  host: string;
  schemaDir: string;
  faults: FaultSettings;
  seed: string | null;
  dataFile: string | null;
  debug: boolean;
  bodyLimit: number;
  shutdownHooks: boolean;
  transport: 'http' | 'amqp';
  amqp: { url: string; requestQueue: string; deadLetterExchange: string } | null;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function resolveConfig(options: SimulatorOptions): ResolvedSimulatorConfig {
  const port = options.port ?? 8081;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port ${port} is not a TCP port`);
  const bodyLimit = options.bodyLimit ?? 2 * 1024 * 1024;
  if (!Number.isInteger(bodyLimit) || bodyLimit <= 0) throw new ConfigError('bodyLimit must be a positive integer');
  const name = options.name ?? null;
  if (name !== null && !HOST_NAME.test(name)) throw new ConfigError(`host name "${name}" ${HOST_NAME_RULE}`);
  return {
    name,
    port,
    host: options.host ?? '127.0.0.1',
    schemaDir: options.schemaDir ?? 'config/schemas',
    faults: applyFaultChanges(DEFAULT_FAULTS, options.faults ?? {}),
    seed: options.seed ?? null,
    dataFile: options.dataFile || null,
    debug: options.debug ?? false,
    bodyLimit,
    shutdownHooks: options.shutdownHooks ?? false,
    transport: options.transport ?? 'http',
    amqp:
      options.transport === 'amqp'
        ? {
            url: options.amqp?.url ?? 'amqp://127.0.0.1:5672',
            requestQueue: options.amqp?.requestQueue ?? 'clearway.host.requests',
            deadLetterExchange: options.amqp?.deadLetterExchange ?? 'clearway.dlx',
          }
        : null,
  };
}

/** Checks a (partial) change of the fault settings and returns the new settings; throws ConfigError on bad input. */
export function applyFaultChanges(base: Readonly<FaultSettings>, change: unknown): FaultSettings {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) {
    throw new ConfigError('fault settings must be a JSON object');
  }
  const next: FaultSettings = { ...base };
  for (const [name, value] of Object.entries(change as Record<string, unknown>)) {
    if (value === undefined) continue;
    switch (name) {
      case 'latencyMs':
      case 'latencyJitterMs':
      case 'timeoutMs':
      case 'cancelWindowSeconds':
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
          throw new ConfigError(`${name} must be a number >= 0`);
        }
        next[name] = value;
        break;
      case 'dropAnswers':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
          throw new ConfigError('dropAnswers must be a whole number >= 0');
        next.dropAnswers = value;
        break;
      case 'errorRate':
      case 'timeoutRate':
      case 'dropAnswerRate':
        if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new ConfigError(`${name} must be a number in 0..1`);
        next[name] = value;
        break;
      case 'down':
        if (typeof value !== 'boolean') throw new ConfigError('down must be true or false');
        next.down = value;
        break;
      case 'rejectSuffix':
        if (typeof value !== 'string' || value.length > 34) throw new ConfigError('rejectSuffix must be a string (max 34)');
        next.rejectSuffix = value;
        break;
      default:
        throw new ConfigError(`unknown fault setting "${name}"`);
    }
  }
  return next;
}

/** Reads SIM_* variables (see the README table); throws ConfigError naming the bad variable. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): SimulatorOptions {
  const num = (name: string): number | undefined => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return undefined;
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new ConfigError(`${name}="${raw}" is not a number`);
    return v;
  };
  const bool = (name: string): boolean | undefined => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return undefined;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    throw new ConfigError(`${name}="${raw}" is not true or false`);
  };
  const faults: Partial<FaultSettings> = {
    latencyMs: num('SIM_LATENCY_MS'),
    latencyJitterMs: num('SIM_LATENCY_JITTER_MS'),
    errorRate: num('SIM_ERROR_RATE'),
    timeoutRate: num('SIM_TIMEOUT_RATE'),
    timeoutMs: num('SIM_TIMEOUT_MS'),
    down: bool('SIM_DOWN'),
    rejectSuffix: env.SIM_REJECT_SUFFIX,
    cancelWindowSeconds: num('SIM_CANCEL_WINDOW_SECONDS'),
    dropAnswers: num('SIM_DROP_ANSWERS'),
    dropAnswerRate: num('SIM_DROP_ANSWER_RATE'),
  };
  try {
    applyFaultChanges(DEFAULT_FAULTS, faults);
  } catch (err) {
    throw new ConfigError(`bad SIM_* fault setting: ${(err as Error).message}`);
  }
  return {
    port: num('SIM_PORT'),
    host: env.SIM_HOST?.trim() || undefined,
    schemaDir: env.SCHEMA_DIR?.trim() || undefined,
    faults,
    seed: env.SIM_SEED?.trim() || null,
    dataFile: env.SIM_DATA_FILE?.trim() || null,
    debug: env.SIM_LOG?.trim().toLowerCase() === 'debug',
    shutdownHooks: true,
    ...amqpFromEnv(env),
  };
}

/** HOST_TRANSPORT (`http` | `amqp`), AMQP_URL, AMQP_REQUEST_QUEUE, AMQP_DLX: the same variables the gateway reads. */
function amqpFromEnv(env: NodeJS.ProcessEnv): Pick<SimulatorOptions, 'transport' | 'amqp'> {
  const transport = env.HOST_TRANSPORT?.trim() || 'http';
  if (transport !== 'http' && transport !== 'amqp') throw new ConfigError(`HOST_TRANSPORT="${transport}" is not http or amqp`);
  if (transport === 'http') return { transport };
  const url = env.AMQP_URL?.trim() || undefined;
  if (url && !/^amqps?:\/\//.test(url)) throw new ConfigError('AMQP_URL must be an amqp:// or amqps:// URL');
  return {
    transport,
    amqp: { url, requestQueue: env.AMQP_REQUEST_QUEUE?.trim() || undefined, deadLetterExchange: env.AMQP_DLX?.trim() || undefined },
  };
}

/** One named host of SIM_HOSTS / `startSimulators()`: its own port, ledger, rules (faults) and admin API. */
export interface SimulatedHostSpec {
  /** Letters, digits, `.`, `_`, `-` (max 64), unique in the list. */
  name: string;
  /** 0 or absent: any free port (kept across `stop()` / `start()`). */
  port?: number;
  /** Bind address; default: the shared one (SIM_HOST). */
  host?: string;
  /** This host's latency, faults and rules (`rejectSuffix`, ...), over the shared SIM_* ones. */
  faults?: Partial<FaultSettings>;
  /** Seeds this host's dice; default: `SIM_SEED/name` when SIM_SEED is set, else unseeded. */
  seed?: string | null;
  /** This host's own journal (two hosts must not share one). Default: memory only. */
  dataFile?: string | null;
}

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HOST_NAME_RULE = 'must be 1-64 letters, digits, ".", "_" or "-" (starting with a letter or digit)';
const SPEC_FIELDS = new Set(['name', 'port', 'host', 'faults', 'seed', 'dataFile']);

/**
 * Checks a list of host specs (parsed JSON or YAML; a `{hosts: [...]}` object is taken too). Throws ConfigError
 * naming the entry: unknown fields, a bad or repeated name, a bad or repeated port, bad fault settings.
 */
export function parseHostSpecs(raw: unknown, source = 'SIM_HOSTS'): SimulatedHostSpec[] {
  const list: unknown =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'hosts' in raw ? (raw as { hosts: unknown }).hosts : raw;
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(`${source} must be a non-empty list of hosts`);
  const names = new Set<string>();
  const ports = new Set<number>();
  return list.map((entry: unknown, i) => {
    const at = `${source}[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(`${at} must be an object`);
    const e = entry as Record<string, unknown>;
    for (const field of Object.keys(e)) if (!SPEC_FIELDS.has(field)) throw new ConfigError(`${at}: unknown field "${field}"`);
    if (typeof e.name !== 'string' || !HOST_NAME.test(e.name)) throw new ConfigError(`${at}: name ${HOST_NAME_RULE}`);
    const name = e.name;
    if (names.has(name)) throw new ConfigError(`${at}: the name "${name}" is used twice`);
    names.add(name);
    const spec: SimulatedHostSpec = { name };
    if (e.port !== undefined) {
      if (typeof e.port !== 'number' || !Number.isInteger(e.port) || e.port < 0 || e.port > 65535) {
        throw new ConfigError(`${at} (${name}): port must be a TCP port (0: any free one)`);
      }
      if (e.port !== 0 && ports.has(e.port)) throw new ConfigError(`${at} (${name}): port ${e.port} is used twice`);
      ports.add(e.port);
      spec.port = e.port;
    }
    if (e.host !== undefined) {
      if (typeof e.host !== 'string' || e.host.trim() === '') throw new ConfigError(`${at} (${name}): host must be an address`);
      spec.host = e.host.trim();
    }
    if (e.faults !== undefined) {
      try {
        applyFaultChanges(DEFAULT_FAULTS, e.faults);
      } catch (err) {
        throw new ConfigError(`${at} (${name}): ${(err as Error).message}`);
      }
      spec.faults = { ...(e.faults as Partial<FaultSettings>) };
    }
    for (const field of ['seed', 'dataFile'] as const) {
      const v = e[field];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`${at} (${name}): ${field} must be a non-empty string`);
      spec[field] = v.trim();
    }
    return spec;
  });
}

/**
 * SIM_HOSTS: a JSON list of hosts (starts with `[`), or the path of a JSON or YAML file holding one. Null when
 * unset: the simulator plays one host on SIM_PORT, as always.
 */
export function hostSpecsFromEnv(env: NodeJS.ProcessEnv = process.env): SimulatedHostSpec[] | null {
  const raw = env.SIM_HOSTS?.trim();
  if (!raw) return null;
  let parsed: unknown;
  if (raw.startsWith('[') || raw.startsWith('{')) {
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      throw new ConfigError(`SIM_HOSTS is not valid JSON: ${(err as Error).message}`);
    }
    return parseHostSpecs(parsed, 'SIM_HOSTS');
  }
  let text: string;
  try {
    text = readFileSync(raw, 'utf8');
  } catch (err) {
    throw new ConfigError(`SIM_HOSTS file ${raw} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    // YAML 1.2 reads JSON too
    parsed = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError(`SIM_HOSTS file ${raw}: ${(err as Error).message}`);
  }
  return parseHostSpecs(parsed, raw);
}

/**
 * The options of each named host: the shared SIM_* options (schema, bind address, log, faults) under the
 * host's own. A shared data file or AMQP transport is refused (hosts would share one journal or queue).
 */
export function hostOptions(shared: SimulatorOptions, specs: readonly SimulatedHostSpec[]): SimulatorOptions[] {
  if (shared.dataFile) throw new ConfigError('SIM_DATA_FILE cannot be shared by SIM_HOSTS: give each host its own "dataFile"');
  if (shared.transport === 'amqp') {
    throw new ConfigError('SIM_HOSTS hosts answer over HTTP only: run a separate simulator for HOST_TRANSPORT=amqp');
  }
  return specs.map((spec) => ({
    ...shared,
    name: spec.name,
    port: spec.port ?? 0,
    host: spec.host ?? shared.host,
    faults: { ...definedOnly(shared.faults ?? {}), ...(spec.faults ?? {}) },
    seed: spec.seed ?? (shared.seed ? `${shared.seed}/${spec.name}` : null),
    dataFile: spec.dataFile ?? null,
  }));
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** SIM_CONTROL_PORT: with SIM_HOSTS, the port of the control API (stop / start a host); null when unset. */
export function controlPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.SIM_CONTROL_PORT?.trim();
  if (!raw) return null;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`SIM_CONTROL_PORT="${raw}" is not a TCP port`);
  return port;
}
