// SPDX-License-Identifier: Apache-2.0
/**
 * The namespace loaders: from the environment, validated by the schema in variables.ts, to one typed object
 * per namespace. Every rule that involves the domain or more than one variable is here; every message names
 * the variable. Nothing here reads `process.env`: the loaders take the environment as an argument
 * (namespaces.ts passes `process.env`; tests pass their own).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  BUILT_IN_RULE_IDS,
  HoldPolicy,
  isLedgerAccountId,
  loadRoutingFile,
  MerchantDirectory,
  parseAmountLimits,
  RoutingFileError,
  parseCountryList,
  withinLedgerLimit,
  type AmountLimits,
  type LedgerAccountInput,
  type RoutingTable,
} from '#application';
import { Money } from '#domain';
import type { AmqpTopologyNames } from '#adapters/amqp';
import { CUSTOM_BUSINESS_RULES } from '../custom-business-rules.js';
import { BUILT_IN_ALGORITHM, envSchema, NAMESPACES, type Namespace, type ParsedEnv } from './variables.js';

export { BUILT_IN_ALGORITHM, EXTERNAL_ALGORITHMS } from './variables.js';
/** AUTH_ISSUER's default: one constant, so instances on different ports accept each other's tokens. */
export const DEFAULT_ISSUER = 'clearway';

export type Env = Record<string, string | undefined>;

/** Invalid configuration: the process stops at start with this message, naming the setting. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ClientConfig {
  id: string;
  /** The client secret itself; or, instead, */
  secret?: string;
  /** the name of the secret store entry that holds it (e.g. `clients/bank-a` under SECRETS_PREFIX). */
  secretName?: string;
  scopes: string[];
  /** Its default `X-Consistency` on `POST /v1/inbox` (`region` when absent); a request's header wins. */
  consistency?: 'region' | 'global';
}

/** The local demo client, enabled only when CLEARWAY_CLIENTS is unset outside production. */
export const DEMO_CLIENT: ClientConfig = {
  id: 'demo',
  secret: 'demo-secret-not-for-production',
  scopes: ['payments:read', 'payments:write', 'payments:operate', 'ledger:admin', 'metrics:read', 'operator'],
};

/** A certificate authority, client certificate and key for an outgoing TLS connection (files, PEM). */
export interface TlsFiles {
  caFile: string | null;
  certFile: string | null;
  keyFile: string | null;
}

export interface RuntimeConfig {
  role: 'all' | 'api' | 'worker';
  mode: 'proxy' | 'core';
  /** NODE_ENV=production. */
  production: boolean;
  /** GIT_REVISION: the source revision, for clearway_build_info. */
  revision: string;
}

export interface ServerConfig {
  port: number;
  host: string;
  /** TRUSTED_PROXIES: addresses / CIDR ranges whose X-Forwarded-* headers are believed; empty: none. */
  trustedProxies: string[];
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  connectionIdleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnectionsPerSource: number;
  /** TLS_CERT_FILE and TLS_KEY_FILE: the HTTPS listener; null: plain HTTP. */
  tls: { certFile: string; keyFile: string } | null;
  apiDocs: 'public' | 'auth' | 'off';
  /** METRICS_PORT: a listener of its own serving GET /metrics without auth; null: /metrics on the API port (scope metrics:read). */
  metricsPort: number | null;
}

export interface AuthConfig {
  issuer: string;
  audience: string;
  tokenTtlSeconds: number;
  /** External identity provider: verify tokens by its JWKS instead of the built-in keys. */
  jwksUrl: string | null;
  /** The JWS algorithms accepted: ES256 for the built-in issuer; AUTH_ALGORITHMS (default RS256) with AUTH_JWKS_URL. */
  algorithms: string[];
  throttle: { failures: number; windowSeconds: number; maxSeconds: number };
}

export interface ClientsConfig {
  /** The clients allowed to obtain tokens: CLEARWAY_CLIENTS, or the demo client alone. */
  clients: ClientConfig[];
  /** True when CLEARWAY_CLIENTS is unset and the demo client is on (never in production). */
  demo: boolean;
}

export interface HostConfig {
  /** HOST_TRANSPORT: how the legacy host is reached in proxy mode. */
  transport: 'http' | 'amqp';
  /** LEGACY_HOST_URL as configured (the simulator's address is the HostEndpoint provider's business). */
  url: string | null;
  /** True when this process uses the bundled simulator on `simPort` (proxy, http, no LEGACY_HOST_URL, not ROLE=api). */
  useSimulator: boolean;
  simPort: number;
  timeoutMs: number;
  attempts: number;
  /** LEGACY_HOST_AUTH_SECRET: name of the secret-store entry holding the Authorization header for the HTTP host. */
  authSecret: string | null;
  /** HOST_TLS_CA_FILE, HOST_TLS_CERT_FILE, HOST_TLS_KEY_FILE: TLS towards the HTTPS legacy host; null: the defaults. */
  tls: TlsFiles | null;
}

export interface AmqpConfig {
  /** A broker is configured (HOST_TRANSPORT=amqp or AMQP_URL set): the front door is open. */
  enabled: boolean;
  url: string;
  topology: AmqpTopologyNames;
  /** MQ_CLIENT_ID as configured; the effective owner is the MQ_CLIENT provider (see resolveMqClient). */
  clientId: string | null;
  /** Inbound messages in flight per process (MQ_PREFETCH). */
  prefetch: number;
  /** AMQP_TLS_CA_FILE, AMQP_TLS_CERT_FILE, AMQP_TLS_KEY_FILE: TLS towards an amqps:// broker; null: the defaults. */
  tls: TlsFiles | null;
}

