import { resolve } from 'node:path';
import { HoldPolicy } from '#application';
import { isLedgerAccountId, withinLedgerLimit, type LedgerAccountInput } from '#application';
import { Money } from '#domain';
import { BUILT_IN_RULE_IDS, parseAmountLimits, parseCountryList, type AmountLimits } from '#application';
import { CUSTOM_BUSINESS_RULES } from './custom-business-rules.js';
import { topologyFromEnv, type AmqpTopologyNames } from '#adapters/amqp';

export interface ClientConfig {
  id: string;
  /** The client secret itself; or, instead, */
  secret?: string;
  /** the name of the secret store entry that holds it (e.g. `clients/bank-a` under SECRETS_PREFIX). */
  secretName?: string;
  scopes: string[];
}

/**
 * Which adapter serves each port, and the AWS settings of those on AWS. Endpoints come from the SDK's
 * standard variables (`AWS_ENDPOINT_URL_<SERVICE>`, else the service's regional endpoint); credentials from
 * the SDK's default chain (environment, shared files, ECS task role, instance profile).
 */
export interface AdapterSelection {
  store: 'embedded' | 'dynamodb';
  queue: 'embedded' | 'sqs';
  secrets: 'file' | 'aws';
  archive: 'embedded' | 's3';
  aws: {
    /** `AWS_REGION` (or `AWS_DEFAULT_REGION`); required as soon as one adapter is on AWS. */
    region: string | null;
    endpoints: { dynamodb: string | null; sqs: string | null; s3: string | null; secretsManager: string | null };
    /** `DYNAMODB_TABLE` (STORE=dynamodb). */
    dynamodbTable: string | null;
    /** `SQS_QUEUE_URL`, or `SQS_QUEUE_NAME` looked up at start (QUEUE=sqs). */
    sqsQueue: string | null;
    /** `SQS_DLQ_URL`, or `SQS_DLQ_NAME` looked up at start (QUEUE=sqs). */
    sqsDeadLetterQueue: string | null;
    /** `SQS_WAIT_SECONDS`: long polling of the workers' receive (0-20). */
    sqsWaitSeconds: number;
    /** `S3_BUCKET` (ARCHIVE=s3) and an optional `S3_PREFIX` for its keys. */
    s3Bucket: string | null;
    s3Prefix: string;
    /** `S3_FORCE_PATH_STYLE=true`: path-style URLs (`<endpoint>/<bucket>/<key>`), for emulators on a plain host:port. */
    s3ForcePathStyle: boolean;
    /** `SECRETS_PREFIX` (SECRETS=aws): secret names are `<prefix><name>`. */
    secretsPrefix: string;
    /** `SECRETS_CACHE_SECONDS` (SECRETS=aws): how long a read secret is cached before it is read again. */
    secretsCacheSeconds: number;
  };
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
    /** The scopes of MQ_CLIENT_ID (from CLEARWAY_CLIENTS), resolved at start: messages that are decisions need payments:operate. */
    clientScopes?: string[];
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
  businessRules: {
    amountLimits: AmountLimits | null;
    creditorCountryAllow: string[] | null;
    creditorCountryDeny: string[];
    /** BUSINESS_RULES_ORDER: rule ids to run first, in this order. */
    order: string[];
  };
  /** SCREENING_URL set: the screening rule calls it; null: no screening rule. */
  screening: {
    url: string;
    timeoutMs: number;
    failure: 'open' | 'closed';
    /** SCREENING_AUTH_HEADER: the `Authorization` value sent to the service (a secret: never logged). */
    authHeader: string | null;
  } | null;
  workerConcurrency: number;
  jobVisibilityMs: number;
  jobMaxAttempts: number;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  adapters: AdapterSelection;
  /**
   * The core-mode ledger: on in MODE=core when LEDGER_OPENING_BALANCES is set or LEDGER_ENABLED=true.
   * `ignored` names the LEDGER_* settings given in proxy mode, where there is no ledger (main logs it).
   */
  ledger: { enabled: boolean; openingBalances: LedgerAccountInput[]; ignored: string[] };
  clients: ClientConfig[];
  auth: {
    /** AUTH_ISSUER: `iss` of built-in tokens (default `clearway`); with AUTH_JWKS_URL, the IdP's issuer (required). */
    issuer: string;
    audience: string;
    /** TOKEN_TTL_SECONDS: lifetime of built-in tokens (default 900). */
    tokenTtlSeconds: number;
    /** External identity provider: verify tokens by its JWKS instead of the built-in keys. */
    jwksUrl: string | null;
    /** The JWS algorithms accepted: ES256 for the built-in issuer; AUTH_ALGORITHMS (default RS256) with AUTH_JWKS_URL. */
    algorithms: string[];
  };
  /** MAX_TRANSACTIONS_PER_MESSAGE: most transactions one pain.001 (any multi-transaction message) may carry. */
  maxTransactionsPerMessage: number;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  /** `region_id` in the AWS-guidance compatibility answers: REGION_ID, else AWS_REGION, else `local`. */
  regionId: string;
  /** HOLD_AMOUNT_ABOVE: every payment above this decimal amount waits in PDNG for a consumer decision. */
  holdAmountAbove: string | null;
  /** HOLD_RULES: a JSON array of richer hold rules (see docs/decisions.md). */
  holdRules: string | null;
  /** LEGACY_HOST_AUTH_SECRET: name of the secret-store entry holding the Authorization header for the HTTP host. */
  legacyHostAuthSecret: string | null;
  /** The HTTP edge (issue 10, points 6-8): timeouts, caps, throttling, TLS, API docs. See loadEdgeConfig. */
  edge: EdgeConfig;
  // --- issue 10, clients that no one here wrote (AWS guidance compatibility) ---
  /** AWS_COMPAT_REPAIR_NAMESPACE: on the AWS-compatible /inbox only, put a Document/AppHdr in no namespace into the namespace its AppHdr's MsgDefIdr names, then validate strictly (default false: RJCT FF01). */
  awsCompatRepairNamespace: boolean;
}

