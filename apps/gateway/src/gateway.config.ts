import { resolve } from 'node:path';
import { topologyFromEnv, type AmqpTopologyNames } from '#adapters/amqp';

export interface ClientConfig {
  id: string;
  secret: string;
  scopes: string[];
}

export interface GatewayConfig {
  port: number;
  host: string;
  role: 'all' | 'api' | 'worker';
  mode: 'proxy' | 'core';
  dataDir: string;
  schemaDir: string;
  legacyHostUrl: string | null;
  /** HOST_TRANSPORT: how the legacy host is reached in proxy mode. */
  hostTransport: 'http' | 'amqp';
  /**
   * RabbitMQ (HOST_TRANSPORT=amqp or AMQP_URL set): the broker, the queue names and the API client that owns
   * payments arriving on the inbound queue. Null when no broker is configured.
   */
  amqp: {
    url: string;
    topology: AmqpTopologyNames;
    /** MQ_CLIENT_ID; null until resolved at start (the demo client when it is the only one). */
    clientId: string | null;
    /** Inbound messages in flight per process (MQ_PREFETCH). */
    prefetch: number;
  } | null;
  simPort: number;
  hostTimeoutMs: number;
  hostAttempts: number;
  maxBodyBytes: number;
  maxXmlDepth: number;
  slaMs: number;
  recoveryAfterMs: number;
  sweepIntervalMs: number;
  maxAmount: string | null;
  workerConcurrency: number;
  jobVisibilityMs: number;
  jobMaxAttempts: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  clients: ClientConfig[];
  auth: {
    issuer: string;
    audience: string;
    tokenTtlSeconds: number;
    /** External identity provider: verify tokens by its JWKS instead of the built-in keys. */
    jwksUrl: string | null;
  };
  logLevel: 'error' | 'warn' | 'log' | 'debug';
}

/** Invalid configuration: the process stops at start with this message, naming the setting. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function parseClients(raw: string | undefined): ClientConfig[] {
  if (!raw) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError('CLEARWAY_CLIENTS must be a JSON array of {id, secret, scopes}');
  }
  if (!Array.isArray(value)) throw new ConfigError('CLEARWAY_CLIENTS must be a JSON array of {id, secret, scopes}');
  return value.map((c: unknown, i: number) => {
    const o = c as Partial<ClientConfig>;
    if (typeof o?.id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(o.id)) {
      throw new ConfigError(`CLEARWAY_CLIENTS[${i}].id must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    }
    if (typeof o.secret !== 'string' || o.secret.length < 12) {
      throw new ConfigError(`CLEARWAY_CLIENTS[${i}].secret must be a string of at least 12 characters`);
    }
    const scopes = Array.isArray(o.scopes) ? o.scopes : typeof o.scopes === 'string' ? String(o.scopes).split(' ') : [];
    if (!scopes.every((s) => typeof s === 'string')) throw new ConfigError(`CLEARWAY_CLIENTS[${i}].scopes must be strings`);
    return { id: o.id, secret: o.secret, scopes };
  });
}

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const maxAmount = env.MAX_AMOUNT?.trim() || null;
  if (maxAmount !== null && !/^\d{1,18}(\.\d{1,5})?$/.test(maxAmount)) {
    throw new ConfigError(`MAX_AMOUNT must be a decimal amount such as 1000000.00, got "${maxAmount}"`);
  }
  const legacyHostUrl = env.LEGACY_HOST_URL?.trim() || null;
  if (legacyHostUrl && !/^https?:\/\//.test(legacyHostUrl)) {
    throw new ConfigError(`LEGACY_HOST_URL must be an http(s) URL, got "${legacyHostUrl}"`);
  }
  const port = int(env, 'PORT', 8080, 0);
  const hostTransport = oneOf(env, 'HOST_TRANSPORT', ['http', 'amqp'] as const, 'http');
  const amqpUrl = env.AMQP_URL?.trim() || null;
  if (amqpUrl && !/^amqps?:\/\//.test(amqpUrl)) throw new ConfigError('AMQP_URL must be an amqp:// or amqps:// URL');
  if (hostTransport === 'amqp' && legacyHostUrl) {
    throw new ConfigError('LEGACY_HOST_URL is for HOST_TRANSPORT=http; with HOST_TRANSPORT=amqp the host is reached through AMQP_URL');
  }
  let topology: AmqpTopologyNames | null = null;
  if (hostTransport === 'amqp' || amqpUrl) {
    try {
      topology = topologyFromEnv(env);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  }
  const mqClientId = env.MQ_CLIENT_ID?.trim() || null;
  if (mqClientId !== null && !/^[A-Za-z0-9._-]{1,64}$/.test(mqClientId)) {
    throw new ConfigError('MQ_CLIENT_ID must be 1-64 characters of A-Z a-z 0-9 . _ -');
  }
  return {
    port,
    host: env.HOST || '0.0.0.0',
    role: oneOf(env, 'ROLE', ['all', 'api', 'worker'] as const, 'all'),
    mode: oneOf(env, 'MODE', ['proxy', 'core'] as const, 'proxy'),
    dataDir: resolve(env.DATA_DIR || './data'),
    schemaDir: resolve(env.SCHEMA_DIR || 'config/schemas'),
    legacyHostUrl,
    hostTransport,
    amqp: topology
      ? { url: amqpUrl ?? 'amqp://127.0.0.1:5672', topology, clientId: mqClientId, prefetch: int(env, 'MQ_PREFETCH', 32, 1) }
      : null,
    simPort: int(env, 'SIM_PORT', 8081, 0),
    hostTimeoutMs: int(env, 'HOST_TIMEOUT_MS', 5000, 1),
    hostAttempts: int(env, 'HOST_ATTEMPTS', 3, 1),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024),
    maxXmlDepth: int(env, 'MAX_XML_DEPTH', 64, 8),
    slaMs: int(env, 'SLA_SECONDS', 300, 1) * 1000,
    recoveryAfterMs: int(env, 'RECOVERY_AFTER_SECONDS', 60, 1) * 1000,
    sweepIntervalMs: int(env, 'SWEEP_INTERVAL_MS', 5000, 100),
    maxAmount,
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 16, 1),
    jobVisibilityMs: int(env, 'JOB_VISIBILITY_MS', 30000, 1000),
    jobMaxAttempts: int(env, 'JOB_MAX_ATTEMPTS', 8, 1),
    sqliteSynchronous: oneOf(env, 'SQLITE_SYNCHRONOUS', ['FULL', 'NORMAL'] as const, 'FULL'),
    clients: parseClients(env.CLEARWAY_CLIENTS),
    auth: {
      issuer: env.AUTH_ISSUER || `http://localhost:${port}`,
      audience: env.AUTH_AUDIENCE || 'clearway',
      tokenTtlSeconds: int(env, 'TOKEN_TTL_SECONDS', 3600, 60),
      jwksUrl: env.AUTH_JWKS_URL?.trim() || null,
    },
    logLevel: oneOf(env, 'LOG_LEVEL', ['error', 'warn', 'log', 'debug'] as const, 'log'),
  };
}