/**
 * Which adapter serves each port, and the AWS settings of those on AWS. Endpoints come from the SDK's
 * standard variables (`AWS_ENDPOINT_URL_<SERVICE>`, else the service's regional endpoint); credentials from
 * the SDK's default chain (environment, shared files, ECS task role, instance profile).
 */
export interface AdapterSelection {
  store: 'embedded' | 'dynamodb' | 'postgres';
  queue: 'embedded' | 'sqs' | 'postgres';
  secrets: 'file' | 'aws' | 'postgres';
  archive: 'embedded' | 's3' | 'postgres';
  /** The PostgreSQL server, when an adapter is on it (docs/postgres.md); else null. */
  postgres: PostgresConfig | null;
  aws: {
    region: string | null;
    endpoints: { dynamodb: string | null; sqs: string | null; s3: string | null; secretsManager: string | null };
    dynamodbTable: string | null;
    sqsQueue: string | null;
    sqsDeadLetterQueue: string | null;
    sqsWaitSeconds: number;
    s3Bucket: string | null;
    s3Prefix: string;
    s3ForcePathStyle: boolean;
    secretsPrefix: string;
    secretsCacheSeconds: number;
  };
}

export interface PostgresConfig {
  /** DATABASE_URL (may hold a password: never logged). */
  url: string;
  ssl: { mode: 'disable' | 'require' | 'verify-full'; caFile: string | null; certFile: string | null; keyFile: string | null };
  poolSize: number;
  /** DATABASE_SCHEMA; null: the role's search path. */
  schema: string | null;
  /** DATABASE_MIGRATE: migrate at start (else only check the version). */
  migrate: boolean;
  /** SECRETS=postgres: SECRETS_ENCRYPTION_KEY as given, or the file holding it (read at start). */
  secretsKey: { value: string } | { file: string } | null;
}

export interface StoreConfig extends AdapterSelection {
  dataDir: string;
  sqliteSynchronous: 'FULL' | 'NORMAL';
}

export interface WorkerConfig {
  concurrency: number;
  jobVisibilityMs: number;
  jobMaxAttempts: number;
  slaMs: number;
  recoveryAfterMs: number;
  sweepIntervalMs: number;
}

export interface AdmissionConfig {
  /** ADMISSION_MAX_WAIT_SECONDS in ms; 0: off. */
  maxWaitMs: number;
  /** ADMISSION_MAX_QUEUED_JOBS; 0: no bound. */
  maxQueuedJobs: number;
  /** Payments per second by client id (CLIENT_PAYMENT_QUOTAS). */
  quotas: ReadonlyMap<string, number>;
  /** CLIENT_PAYMENT_QUOTA_DEFAULT; 0: none. */
  defaultQuota: number;
}

export interface RulesConfig {
  amountLimits: AmountLimits | null;
  creditorCountryAllow: string[] | null;
  creditorCountryDeny: string[];
  /** BUSINESS_RULES_ORDER: rule ids to run first, in this order. */
  order: string[];
  /** SCREENING_URL set: the screening rule calls it; null: no screening rule. */
  screening: {
    url: string;
    timeoutMs: number;
    failure: 'open' | 'closed';
    /** SCREENING_AUTH_HEADER: the `Authorization` value sent to the service (a secret: never logged). */
    authHeader: string | null;
  } | null;
  /** HOLD_AMOUNT_ABOVE: every payment above this decimal amount waits in PDNG for a consumer decision. */
  holdAmountAbove: string | null;
  /** HOLD_RULES: a JSON array of richer hold rules (see docs/decisions.md). */
  holdRules: string | null;
}

export interface LedgerConfig {
  /** On in MODE=core when LEDGER_OPENING_BALANCES is set or LEDGER_ENABLED=true. */
  enabled: boolean;
  openingBalances: LedgerAccountInput[];
  /** The LEDGER_* settings given in proxy mode, where there is no ledger (a start warning names them). */
  ignored: string[];
}

export interface IntakeConfig {
  maxBodyBytes: number;
  maxXmlDepth: number;
  maxTransactionsPerMessage: number;
  schemaDir: string;
}

export interface ChannelsConfig {
  /** CHANNEL_DEBTOR_AGENT_BIC: the debtor agent of a JSON or QR payment whose payer names none. */
  debtorAgentBic: string | null;
  /** MERCHANT_DIRECTORY_FILE, resolved; null when unset. */
  merchantDirectoryFile: string | null;
  /** The merchants of that file (checked at start); empty without one. */
  merchants: MerchantDirectory;
}

export interface CompatConfig {
  /** `region_id` in the AWS-guidance compatibility answers: REGION_ID, else AWS_REGION, else `local`. */
  regionId: string;
  /** AWS_COMPAT_REPAIR_NAMESPACE: repair a namespace-less Document/AppHdr on the AWS-compatible /inbox. */
  repairNamespace: boolean;
}

export interface LoggingConfig {
  /** LOG_LEVEL, in Nest's names (`log` is pino's `info`). */
  level: 'error' | 'warn' | 'log' | 'debug';
  /** LOG_FORMAT, else `pretty` when standard output is a terminal and `json` when not. */
  format: 'json' | 'pretty';
}