// ---- The HTTP edge (issue 10 points 6-8): every setting of this block is read by loadEdgeConfig only. ----

/** TLS material as file paths (read at start, and again on SIGHUP for the listener). */
export interface TlsFiles {
  caFile: string | null;
  certFile: string | null;
  keyFile: string | null;
}

export interface EdgeConfig {
  /** TRUSTED_PROXIES: IPs/CIDRs whose X-Forwarded-* headers are believed (empty: none). */
  trustedProxies: string[];
  /** REQUEST_TIMEOUT_MS: the whole request, body included (Node answers 408 and closes). */
  requestTimeoutMs: number;
  /** HEADERS_TIMEOUT_MS: the request line and headers. */
  headersTimeoutMs: number;
  /** CONNECTION_IDLE_TIMEOUT_MS: a socket with no traffic is closed. */
  connectionIdleTimeoutMs: number;
  /** KEEP_ALIVE_TIMEOUT_MS: how long an idle keep-alive connection waits for its next request. */
  keepAliveTimeoutMs: number;
  /** MAX_CONNECTIONS_PER_SOURCE: open connections per client address (trusted proxies exempt). */
  maxConnectionsPerSource: number;
  /** AUTH_THROTTLE_FAILURES: failed token requests per client id or per source before backoff starts. */
  authThrottleFailures: number;
  /** AUTH_THROTTLE_WINDOW_SECONDS: failures older than this (after the last lock) are forgotten. */
  authThrottleWindowSeconds: number;
  /** AUTH_THROTTLE_MAX_SECONDS: the cap of the exponential backoff. */
  authThrottleMaxSeconds: number;
  /** TLS_CERT_FILE and TLS_KEY_FILE (both or neither): serve HTTPS; reloaded on SIGHUP. */
  tls: { certFile: string; keyFile: string } | null;
  /** API_DOCS: /docs for anyone, behind a bearer token, or not served (default off when NODE_ENV=production). */
  apiDocs: 'public' | 'auth' | 'off';
  /** HOST_TLS_CA_FILE, HOST_TLS_CERT_FILE, HOST_TLS_KEY_FILE: TLS towards the legacy HTTP host. */
  hostTls: TlsFiles | null;
  /** AMQP_TLS_CA_FILE, AMQP_TLS_CERT_FILE, AMQP_TLS_KEY_FILE: TLS towards the broker (amqps://). */
  amqpTls: TlsFiles | null;
}