export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the OTLP/HTTP collector; null: tracing is off. */
  endpoint: string | null;
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_HEADERS, decoded: sent with every export (may hold a secret: never logged). */
  headers: Record<string, string>;
  /** OTEL_BSP_SCHEDULE_DELAY: ms between two exports. */
  scheduleDelayMs: number;
}

/** The whole configuration: one entry per namespace. */
export interface Configuration {
  runtime: RuntimeConfig;
  server: ServerConfig;
  auth: AuthConfig;
  clients: ClientsConfig;
  host: HostConfig;
  amqp: AmqpConfig;
  store: StoreConfig;
  worker: WorkerConfig;
  admission: AdmissionConfig;
  rules: RulesConfig;
  ledger: LedgerConfig;
  intake: IntakeConfig;
  channels: ChannelsConfig;
  compat: CompatConfig;
  logging: LoggingConfig;
  tracing: TracingConfig;
  routing: RoutingConfig;
  region: RegionConfig;
}

export interface RegionConfig {
  /** REGION_ID, else AWS_REGION, else `local`: this region. */
  id: string;
  /** PEER_REGIONS: the other regions sharing the store; empty: one region. */
  peers: string[];
  consistency: 'strong' | 'eventual';
  heartbeatMs: number;
  leaseMs: number;
  /** PEER_DYNAMODB_ENDPOINTS: a peer's replica endpoint, by peer id (eventual; else its regional endpoint). */
  peerEndpoints: Record<string, string>;
  /** CONSISTENCY_GLOBAL_TIMEOUT_SECONDS: how long `X-Consistency: global` waits for a peer's replica (eventual). */
  globalTimeoutMs: number;
}

export interface RoutingConfig {
  /** ROUTING_FILE as given; null: no routing table (the one legacy host). */
  file: string | null;
  /** The table read from it, checked; null without a file. */
  table: RoutingTable | null;
}

/** Syntax of every variable, with defaults; all problems at once, one per line, each naming its variable. */
export function parseEnv(env: Env): ParsedEnv {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => i.message).join('\n'));
  return result.data;
}

/** A client certificate and its key go together; null when neither a CA nor a certificate is given. */
function tlsFiles(caFile: string | null, certFile: string | null, keyFile: string | null, prefix: string): TlsFiles | null {
  if ((certFile === null) !== (keyFile === null)) {
    throw new ConfigError(`${prefix}_CERT_FILE and ${prefix}_KEY_FILE go together (a client certificate and its key)`);
  }
  return caFile || certFile ? { caFile, certFile, keyFile } : null;
}

function runtime(e: ParsedEnv): RuntimeConfig {
  return { role: e.ROLE, mode: e.MODE, production: e.NODE_ENV === 'production', revision: e.GIT_REVISION };
}

function server(e: ParsedEnv): ServerConfig {
  if ((e.TLS_CERT_FILE === null) !== (e.TLS_KEY_FILE === null)) {
    throw new ConfigError('TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither');
  }
  if (e.HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS (${e.HEADERS_TIMEOUT_MS}) must not be more than REQUEST_TIMEOUT_MS (${e.REQUEST_TIMEOUT_MS})`,
    );
  }
  if (e.METRICS_PORT !== null && e.METRICS_PORT === e.PORT) {
    throw new ConfigError(`METRICS_PORT (${e.METRICS_PORT}) must differ from PORT: it is a listener of its own`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    trustedProxies: e.TRUSTED_PROXIES,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    connectionIdleTimeoutMs: e.CONNECTION_IDLE_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    maxConnectionsPerSource: e.MAX_CONNECTIONS_PER_SOURCE,
    tls: e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE } : null,
    apiDocs: e.API_DOCS ?? (e.NODE_ENV === 'production' ? 'off' : 'public'),
    metricsPort: e.METRICS_PORT,
  };
}

function auth(e: ParsedEnv): AuthConfig {
  if (e.AUTH_JWKS_URL && !e.AUTH_ISSUER) {
    throw new ConfigError("AUTH_ISSUER is required when AUTH_JWKS_URL is set: the issuer (`iss`) of the identity provider's tokens");
  }
  if (!e.AUTH_JWKS_URL && e.AUTH_ALGORITHMS.length > 0) {
    throw new ConfigError(
      `AUTH_ALGORITHMS is for an external identity provider (AUTH_JWKS_URL); the built-in issuer uses ${BUILT_IN_ALGORITHM}`,
    );
  }
  return {
    issuer: e.AUTH_ISSUER ?? DEFAULT_ISSUER,
    audience: e.AUTH_AUDIENCE,
    tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
    jwksUrl: e.AUTH_JWKS_URL,
    algorithms: !e.AUTH_JWKS_URL ? [BUILT_IN_ALGORITHM] : e.AUTH_ALGORITHMS.length > 0 ? e.AUTH_ALGORITHMS : ['RS256'],
    throttle: {
      failures: e.AUTH_THROTTLE_FAILURES,
      windowSeconds: e.AUTH_THROTTLE_WINDOW_SECONDS,
      maxSeconds: e.AUTH_THROTTLE_MAX_SECONDS,
    },
  };
}

export function parseClients(raw: string | null): ClientConfig[] {
  if (!raw) return [];
  const shape = 'CLEARWAY_CLIENTS must be a JSON array of {id, secret | secretName, scopes, consistency?}';
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(shape);
  }
  if (!Array.isArray(value)) throw new ConfigError(shape);
  return value.map((c: unknown, i: number) => {
    const o = c as Partial<ClientConfig>;
    if (typeof o?.id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(o.id)) {
      throw new ConfigError(`CLEARWAY_CLIENTS[${i}].id must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    }
    if ((o.secret === undefined) === (o.secretName === undefined)) {
      throw new ConfigError(`CLEARWAY_CLIENTS[${i}] needs exactly one of secret (the secret) or secretName (its name in the secret store)`);
    }
    if (o.secret !== undefined && (typeof o.secret !== 'string' || o.secret.length < 12)) {
      throw new ConfigError(`CLEARWAY_CLIENTS[${i}].secret must be a string of at least 12 characters`);
    }
    if (o.secretName !== undefined && (typeof o.secretName !== 'string' || !/^[A-Za-z0-9/_+=.@-]{1,256}$/.test(o.secretName))) {
      throw new ConfigError(`CLEARWAY_CLIENTS[${i}].secretName must be a secret name of A-Z a-z 0-9 / _ + = . @ -`);
    }
    const scopes = Array.isArray(o.scopes) ? o.scopes : typeof o.scopes === 'string' ? String(o.scopes).split(' ') : [];
    if (!scopes.every((s) => typeof s === 'string')) throw new ConfigError(`CLEARWAY_CLIENTS[${i}].scopes must be strings`);
    if (o.consistency !== undefined && o.consistency !== 'region' && o.consistency !== 'global') {
      throw new ConfigError(`CLEARWAY_CLIENTS[${i}].consistency must be region or global`);
    }
    return {
      id: o.id,
      ...(o.secret !== undefined ? { secret: o.secret } : { secretName: o.secretName! }),
      scopes,
      ...(o.consistency ? { consistency: o.consistency } : {}),
    };
  });
}

function clients(e: ParsedEnv): ClientsConfig {
  const list = parseClients(e.CLEARWAY_CLIENTS);
  if (list.length > 0) return { clients: list, demo: false };
  if (e.NODE_ENV === 'production') throw new ConfigError('CLEARWAY_CLIENTS is required when NODE_ENV=production');
  return { clients: [DEMO_CLIENT], demo: true };
}

function host(e: ParsedEnv): HostConfig {
  if (e.HOST_TRANSPORT === 'amqp' && e.LEGACY_HOST_URL) {
    throw new ConfigError('LEGACY_HOST_URL is for HOST_TRANSPORT=http; with HOST_TRANSPORT=amqp the host is reached through AMQP_URL');
  }
  const hostTls = tlsFiles(e.HOST_TLS_CA_FILE, e.HOST_TLS_CERT_FILE, e.HOST_TLS_KEY_FILE, 'HOST_TLS');
  if (hostTls && e.LEGACY_HOST_URL && !/^https:\/\//.test(e.LEGACY_HOST_URL)) {
    throw new ConfigError('HOST_TLS_* are set but LEGACY_HOST_URL is not an https:// URL');
  }
  // With a routing table the connectors name their own endpoints: no bundled simulator is started.
  const useSimulator = e.MODE === 'proxy' && e.HOST_TRANSPORT === 'http' && !e.LEGACY_HOST_URL && e.ROLE !== 'api' && !e.ROUTING_FILE;
  if (useSimulator && e.NODE_ENV === 'production') {
    throw new ConfigError('LEGACY_HOST_URL is required in proxy mode when NODE_ENV=production (the simulator is for local use)');
  }
  return {
    transport: e.HOST_TRANSPORT,
    url: e.LEGACY_HOST_URL,
    useSimulator,
    simPort: e.SIM_PORT,
    timeoutMs: e.HOST_TIMEOUT_MS,
    attempts: e.HOST_ATTEMPTS,
    authSecret: e.LEGACY_HOST_AUTH_SECRET,
    tls: hostTls,
  };
}