/** One address (v4 or v6) or a CIDR block; what TRUSTED_PROXIES takes. */
const PROXY_ENTRY = /^(?:[0-9.]+|[0-9A-Fa-f:.]+)(?:\/\d{1,3})?$/;

function tlsFiles(env: Env, prefix: string): TlsFiles | null {
  const files = {
    caFile: text(env, `${prefix}_CA_FILE`),
    certFile: text(env, `${prefix}_CERT_FILE`),
    keyFile: text(env, `${prefix}_KEY_FILE`),
  };
  if ((files.certFile === null) !== (files.keyFile === null)) {
    throw new ConfigError(`${prefix}_CERT_FILE and ${prefix}_KEY_FILE go together (a client certificate and its key)`);
  }
  return files.caFile || files.certFile ? files : null;
}

/** Reads the HTTP edge settings (names in README, "The HTTP edge"). */
export function loadEdgeConfig(env: Env = process.env): EdgeConfig {
  const trustedProxies = (env.TRUSTED_PROXIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const entry of trustedProxies) {
    if (!PROXY_ENTRY.test(entry)) throw new ConfigError(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR block`);
  }
  const certFile = text(env, 'TLS_CERT_FILE');
  const keyFile = text(env, 'TLS_KEY_FILE');
  if ((certFile === null) !== (keyFile === null)) throw new ConfigError('TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither');
  const headersTimeoutMs = int(env, 'HEADERS_TIMEOUT_MS', 10_000, 1);
  const requestTimeoutMs = int(env, 'REQUEST_TIMEOUT_MS', 30_000, 1);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not be more than REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  const amqpTls = tlsFiles(env, 'AMQP_TLS');
  if (amqpTls && env.AMQP_URL && !/^amqps:\/\//.test(env.AMQP_URL.trim())) {
    throw new ConfigError('AMQP_TLS_* are set but AMQP_URL is not an amqps:// URL');
  }
  const hostTls = tlsFiles(env, 'HOST_TLS');
  if (hostTls && env.LEGACY_HOST_URL && !/^https:\/\//.test(env.LEGACY_HOST_URL.trim())) {
    throw new ConfigError('HOST_TLS_* are set but LEGACY_HOST_URL is not an https:// URL');
  }
  return {
    trustedProxies,
    requestTimeoutMs,
    headersTimeoutMs,
    connectionIdleTimeoutMs: int(env, 'CONNECTION_IDLE_TIMEOUT_MS', 60_000, 1),
    keepAliveTimeoutMs: int(env, 'KEEP_ALIVE_TIMEOUT_MS', 5_000, 1),
    maxConnectionsPerSource: int(env, 'MAX_CONNECTIONS_PER_SOURCE', 64, 1),
    authThrottleFailures: int(env, 'AUTH_THROTTLE_FAILURES', 5, 1),
    authThrottleWindowSeconds: int(env, 'AUTH_THROTTLE_WINDOW_SECONDS', 60, 1),
    authThrottleMaxSeconds: int(env, 'AUTH_THROTTLE_MAX_SECONDS', 900, 1),
    tls: certFile && keyFile ? { certFile, keyFile } : null,
    apiDocs: oneOf(env, 'API_DOCS', ['public', 'auth', 'off'] as const, env.NODE_ENV === 'production' ? 'off' : 'public'),
    hostTls,
    amqpTls,
  };
}

// ---- end of the HTTP edge block ----

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
    throw new ConfigError('CLEARWAY_CLIENTS must be a JSON array of {id, secret | secretName, scopes}');
  }
  if (!Array.isArray(value)) throw new ConfigError('CLEARWAY_CLIENTS must be a JSON array of {id, secret | secretName, scopes}');
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
    return { id: o.id, ...(o.secret !== undefined ? { secret: o.secret } : { secretName: o.secretName! }), scopes };
  });
}

function text(env: Env, name: string): string | null {
  return env[name]?.trim() || null;
}

function url(env: Env, name: string): string | null {
  const value = text(env, name);
  if (value !== null && !/^https?:\/\/[^\s]+$/.test(value)) throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`);
  return value;
}

/** Reads STORE/QUEUE/SECRETS/ARCHIVE and the AWS settings they need; names the first missing one. */
export function loadAdapterSelection(env: Env = process.env): AdapterSelection {
  const store = oneOf(env, 'STORE', ['embedded', 'dynamodb'] as const, 'embedded');
  const queue = oneOf(env, 'QUEUE', ['embedded', 'sqs'] as const, 'embedded');
  const secrets = oneOf(env, 'SECRETS', ['file', 'aws'] as const, 'file');
  const archive = oneOf(env, 'ARCHIVE', ['embedded', 's3'] as const, 'embedded');
  if (store === 'embedded' && queue === 'sqs') {
    throw new ConfigError(
      'QUEUE=sqs needs STORE=dynamodb: the embedded store commits the jobs that follow a state change to its own SQLite queue',
    );
  }
  const sqsQueue = url(env, 'SQS_QUEUE_URL') ?? text(env, 'SQS_QUEUE_NAME');
  const sqsDeadLetterQueue = url(env, 'SQS_DLQ_URL') ?? text(env, 'SQS_DLQ_NAME');
  const aws: AdapterSelection['aws'] = {
    region: text(env, 'AWS_REGION') ?? text(env, 'AWS_DEFAULT_REGION'),
    endpoints: {
      dynamodb: url(env, 'AWS_ENDPOINT_URL_DYNAMODB') ?? url(env, 'AWS_ENDPOINT_URL'),
      sqs: url(env, 'AWS_ENDPOINT_URL_SQS') ?? url(env, 'AWS_ENDPOINT_URL'),
      s3: url(env, 'AWS_ENDPOINT_URL_S3') ?? url(env, 'AWS_ENDPOINT_URL'),
      secretsManager: url(env, 'AWS_ENDPOINT_URL_SECRETS_MANAGER') ?? url(env, 'AWS_ENDPOINT_URL'),
    },
    dynamodbTable: text(env, 'DYNAMODB_TABLE'),
    sqsQueue,
    sqsDeadLetterQueue,
    sqsWaitSeconds: int(env, 'SQS_WAIT_SECONDS', 1, 0),
    s3Bucket: text(env, 'S3_BUCKET'),
    s3Prefix: text(env, 'S3_PREFIX') ?? '',
    s3ForcePathStyle: oneOf(env, 'S3_FORCE_PATH_STYLE', ['true', 'false'] as const, 'false') === 'true',
    secretsPrefix: text(env, 'SECRETS_PREFIX') ?? 'clearway/',
    secretsCacheSeconds: int(env, 'SECRETS_CACHE_SECONDS', 300, 0),
  };
  if (aws.sqsWaitSeconds > 20) throw new ConfigError(`SQS_WAIT_SECONDS must be an integer from 0 to 20, got "${env.SQS_WAIT_SECONDS}"`);
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
  return { store, queue, secrets, archive, aws };
}

const OPENING_BALANCE = /^\s*(\d{1,18}(?:\.\d{1,18})?)\s+([A-Z]{3})\s*$/;

/** `{"DE89…":"1000.00 EUR", …}`: account id -> "<amount> <currency>", amounts checked as Money (no floats). */
export function parseOpeningBalances(raw: string | undefined): LedgerAccountInput[] {
  if (raw === undefined || raw.trim() === '') return [];
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
    } catch (e) {
      throw new ConfigError(`LEDGER_OPENING_BALANCES["${id}"]: ${(e as Error).message}`);
    }
    if (!withinLedgerLimit(minor)) {
      throw new ConfigError(
        `LEDGER_OPENING_BALANCES["${id}"]: ${balance} ${currency} is more than the ledger keeps (2^63-1 minor units, LEDGER.AMOUNT_TOO_LARGE)`,
      );
    }
    return { id, balance, currency };
  });
}