function amqp(e: ParsedEnv): AmqpConfig {
  const tls = tlsFiles(e.AMQP_TLS_CA_FILE, e.AMQP_TLS_CERT_FILE, e.AMQP_TLS_KEY_FILE, 'AMQP_TLS');
  if (tls && e.AMQP_URL && !/^amqps:\/\//.test(e.AMQP_URL)) throw new ConfigError('AMQP_TLS_* are set but AMQP_URL is not an amqps:// URL');
  return {
    enabled: e.HOST_TRANSPORT === 'amqp' || e.AMQP_URL !== null,
    url: e.AMQP_URL ?? 'amqp://127.0.0.1:5672',
    topology: {
      requestQueue: e.AMQP_REQUEST_QUEUE!,
      replyQueue: e.AMQP_REPLY_QUEUE!,
      inboundQueue: e.INBOUND_QUEUE!,
      outboundQueue: e.OUTBOUND_QUEUE!,
      deadLetterExchange: e.AMQP_DLX!,
    },
    clientId: e.MQ_CLIENT_ID,
    prefetch: e.MQ_PREFETCH,
    tls,
  };
}

function store(e: ParsedEnv): StoreConfig {
  const store = e.STORE;
  // a postgres store takes its queue, archive and secrets with it unless they are set
  const onPg = store === 'postgres';
  const queue = e.QUEUE ?? (onPg ? 'postgres' : 'embedded');
  const secrets = e.SECRETS ?? (onPg ? 'postgres' : 'file');
  const archive = e.ARCHIVE ?? (onPg ? 'postgres' : 'embedded');
  if (store === 'embedded' && queue === 'sqs') {
    throw new ConfigError(
      'QUEUE=sqs needs STORE=dynamodb: the embedded store commits the jobs that follow a state change to its own SQLite queue',
    );
  }
  if ((store === 'postgres') !== (queue === 'postgres')) {
    throw new ConfigError(
      `STORE=postgres and QUEUE=postgres go together (got STORE=${store}, QUEUE=${queue}): the PostgreSQL store commits the jobs that follow a state change in the payment's own transaction`,
    );
  }
  const postgres = postgresConfig(e, { store, queue, secrets, archive });
  const sqsQueue = e.SQS_QUEUE_URL ?? e.SQS_QUEUE_NAME;
  const sqsDeadLetterQueue = e.SQS_DLQ_URL ?? e.SQS_DLQ_NAME;
  const aws: AdapterSelection['aws'] = {
    region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
    endpoints: {
      dynamodb: e.AWS_ENDPOINT_URL_DYNAMODB ?? e.AWS_ENDPOINT_URL,
      sqs: e.AWS_ENDPOINT_URL_SQS ?? e.AWS_ENDPOINT_URL,
      s3: e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL,
      secretsManager: e.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? e.AWS_ENDPOINT_URL,
    },
    dynamodbTable: e.DYNAMODB_TABLE,
    sqsQueue,
    sqsDeadLetterQueue,
    sqsWaitSeconds: e.SQS_WAIT_SECONDS,
    s3Bucket: e.S3_BUCKET,
    s3Prefix: e.S3_PREFIX,
    s3ForcePathStyle: e.S3_FORCE_PATH_STYLE,
    secretsPrefix: e.SECRETS_PREFIX,
    secretsCacheSeconds: e.SECRETS_CACHE_SECONDS,
  };
  const onAws = store === 'dynamodb' || queue === 'sqs' || secrets === 'aws' || archive === 's3';
  const need = (ok: unknown, setting: string, because: string) => {
    if (!ok) throw new ConfigError(`${setting} is required when ${because}`);
  };
  if (onAws)
    need(aws.region, 'AWS_REGION', `an adapter runs on AWS (STORE=${store}, QUEUE=${queue}, SECRETS=${secrets}, ARCHIVE=${archive})`);
  if (store === 'dynamodb') need(aws.dynamodbTable, 'DYNAMODB_TABLE', 'STORE=dynamodb');
  if (queue === 'sqs') {
    need(sqsQueue, 'SQS_QUEUE_URL (or SQS_QUEUE_NAME)', 'QUEUE=sqs');
    need(sqsDeadLetterQueue, 'SQS_DLQ_URL (or SQS_DLQ_NAME)', 'QUEUE=sqs');
    if (!sqsQueue!.endsWith('.fifo') || !sqsDeadLetterQueue!.endsWith('.fifo')) {
      throw new ConfigError('SQS_QUEUE_URL/SQS_QUEUE_NAME and SQS_DLQ_URL/SQS_DLQ_NAME must name FIFO queues (ending in .fifo)');
    }
  }
  if (archive === 's3') need(aws.s3Bucket, 'S3_BUCKET', 'ARCHIVE=s3');
  return { store, queue, secrets, archive, postgres, aws, dataDir: resolve(e.DATA_DIR), sqliteSynchronous: e.SQLITE_SYNCHRONOUS };
}

function postgresConfig(e: ParsedEnv, a: Pick<AdapterSelection, 'store' | 'queue' | 'secrets' | 'archive'>): PostgresConfig | null {
  const uses = [a.store, a.queue, a.secrets, a.archive].includes('postgres');
  if (!uses) return null;
  const selection = `STORE=${a.store}, QUEUE=${a.queue}, SECRETS=${a.secrets}, ARCHIVE=${a.archive}`;
  if (!e.DATABASE_URL) throw new ConfigError(`DATABASE_URL is required when an adapter is on PostgreSQL (${selection})`);
  const url = URL.canParse(e.DATABASE_URL) ? new URL(e.DATABASE_URL) : null;
  if (url === null) throw new ConfigError('DATABASE_URL must be a postgres:// URL');
  for (const p of ['sslmode', 'ssl', 'sslcert', 'sslkey', 'sslrootcert']) {
    // the driver lets the URL's TLS settings win over ours: one place only, the DATABASE_SSL_* variables
    if (url.searchParams.has(p)) throw new ConfigError(`DATABASE_URL must not carry ${p}: set DATABASE_SSL_MODE (and DATABASE_SSL_*_FILE)`);
  }
  // nor may it set the session's options: they would replace DATABASE_SCHEMA's search_path
  if (url.searchParams.has('options')) throw new ConfigError('DATABASE_URL must not carry options: set DATABASE_SCHEMA');
  if ((e.DATABASE_SSL_CERT_FILE === null) !== (e.DATABASE_SSL_KEY_FILE === null)) {
    throw new ConfigError('DATABASE_SSL_CERT_FILE and DATABASE_SSL_KEY_FILE go together (both or neither)');
  }
  const production = e.NODE_ENV === 'production';
  const mode = e.DATABASE_SSL_MODE ?? (production ? 'verify-full' : 'disable');
  if (mode === 'disable' && (e.DATABASE_SSL_CA_FILE || e.DATABASE_SSL_CERT_FILE)) {
    throw new ConfigError('DATABASE_SSL_CA_FILE and DATABASE_SSL_CERT_FILE need DATABASE_SSL_MODE=require or verify-full');
  }
  let secretsKey: PostgresConfig['secretsKey'] = null;
  if (a.secrets === 'postgres') {
    if (e.SECRETS_ENCRYPTION_KEY && e.SECRETS_ENCRYPTION_KEY_FILE) {
      throw new ConfigError('set SECRETS_ENCRYPTION_KEY or SECRETS_ENCRYPTION_KEY_FILE, not both');
    }
    if (e.SECRETS_ENCRYPTION_KEY) secretsKey = { value: e.SECRETS_ENCRYPTION_KEY };
    else if (e.SECRETS_ENCRYPTION_KEY_FILE) secretsKey = { file: resolve(e.SECRETS_ENCRYPTION_KEY_FILE) };
    else throw new ConfigError('SECRETS_ENCRYPTION_KEY (or SECRETS_ENCRYPTION_KEY_FILE) is required when SECRETS=postgres');
  }
  return {
    url: e.DATABASE_URL,
    ssl: { mode, caFile: e.DATABASE_SSL_CA_FILE, certFile: e.DATABASE_SSL_CERT_FILE, keyFile: e.DATABASE_SSL_KEY_FILE },
    poolSize: e.DATABASE_POOL_SIZE,
    schema: e.DATABASE_SCHEMA,
    migrate: e.DATABASE_MIGRATE === null ? !production : e.DATABASE_MIGRATE === 'true',
    secretsKey,
  };
}

function worker(e: ParsedEnv): WorkerConfig {
  return {
    concurrency: e.WORKER_CONCURRENCY,
    jobVisibilityMs: e.JOB_VISIBILITY_MS,
    jobMaxAttempts: e.JOB_MAX_ATTEMPTS,
    slaMs: e.SLA_SECONDS * 1000,
    recoveryAfterMs: e.RECOVERY_AFTER_SECONDS * 1000,
    sweepIntervalMs: e.SWEEP_INTERVAL_MS,
  };
}

function admission(e: ParsedEnv): AdmissionConfig {
  const set = e.ADMISSION_MAX_WAIT_SECONDS === null ? null : Number(e.ADMISSION_MAX_WAIT_SECONDS);
  if (set !== null && set > 0 && set >= e.SLA_SECONDS) {
    throw new ConfigError(
      `ADMISSION_MAX_WAIT_SECONDS (${set}) must be below SLA_SECONDS (${e.SLA_SECONDS}): the door must close before accepted payments run out of time`,
    );
  }
  const maxWaitMs = set !== null ? set * 1000 : Math.min(30_000, (e.SLA_SECONDS * 1000) / 2);
  const quotas = parsed('CLIENT_PAYMENT_QUOTAS', () => {
    const map = new Map<string, number>();
    if (e.CLIENT_PAYMENT_QUOTAS === null) return map;
    const value: unknown = JSON.parse(e.CLIENT_PAYMENT_QUOTAS);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('must be a JSON object of client id to payments per second');
    for (const [client, rate] of Object.entries(value)) {
      if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)
        throw new Error(`the quota of "${client}" must be a positive number of payments per second`);
      map.set(client, rate);
    }
    return map;
  });
  return { maxWaitMs, maxQueuedJobs: e.ADMISSION_MAX_QUEUED_JOBS, quotas, defaultQuota: e.CLIENT_PAYMENT_QUOTA_DEFAULT };
}

function parsed<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`);
  }
}

function screening(e: ParsedEnv): RulesConfig['screening'] {
  const url = e.SCREENING_URL;
  if (url === null) return null;
  const parsedUrl = URL.canParse(url) ? new URL(url) : null;
  if (!parsedUrl || !/^https?:$/.test(parsedUrl.protocol)) throw new ConfigError('SCREENING_URL must be an http(s) URL');
  if (parsedUrl.username || parsedUrl.password) {
    throw new ConfigError('SCREENING_URL must not carry credentials; put them in SCREENING_AUTH_HEADER');
  }
  return { url, timeoutMs: e.SCREENING_TIMEOUT_MS, failure: e.SCREENING_FAILURE, authHeader: e.SCREENING_AUTH_HEADER };
}

function rules(e: ParsedEnv): RulesConfig {
  const amountLimits = parsed('MAX_AMOUNT', () => parseAmountLimits(e.MAX_AMOUNT ?? undefined));
  const creditorCountryAllow = parsed('CREDITOR_COUNTRY_ALLOW', () => parseCountryList(e.CREDITOR_COUNTRY_ALLOW ?? undefined));
  const creditorCountryDeny = parsed('CREDITOR_COUNTRY_DENY', () => parseCountryList(e.CREDITOR_COUNTRY_DENY ?? undefined)) ?? [];
  const known: string[] = [...BUILT_IN_RULE_IDS, ...CUSTOM_BUSINESS_RULES.map((r) => r.id)];
  const order = (e.BUSINESS_RULES_ORDER ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  for (const id of order) {
    if (!known.includes(id)) throw new ConfigError(`BUSINESS_RULES_ORDER: "${id}" is not a business rule (rules: ${known.join(', ')})`);
  }
  try {
    HoldPolicy.fromConfig({ amountAbove: e.HOLD_AMOUNT_ABOVE, rulesJson: e.HOLD_RULES });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return {
    amountLimits,
    creditorCountryAllow,
    creditorCountryDeny,
    order,
    screening: screening(e),
    holdAmountAbove: e.HOLD_AMOUNT_ABOVE,
    holdRules: e.HOLD_RULES,
  };
}

const OPENING_BALANCE = /^\s*(\d{1,18}(?:\.\d{1,18})?)\s+([A-Z]{3})\s*$/;

/** `{"DE89…":"1000.00 EUR", …}`: account id -> "<amount> <currency>", amounts checked as Money (no floats). */
export function parseOpeningBalances(raw: string | null | undefined): LedgerAccountInput[] {
  if (raw === undefined || raw === null || raw.trim() === '') return [];
  const shape = 'a JSON object of account id -> "<amount> <currency>", e.g. {"DE89370400440532013000":"1000.00 EUR"}';
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(`LEDGER_OPENING_BALANCES must be ${shape}; it is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`LEDGER_OPENING_BALANCES must be ${shape}`);
  }
  return Object.entries(value as Record<string, unknown>).map(([id, entry]) => {
    if (!isLedgerAccountId(id)) {
      throw new ConfigError(`LEDGER_OPENING_BALANCES: account id "${id}" must be 1-34 characters of A-Z a-z 0-9 . _ : -`);
    }
    const m = typeof entry === 'string' ? OPENING_BALANCE.exec(entry) : null;
    if (!m) {
      throw new ConfigError(
        `LEDGER_OPENING_BALANCES["${id}"] must be a string "<amount> <currency>" such as "1000.00 EUR", got ${JSON.stringify(entry)}`,
      );
    }
    const [, balance, currency] = m as unknown as [string, string, string];
    let minor: bigint;
    try {
      minor = Money.parseBalance(balance, currency).minor;
    } catch (err) {
      throw new ConfigError(`LEDGER_OPENING_BALANCES["${id}"]: ${(err as Error).message}`);
    }
    if (!withinLedgerLimit(minor)) {
      throw new ConfigError(
        `LEDGER_OPENING_BALANCES["${id}"]: ${balance} ${currency} is more than the ledger keeps (2^63-1 minor units, LEDGER.AMOUNT_TOO_LARGE)`,
      );
    }
    return { id, balance, currency };
  });
}