function ledgerConfig(env: Env, mode: 'proxy' | 'core'): GatewayConfig['ledger'] {
  const openingBalances = parseOpeningBalances(env.LEDGER_OPENING_BALANCES);
  const flag = env.LEDGER_ENABLED?.trim() ?? '';
  if (!['', 'true', 'false'].includes(flag)) throw new ConfigError(`LEDGER_ENABLED must be true or false, got "${flag}"`);
  if (flag === 'false' && openingBalances.length > 0) {
    throw new ConfigError('LEDGER_ENABLED=false contradicts LEDGER_OPENING_BALANCES: unset one of them');
  }
  const asked = flag === 'true' || openingBalances.length > 0;
  if (mode !== 'core') {
    const ignored = ['LEDGER_OPENING_BALANCES', 'LEDGER_ENABLED'].filter((n) => (env[n]?.trim() ?? '') !== '');
    return { enabled: false, openingBalances: [], ignored };
  }
  return { enabled: asked, openingBalances, ignored: [] };
}

function parsed<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new ConfigError(`${name}: ${(e as Error).message}`);
  }
}

function businessRules(env: Env): GatewayConfig['businessRules'] {
  const amountLimits = parsed('MAX_AMOUNT', () => parseAmountLimits(env.MAX_AMOUNT));
  const creditorCountryAllow = parsed('CREDITOR_COUNTRY_ALLOW', () => parseCountryList(env.CREDITOR_COUNTRY_ALLOW));
  const creditorCountryDeny = parsed('CREDITOR_COUNTRY_DENY', () => parseCountryList(env.CREDITOR_COUNTRY_DENY)) ?? [];
  const known: string[] = [...BUILT_IN_RULE_IDS, ...CUSTOM_BUSINESS_RULES.map((r) => r.id)];
  const order = (env.BUSINESS_RULES_ORDER ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  for (const id of order) {
    if (!known.includes(id)) throw new ConfigError(`BUSINESS_RULES_ORDER: "${id}" is not a business rule (rules: ${known.join(', ')})`);
  }
  return { amountLimits, creditorCountryAllow, creditorCountryDeny, order };
}

function screening(env: Env): GatewayConfig['screening'] {
  const url = env.SCREENING_URL?.trim() || null;
  if (url === null) return null;
  const parsedUrl = URL.canParse(url) ? new URL(url) : null;
  if (!parsedUrl || !/^https?:$/.test(parsedUrl.protocol)) throw new ConfigError('SCREENING_URL must be an http(s) URL');
  if (parsedUrl.username || parsedUrl.password) {
    throw new ConfigError('SCREENING_URL must not carry credentials; put them in SCREENING_AUTH_HEADER');
  }
  return {
    url,
    timeoutMs: int(env, 'SCREENING_TIMEOUT_MS', 2000, 1),
    failure: oneOf(env, 'SCREENING_FAILURE', ['open', 'closed'] as const, 'closed'),
    authHeader: env.SCREENING_AUTH_HEADER?.trim() || null,
  };
}

// ---- issue 10 (auth): tokens and keys, the host URL's credentials, transactions per message ----------------

/** The built-in issuer signs with this algorithm only. */
export const BUILT_IN_ALGORITHM = 'ES256';
/** What AUTH_ALGORITHMS may name: asymmetric JWS algorithms only (never `none`, never HS*). */
export const EXTERNAL_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
/** AUTH_ISSUER's default: one constant, so instances on different ports accept each other's tokens. */
export const DEFAULT_ISSUER = 'clearway';

/** AUTH_ISSUER, AUTH_AUDIENCE, TOKEN_TTL_SECONDS, AUTH_JWKS_URL and AUTH_ALGORITHMS. */
function authConfig(env: Env): GatewayConfig['auth'] {
  const jwksUrl = url(env, 'AUTH_JWKS_URL');
  const issuer = text(env, 'AUTH_ISSUER');
  if (jwksUrl && !issuer) {
    throw new ConfigError("AUTH_ISSUER is required when AUTH_JWKS_URL is set: the issuer (`iss`) of the identity provider's tokens");
  }
  const listed = (text(env, 'AUTH_ALGORITHMS') ?? 'RS256')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  for (const alg of listed) {
    if (!(EXTERNAL_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new ConfigError(
        `AUTH_ALGORITHMS: "${alg}" is not accepted (one or more of ${EXTERNAL_ALGORITHMS.join(', ')}; never none or HS*)`,
      );
    }
  }
  if (!jwksUrl && text(env, 'AUTH_ALGORITHMS')) {
    throw new ConfigError(
      `AUTH_ALGORITHMS is for an external identity provider (AUTH_JWKS_URL); the built-in issuer uses ${BUILT_IN_ALGORITHM}`,
    );
  }
  return {
    issuer: issuer ?? DEFAULT_ISSUER,
    audience: text(env, 'AUTH_AUDIENCE') ?? 'clearway',
    tokenTtlSeconds: int(env, 'TOKEN_TTL_SECONDS', 900, 60),
    jwksUrl,
    algorithms: jwksUrl ? listed : [BUILT_IN_ALGORITHM],
  };
}

/** LEGACY_HOST_URL: an http(s) URL without credentials (they belong in LEGACY_HOST_AUTH_SECRET; never echoed). */
function legacyHostUrlConfig(env: Env): string | null {
  const legacyHostUrl = text(env, 'LEGACY_HOST_URL');
  if (legacyHostUrl === null) return null;
  const parsedUrl = URL.canParse(legacyHostUrl) ? new URL(legacyHostUrl) : null;
  if (!parsedUrl || !/^https?:$/.test(parsedUrl.protocol)) {
    // the value is not echoed: it may hold a password in a form URL cannot parse
    throw new ConfigError('LEGACY_HOST_URL must be an http(s) URL');
  }
  if (parsedUrl.username || parsedUrl.password) {
    throw new ConfigError(
      'LEGACY_HOST_URL must not carry credentials (user:password@); put the Authorization header value in the secret store and name it in LEGACY_HOST_AUTH_SECRET',
    );
  }
  return legacyHostUrl;
}

// ---- end of issue 10 (auth) -------------------------------------------------------------------------------

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const rules = businessRules(env);
  const legacyHostUrl = legacyHostUrlConfig(env);
  const port = int(env, 'PORT', 8080, 0);
  try {
    HoldPolicy.fromConfig({ amountAbove: env.HOLD_AMOUNT_ABOVE?.trim() || null, rulesJson: env.HOLD_RULES?.trim() || null });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const mode = oneOf(env, 'MODE', ['proxy', 'core'] as const, 'proxy');
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
    mode,
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
    businessRules: rules,
    screening: screening(env),
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 16, 1),
    jobVisibilityMs: int(env, 'JOB_VISIBILITY_MS', 30000, 1000),
    jobMaxAttempts: int(env, 'JOB_MAX_ATTEMPTS', 8, 1),
    sqliteSynchronous: oneOf(env, 'SQLITE_SYNCHRONOUS', ['FULL', 'NORMAL'] as const, 'FULL'),
    adapters: loadAdapterSelection(env),
    ledger: ledgerConfig(env, mode),
    clients: parseClients(env.CLEARWAY_CLIENTS),
    auth: authConfig(env),
    maxTransactionsPerMessage: int(env, 'MAX_TRANSACTIONS_PER_MESSAGE', 250, 1),
    logLevel: oneOf(env, 'LOG_LEVEL', ['error', 'warn', 'log', 'debug'] as const, 'log'),
    regionId: env.REGION_ID || env.AWS_REGION || 'local',
    holdAmountAbove: env.HOLD_AMOUNT_ABOVE?.trim() || null,
    holdRules: env.HOLD_RULES?.trim() || null,
    legacyHostAuthSecret: env.LEGACY_HOST_AUTH_SECRET?.trim() || null,
    edge: loadEdgeConfig(env),
    // --- issue 10, clients that no one here wrote (AWS guidance compatibility) ---
    awsCompatRepairNamespace: oneOf(env, 'AWS_COMPAT_REPAIR_NAMESPACE', ['true', 'false'] as const, 'false') === 'true',
  };
}