function ledger(e: ParsedEnv): LedgerConfig {
  const openingBalances = parseOpeningBalances(e.LEDGER_OPENING_BALANCES);
  const flag = e.LEDGER_ENABLED;
  if (flag === 'false' && openingBalances.length > 0) {
    throw new ConfigError('LEDGER_ENABLED=false contradicts LEDGER_OPENING_BALANCES: unset one of them');
  }
  if (e.MODE !== 'core') {
    const ignored = [
      ...(e.LEDGER_OPENING_BALANCES !== null ? ['LEDGER_OPENING_BALANCES'] : []),
      ...(flag !== null ? ['LEDGER_ENABLED'] : []),
    ];
    return { enabled: false, openingBalances: [], ignored };
  }
  return { enabled: flag === 'true' || openingBalances.length > 0, openingBalances, ignored: [] };
}

function intake(e: ParsedEnv): IntakeConfig {
  return {
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxXmlDepth: e.MAX_XML_DEPTH,
    maxTransactionsPerMessage: e.MAX_TRANSACTIONS_PER_MESSAGE,
    schemaDir: resolve(e.SCHEMA_DIR),
  };
}

/** The merchant directory file (JSON or YAML), checked: a ConfigError names the file and the entry at fault. */
export function loadMerchantDirectory(file: string): MerchantDirectory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`MERCHANT_DIRECTORY_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    // YAML 1.2 reads JSON too
    data = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`MERCHANT_DIRECTORY_FILE (${file}) is neither JSON nor YAML: ${(err as Error).message}`);
  }
  try {
    return MerchantDirectory.parse(data);
  } catch (err) {
    throw new ConfigError(`MERCHANT_DIRECTORY_FILE (${file}): ${(err as Error).message}`);
  }
}

function channels(e: ParsedEnv): ChannelsConfig {
  const file = e.MERCHANT_DIRECTORY_FILE === null ? null : resolve(e.MERCHANT_DIRECTORY_FILE);
  return {
    debtorAgentBic: e.CHANNEL_DEBTOR_AGENT_BIC,
    merchantDirectoryFile: file,
    merchants: file === null ? MerchantDirectory.EMPTY : loadMerchantDirectory(file),
  };
}

function compat(e: ParsedEnv): CompatConfig {
  return { regionId: region(e).id, repairNamespace: e.AWS_COMPAT_REPAIR_NAMESPACE };
}

/** The log format when LOG_FORMAT is not set: for a person at a terminal, or for a log collector. */
export function defaultLogFormat(isTTY: boolean | undefined): LoggingConfig['format'] {
  return isTTY ? 'pretty' : 'json';
}

function logging(e: ParsedEnv): LoggingConfig {
  return { level: e.LOG_LEVEL, format: e.LOG_FORMAT ?? defaultLogFormat(process.stdout.isTTY) };
}

/** `name=value,name2=value2` (OTEL_EXPORTER_OTLP_HEADERS), values percent-decoded; messages never repeat a value. */
export function parseOtlpHeaders(raw: string | null): Record<string, string> {
  const headers: Record<string, string> = {};
  if (raw === null) return headers;
  for (const pair of raw.split(',')) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim().toLowerCase();
    try {
      headers[name] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      throw new ConfigError(`OTEL_EXPORTER_OTLP_HEADERS: the value of "${name}" is not valid percent-encoding`);
    }
  }
  return headers;
}

function tracing(e: ParsedEnv): TracingConfig {
  return {
    endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT ? e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '') : null,
    serviceName: e.OTEL_SERVICE_NAME!,
    headers: parseOtlpHeaders(e.OTEL_EXPORTER_OTLP_HEADERS),
    scheduleDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
  };
}

function routing(e: ParsedEnv): RoutingConfig {
  if (!e.ROUTING_FILE) return { file: null, table: null };
  if (e.MODE !== 'proxy') throw new ConfigError('ROUTING_FILE is for MODE=proxy (core mode settles every payment itself)');
  try {
    return { file: e.ROUTING_FILE, table: loadRoutingFile(e.ROUTING_FILE) };
  } catch (err) {
    if (err instanceof RoutingFileError) throw new ConfigError(`ROUTING_FILE: ${err.message}`);
    throw new ConfigError(`ROUTING_FILE ${e.ROUTING_FILE}: ${(err as Error).message}`);
  }
}

function region(e: ParsedEnv): RegionConfig {
  const id = e.REGION_ID ?? e.AWS_REGION ?? 'local';
  const peers = [...new Set(e.PEER_REGIONS)];
  if (peers.includes(id)) throw new ConfigError(`PEER_REGIONS names this region (${id}): list the other regions only`);
  if (peers.length > 0 && e.STORE !== 'dynamodb') {
    throw new ConfigError('PEER_REGIONS needs STORE=dynamodb: the regions share (or replicate) one DynamoDB table (docs/multi-region.md)');
  }
  if (e.CONSISTENCY === 'eventual') {
    if (peers.length === 0) {
      throw new ConfigError('CONSISTENCY=eventual needs PEER_REGIONS: it is the mode of regions replicating one table to each other');
    }
    if (ledger(e).enabled) {
      // account balances are read-modify-write: last writer wins between replicas would lose postings
      throw new ConfigError(
        'CONSISTENCY=eventual cannot keep the core-mode ledger (LEDGER_ENABLED): its balances need writes that hold across regions; use CONSISTENCY=strong',
      );
    }
  }
  const peerEndpoints: Record<string, string> = {};
  for (const entry of e.PEER_DYNAMODB_ENDPOINTS) {
    const at = entry.indexOf('=');
    const peer = entry.slice(0, at);
    if (!peers.includes(peer)) throw new ConfigError(`PEER_DYNAMODB_ENDPOINTS names ${peer}, which is not in PEER_REGIONS`);
    peerEndpoints[peer] = entry.slice(at + 1);
  }
  if (e.REGION_LEASE_SECONDS < 3 * e.REGION_HEARTBEAT_SECONDS) {
    throw new ConfigError(
      `REGION_LEASE_SECONDS (${e.REGION_LEASE_SECONDS}) must be at least three heartbeats (REGION_HEARTBEAT_SECONDS ${e.REGION_HEARTBEAT_SECONDS})`,
    );
  }
  return {
    id,
    peers,
    consistency: e.CONSISTENCY,
    heartbeatMs: e.REGION_HEARTBEAT_SECONDS * 1000,
    leaseMs: e.REGION_LEASE_SECONDS * 1000,
    peerEndpoints,
    globalTimeoutMs: e.CONSISTENCY_GLOBAL_TIMEOUT_SECONDS * 1000,
  };
}

/** The loader of each namespace, from the parsed environment. */
export const NAMESPACE_LOADERS: { [N in Namespace]: (e: ParsedEnv) => Configuration[N] } = {
  runtime,
  server,
  auth,
  clients,
  host,
  amqp,
  store,
  worker,
  admission,
  rules,
  ledger,
  intake,
  channels,
  compat,
  logging,
  tracing,
  routing,
  region,
};

/** One namespace from an environment (what each `registerAs` factory runs). */
export function loadNamespace<N extends Namespace>(ns: N, env: Env): Configuration[N] {
  return NAMESPACE_LOADERS[ns](parseEnv(env));
}

/** The owner of the payments arriving on the inbound queue (MQ_CLIENT_ID, or the demo client when it is the only one). */
export interface MqClient {
  id: string;
  /** Its scopes (from CLEARWAY_CLIENTS; empty for a client of an external identity provider). */
  scopes: string[];
}

/** Resolves the MQ client from the amqp, clients and auth namespaces; null without a broker. */
export function resolveMqClient(amqp: AmqpConfig, clients: ClientsConfig, auth: AuthConfig): MqClient | null {
  if (!amqp.enabled) return null;
  const id = amqp.clientId ?? (clients.demo ? DEMO_CLIENT.id : null);
  if (id === null) {
    throw new ConfigError('MQ_CLIENT_ID is required with an AMQP broker (the API client that owns payments from the inbound queue)');
  }
  const client = clients.clients.find((c) => c.id === id);
  if (!auth.jwksUrl && !client) throw new ConfigError(`MQ_CLIENT_ID "${id}" is not a client in CLEARWAY_CLIENTS`);
  return { id, scopes: client?.scopes ?? [] };
}

/**
 * The whole configuration, every namespace loaded from one parse, and the rules across namespaces checked.
 * Throws ConfigError naming the variable; main.ts prints it and exits with code 2.
 */
export function loadConfiguration(env: Env): Configuration {
  const e = parseEnv(env);
  const c = Object.fromEntries(
    (Object.keys(NAMESPACES) as Namespace[]).map((ns) => [ns, NAMESPACE_LOADERS[ns](e)]),
  ) as unknown as Configuration;
  resolveMqClient(c.amqp, c.clients, c.auth);
  return c;
}
