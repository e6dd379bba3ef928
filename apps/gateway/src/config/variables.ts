// SPDX-License-Identifier: Apache-2.0
/**
 * Every environment variable the gateway reads: its namespace, its syntax (a zod schema on the raw string,
 * with the default), and its documentation. This is the one schema the configuration is validated with
 * (configuration.ts) and that the README table and deploy/systemd/gateway.env.example are generated from
 * (scripts/config-docs.ts, `npm run config:docs`); see docs/adr/0010-configuration.md.
 *
 * It imports nothing but zod, so the docs script runs it directly with Node's type stripping (no build).
 * Rules that need the domain (amounts, currencies, rule ids, hold rules) and rules across variables are
 * checked by the namespace loaders in configuration.ts.
 */
import { z } from 'zod';

/** The configuration namespaces (`registerAs` keys), in the order the docs list them. */
export const NAMESPACES = {
  runtime: 'what this process is: its role, the mode, production or not',
  server: 'the HTTP edge: listener, TLS, timeouts, proxies, connection caps, API docs',
  auth: 'tokens: the built-in issuer, an external identity provider, throttling of the token endpoint',
  clients: 'the API clients allowed to obtain tokens',
  host: 'the legacy host in proxy mode: transport, address, credentials, TLS, the bundled simulator',
  amqp: 'RabbitMQ: the broker, its TLS, the queue names and the MQ front door',
  store: 'where state lives: the embedded SQLite adapters or the AWS adapters, and their settings',
  worker: 'the pipeline workers and sweepers: concurrency, visibility, attempts, SLA, recovery',
  admission: 'admission control: when the inbox and the MQ front door stop taking payments, and per-client quotas',
  rules: 'business rules, holds and sanctions screening',
  ledger: 'the core-mode ledger',
  intake: 'limits on what is accepted: body size, XML depth, transactions per message, the schemas',
  channels: 'the payment channels beyond ISO 20022 XML: the JSON payment API and EMVCo QR payments (merchant directory)',
  compat: 'the AWS ISO 20022 guidance compatibility answers',
  logging: 'log output',
  tracing: 'OpenTelemetry traces: off unless an OTLP endpoint is set',
  routing: 'downstream connectors and the rules that choose among them (docs/routing.md)',
  region: 'regions: this one, its peers, the consistency mode, heartbeats and takeover (docs/multi-region.md)',
} as const;

export type Namespace = keyof typeof NAMESPACES;

/** Documentation of one variable (rendered into the README and the systemd example). */
export interface VariableDoc {
  ns: Namespace;
  /** One paragraph, Markdown (backticks are dropped in the env example). */
  doc: string;
  /**
   * The default as shown to the operator; omitted: "(none)". In parentheses: prose about a default worked out
   * from other settings (the loader applies it), never a value.
   */
  default?: string;
  /** A value shown commented out in the env example instead of the default. */
  example?: string;
  /** A value set (not commented out) in the systemd env example. */
  deploy?: string;
}

type Raw = string | undefined;
/** The default value of a variable, unless its documented default is prose. */
const fallbackOf = (doc: VariableDoc): string | null => (doc.default === undefined || doc.default.startsWith('(') ? null : doc.default);
const isBlank = (raw: Raw): raw is undefined => raw === undefined || raw.trim() === '';
const problem = (ctx: z.RefinementCtx, message: string): never => {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
};

/** A variable: a function of its name (so messages name it) to the zod schema of its raw value. */
interface Spec<T extends z.ZodType> {
  schema(name: string): T;
  doc: VariableDoc;
}

/**
 * The one shape of every builder below: unset or blank gives `blank()`; anything else is read by `read` from its
 * trimmed value (`raw` as given, for messages), which reports a problem with `problem(ctx, ...)`.
 */
function variable<T>(
  doc: VariableDoc,
  blank: () => T,
  read: (value: string, name: string, ctx: z.RefinementCtx, raw: string) => T,
): Spec<z.ZodType<T, Raw>> {
  return {
    doc,
    schema: (name) =>
      z
        .string()
        .optional()
        .transform((raw, ctx): T => (isBlank(raw) ? blank() : read(raw.trim(), name, ctx, raw))),
  };
}

function int(doc: VariableDoc & { default: string }, min: number, max?: number): Spec<z.ZodType<number, Raw>> {
  const fallback = Number(doc.default);
  return variable(
    doc,
    () => fallback,
    (_value, name, ctx, raw) => {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
        return problem(
          ctx,
          max === undefined
            ? `${name} must be an integer >= ${min}, got "${raw}"`
            : `${name} must be an integer from ${min} to ${max}, got "${raw}"`,
        );
      }
      return n;
    },
  );
}

function oneOf<const T extends string>(allowed: readonly T[], doc: VariableDoc & { default: NoInfer<T> }): Spec<z.ZodType<T, Raw>>;
function oneOf<const T extends string>(allowed: readonly T[], doc: VariableDoc): Spec<z.ZodType<T | null, Raw>>;
function oneOf<const T extends string>(allowed: readonly T[], doc: VariableDoc): Spec<z.ZodType<T | null, Raw>> {
  const fallback = fallbackOf(doc) as T | null;
  return variable(
    doc,
    () => fallback,
    (value, name, ctx, raw): T => {
      if (!allowed.includes(value as T)) {
        const expected = allowed.length === 2 && allowed.includes('true' as T) ? 'true or false' : `one of ${allowed.join(', ')}`;
        return problem(ctx, `${name} must be ${expected}, got "${raw}"`);
      }
      return value as T;
    },
  );
}

function bool(doc: VariableDoc & { default: 'true' | 'false' }): Spec<z.ZodType<boolean, Raw>> {
  return variable(
    doc,
    () => doc.default === 'true',
    (value, name, ctx, raw) => {
      if (value !== 'true' && value !== 'false') return problem(ctx, `${name} must be true or false, got "${raw}"`);
      return value === 'true';
    },
  );
}

/** Free text, trimmed; blank: `fallback` (shown as the default unless the doc says otherwise) or null. */
function text(doc: VariableDoc, fallback: string): Spec<z.ZodType<string, Raw>>;
function text(doc: VariableDoc): Spec<z.ZodType<string | null, Raw>>;
function text(doc: VariableDoc, fallback: string | null = null): Spec<z.ZodType<string | null, Raw>> {
  return variable<string | null>(
    fallback !== null && doc.default === undefined ? { ...doc, default: fallback } : doc,
    () => fallback,
    (value) => value,
  );
}

/** Text matching a pattern; the message says what is allowed (it never repeats the value when it may be a secret). */
function matching(pattern: RegExp, what: string, doc: VariableDoc, echo = true): Spec<z.ZodType<string | null, Raw>> {
  return variable<string | null>(
    doc,
    () => fallbackOf(doc),
    (value, name, ctx) => (pattern.test(value) ? value : problem(ctx, `${name} must be ${what}${echo ? `, got "${value}"` : ''}`)),
  );
}

/** An http(s) URL; with `noCredentials`, one with `user:password@` is refused without repeating it. */
function httpUrl(doc: VariableDoc, options: { noCredentials?: string; echo?: boolean } = {}): Spec<z.ZodType<string | null, Raw>> {
  return variable<string | null>(
    doc,
    () => null,
    (value, name, ctx) => {
      const url = URL.canParse(value) ? new URL(value) : null;
      const hasCredentials = url !== null && (url.username !== '' || url.password !== '');
      if (!/^https?:\/\/[^\s]+$/.test(value) || url === null) {
        // a value that may hold a password is not repeated
        return problem(ctx, `${name} must be an http(s) URL${options.echo === false || hasCredentials ? '' : `, got "${value}"`}`);
      }
      if (options.noCredentials && hasCredentials) return problem(ctx, `${name} must not carry credentials ${options.noCredentials}`);
      return value;
    },
  );
}

/** A comma-separated list; each entry checked by `check` (a message, or null when fine). */
function list(doc: VariableDoc, check: (entry: string) => string | null, fallback: readonly string[] = []): Spec<z.ZodType<string[], Raw>> {
  return variable(
    doc,
    () => [...fallback],
    (value, name, ctx) => {
      const entries = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      for (const entry of entries) {
        const message = check(entry);
        if (message) return problem(ctx, `${name}: "${entry}" ${message}`);
      }
      return entries;
    },
  );
}

const QUEUE_NAME = /^[A-Za-z0-9._:-]{1,200}$/;
const queueName = (ns: Namespace, fallback: string, doc: string) =>
  matching(QUEUE_NAME, '1-200 characters of A-Z a-z 0-9 . _ : -', { ns, doc, default: fallback });
const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const REGION = /^[a-z0-9-]{1,32}$/;
const ipOrCidr = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);

/** The built-in issuer signs with this algorithm only. */
export const BUILT_IN_ALGORITHM = 'ES256';
/** What AUTH_ALGORITHMS may name: asymmetric JWS algorithms only (never `none`, never HS*). */
export const EXTERNAL_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;

/** The variables, by name. Order within a namespace is the order of the docs. */
const SPECS = {
  // ---- runtime ----------------------------------------------------------------------------------------
  NODE_ENV: text({
    ns: 'runtime',
    doc: '`production`: `CLEARWAY_CLIENTS` is required and the demo client never enabled, `LEGACY_HOST_URL` is required in proxy mode (no simulator), the API docs are off unless `API_DOCS` says otherwise',
    deploy: 'production',
  }),
  ROLE: oneOf(['all', 'api', 'worker'], {
    ns: 'runtime',
    doc: '`api` (HTTP only), `worker` (pipeline and sweepers, plus health) or `all` (API and pipeline workers in one process)',
    default: 'all',
  }),
  MODE: oneOf(['proxy', 'core'], {
    ns: 'runtime',
    doc: '`proxy`: release payments to the legacy host; `core`: settle them in the gateway itself (against the ledger when it is on)',
    default: 'proxy',
  }),
  GIT_REVISION: text(
    {
      ns: 'runtime',
      doc: 'the source revision this build came from (e.g. a git commit), shown as the `revision` label of `clearway_build_info` in GET /metrics',
      default: 'unknown',
      example: '7fbc180',
    },
    'unknown',
  ),

  // ---- server -----------------------------------------------------------------------------------------
  PORT: int({ ns: 'server', doc: 'TCP port of the HTTP API, health and docs', default: '8080' }, 0, 65535),
  HOST: text(
    {
      ns: 'server',
      doc: 'address to listen on; `127.0.0.1` behind a local reverse proxy',
    },
    '0.0.0.0',
  ),
  METRICS_PORT: variable<number | null>(
    {
      ns: 'server',
      doc: 'when set: Prometheus text at `http://<HOST>:<METRICS_PORT>/metrics` WITHOUT authentication, on a small listener of its own in the same process (bound to `HOST` like the API; never expose it publicly). Unset: `GET /metrics` on the API port, behind a bearer token with the `metrics:read` scope',
      example: '9464',
    },
    () => null,
    (_value, name, ctx, raw) => {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1 || n > 65535) return problem(ctx, `${name} must be an integer from 1 to 65535, got "${raw}"`);
      return n;
    },
  ),
  TRUSTED_PROXIES: list(
    {
      ns: 'server',
      doc: 'comma-separated IPs/CIDRs (e.g. `10.0.0.0/8,fd00::/8`) of the load balancers in front: only their `X-Forwarded-For/-Host/-Proto` are believed (client address for throttling and logs, `api_endpoint`, HSTS); from anyone else these headers are ignored. They are also exempt from `MAX_CONNECTIONS_PER_SOURCE`',
      example: '10.0.0.0/8,192.168.1.10',
    },
    (entry) => (ipOrCidr.safeParse(entry).success ? null : 'is not an IP address or CIDR range'),
  ),
  REQUEST_TIMEOUT_MS: int(
    { ns: 'server', doc: 'a request (body included) not received in this many ms: `408` and the connection is closed', default: '30000' },
    1,
  ),
  HEADERS_TIMEOUT_MS: int(
    {
      ns: 'server',
      doc: 'request headers not received in this many ms: `408` and the connection is closed; at most `REQUEST_TIMEOUT_MS`',
      default: '10000',
    },
    1,
  ),
  CONNECTION_IDLE_TIMEOUT_MS: int({ ns: 'server', doc: 'a connection without traffic for this many ms is closed', default: '60000' }, 1),
  KEEP_ALIVE_TIMEOUT_MS: int(
    {
      ns: 'server',
      doc: "how long an idle keep-alive connection waits for its next request, in ms (above a load balancer's idle timeout, 60 s on AWS ALB, so the balancer never reuses a connection the gateway is closing; slow clients are bounded by the request and header timeouts)",
      default: '65000',
    },
    1,
  ),
  MAX_CONNECTIONS_PER_SOURCE: int(
    {
      ns: 'server',
      doc: 'open connections per client address; one more is answered `503` with `Retry-After` and closed (over TLS: closed) before anything is read (trusted proxies exempt: cap at the proxy)',
      default: '256',
    },
    1,
  ),
  TLS_CERT_FILE: text({
    ns: 'server',
    doc: 'PEM certificate chain of the HTTPS listener; with `TLS_KEY_FILE` (both or neither) the gateway serves HTTPS (and sends HSTS); `kill -HUP <pid>` reloads both files without dropping the listener',
    example: '/etc/clearway/tls/cert.pem',
  }),
  TLS_KEY_FILE: text({
    ns: 'server',
    doc: 'PEM private key of the HTTPS listener (see `TLS_CERT_FILE`)',
    example: '/etc/clearway/tls/key.pem',
  }),
  API_DOCS: oneOf(['public', 'auth', 'off'], {
    ns: 'server',
    doc: '`/docs` (Swagger UI): `public`, `auth` (a bearer token of any client is needed) or `off` (not served)',
    default: '(`public`; `off` when `NODE_ENV=production`)',
  }),

  // ---- auth -------------------------------------------------------------------------------------------
  AUTH_ISSUER: text({
    ns: 'auth',
    doc: '`iss` of the tokens the gateway signs, and checked on every token: the same on every instance and port. With `AUTH_JWKS_URL`: the identity provider issuer, required and checked',
    default: '(`clearway`; required with `AUTH_JWKS_URL`)',
  }),
  AUTH_AUDIENCE: text(
    { ns: 'auth', doc: '`aud` put into and required in tokens; with `AUTH_JWKS_URL`, the audience of the identity provider' },
    'clearway',
  ),
  TOKEN_TTL_SECONDS: int({ ns: 'auth', doc: 'lifetime of the tokens the gateway issues, in seconds (>= 60)', default: '900' }, 60),
  AUTH_JWKS_URL: httpUrl({
    ns: 'auth',
    doc: 'external identity provider (Cognito, Keycloak, Entra): verify bearer tokens by its JWKS instead of the built-in keys; needs `AUTH_ISSUER`; set `AUTH_AUDIENCE` to its audience',
  }),
  AUTH_ALGORITHMS: list(
    {
      ns: 'auth',
      doc: `with \`AUTH_JWKS_URL\` only: comma-separated JWS algorithms accepted from the provider, of ${EXTERNAL_ALGORITHMS.join(', ')} (never \`none\` or \`HS*\`). Built-in tokens are ${BUILT_IN_ALGORITHM} only, \`typ: at+jwt\` (docs/security.md)`,
      default: 'RS256',
    },
    (entry) =>
      (EXTERNAL_ALGORITHMS as readonly string[]).includes(entry)
        ? null
        : `is not accepted (one or more of ${EXTERNAL_ALGORITHMS.join(', ')}; never none or HS*)`,
  ),
  AUTH_THROTTLE_FAILURES: int(
    {
      ns: 'auth',
      doc: 'failed token requests per client id and per source address before `POST /oauth2/token` answers `429` with `Retry-After` (2 s, doubling with each further failure up to `AUTH_THROTTLE_MAX_SECONDS`; docs/security.md)',
      default: '5',
    },
    1,
  ),
  AUTH_THROTTLE_WINDOW_SECONDS: int(
    { ns: 'auth', doc: 'a count of failures is forgotten this many seconds after its last failure or lock', default: '60' },
    1,
  ),
  AUTH_THROTTLE_MAX_SECONDS: int(
    { ns: 'auth', doc: 'longest backoff (`Retry-After`) of a throttled client id or source, in seconds', default: '900' },
    1,
  ),

  // ---- clients ----------------------------------------------------------------------------------------
  CLEARWAY_CLIENTS: text({
    ns: 'clients',
    doc: 'JSON array `[{"id":"bank-a","secret":"…","scopes":["payments:read","payments:write","payments:operate"]}]` (id: 1-64 of A-Z a-z 0-9 . _ -; secret: at least 12 characters); instead of `secret`, `"secretName":"clients/bank-a"` names its entry in the secret store (read at each token request through the store cache, so a rotation takes effect; missing at start: the start fails). Scopes: `payments:read`, `payments:write`, `payments:operate` (decisions), `ledger:admin`, `metrics:read` (GET /metrics), `operator` (the operator API /v1/operator across clients; give it to operators only). Optional `"consistency":"global"`: the client\'s default `X-Consistency` on `POST /v1/inbox` (docs/multi-region.md). Required when `NODE_ENV=production`; unset otherwise: the demo client `demo` / `demo-secret-not-for-production` with all six scopes',
    default: '(the demo client)',
    example: '\'[{"id":"acme-payments","secret":"REPLACE_ME","scopes":["payments:read","payments:write"]}]\'',
  }),

  // ---- host -------------------------------------------------------------------------------------------
  HOST_TRANSPORT: oneOf(['http', 'amqp'], {
    ns: 'host',
    doc: '`http`: the legacy host at `LEGACY_HOST_URL`; `amqp`: the host behind the request/reply queues on `AMQP_URL` (`LEGACY_HOST_URL` must be unset; the gateway starts no simulator then: run `npm run sim` with the same `HOST_TRANSPORT=amqp`)',
    default: 'http',
  }),
  LEGACY_HOST_URL: httpUrl(
    {
      ns: 'host',
      doc: 'base URL of the legacy host (`POST {url}/v1/payments`, `/v1/cancellations`, `/v1/returns`); unset in proxy mode (and `ROLE` not `api`): the bundled simulator on `SIM_PORT` is used, started when none answers there (it gets only the `SIM_*` variables, and ends with the gateway; refused when `NODE_ENV=production`). Credentials (`user:password@`) are refused at start: put the `Authorization` value in the secret store and name it in `LEGACY_HOST_AUTH_SECRET`',
      deploy: 'https://legacy-host.example.internal:8443',
    },
    {
      noCredentials: '(user:password@); put the Authorization header value in the secret store and name it in LEGACY_HOST_AUTH_SECRET',
      echo: false,
    },
  ),
  LEGACY_HOST_AUTH_SECRET: text({
    ns: 'host',
    doc: 'name of the secret-store entry whose value is sent as the `Authorization` header to the HTTP legacy host (read per call through the store cache, so a rotation takes effect; never logged)',
  }),
  HOST_TIMEOUT_MS: int(
    {
      ns: 'host',
      doc: 'timeout of one call to the host, in ms; over AMQP, how long a call waits for the reply before the payment parks in `PDNG` (a later reply is still applied)',
      default: '5000',
    },
    1,
  ),
  HOST_ATTEMPTS: int(
    {
      ns: 'host',
      doc: 'HTTP attempts per delivery (same `Idempotency-Key`, the UETR) before the delivery fails and its job is retried later through the work queue',
      default: '3',
    },
    1,
  ),
  HOST_TLS_CA_FILE: text({
    ns: 'host',
    doc: 'TLS towards an `https://` `LEGACY_HOST_URL`: PEM CA certificate(s) to trust instead of the system ones',
  }),
  HOST_TLS_CERT_FILE: text({
    ns: 'host',
    doc: 'PEM client certificate for mutual TLS with the legacy host (with `HOST_TLS_KEY_FILE`: both or neither)',
  }),
  HOST_TLS_KEY_FILE: text({ ns: 'host', doc: 'PEM private key of `HOST_TLS_CERT_FILE`' }),
  ROUTING_FILE: text({
    ns: 'routing',
    doc: 'routing table (JSON, or YAML when it ends in `.yaml`/`.yml`): named connectors (http, amqp, core) with their capabilities, hours, circuit breakers, caps and costs, and ordered rules that choose among them (docs/routing.md). Read and checked at start: every problem is named with its line. Unset: every payment goes to the one legacy host, as before. Proxy mode only',
    example: 'config/routing.example.yaml',
  }),
  SIM_PORT: int(
    {
      ns: 'host',
      doc: 'port of the bundled legacy-host simulator, used only when `LEGACY_HOST_URL` is unset in proxy mode (`npm run sim` runs it alone)',
      default: '8081',
    },
    0,
    65535,
  ),

  // ---- amqp -------------------------------------------------------------------------------------------
  AMQP_URL: matching(
    /^amqps?:\/\/\S+$/,
    'an amqp:// or amqps:// URL',
    {
      ns: 'amqp',
      default: '(`amqp://127.0.0.1:5672` when `HOST_TRANSPORT=amqp`)',
      doc: 'RabbitMQ broker. Setting it (or `HOST_TRANSPORT=amqp`) also opens the MQ front door: `INBOUND_QUEUE` in, `OUTBOUND_QUEUE` out. It holds a password: keep the env file private',
      example: 'amqps://clearway:<password>@mq.example.internal:5671/payments',
    },
    false,
  ),
  AMQP_TLS_CA_FILE: text({
    ns: 'amqp',
    doc: 'TLS towards an `amqps://` `AMQP_URL`: PEM CA certificate(s) to trust instead of the system ones (the broker certificate is always verified)',
  }),
  AMQP_TLS_CERT_FILE: text({
    ns: 'amqp',
    doc: 'PEM client certificate presented to the broker (with `AMQP_TLS_KEY_FILE`: both or neither)',
  }),
  AMQP_TLS_KEY_FILE: text({ ns: 'amqp', doc: 'PEM private key of `AMQP_TLS_CERT_FILE`' }),
  INBOUND_QUEUE: queueName(
    'amqp',
    'inbox.pacs.008',
    'front door: ISO 20022 messages taken like `POST /v1/inbox`; refused ones go to `<INBOUND_QUEUE>.dlq` with the reason in headers and a pacs.002 RJCT to `OUTBOUND_QUEUE`',
  ),
  OUTBOUND_QUEUE: queueName(
    'amqp',
    'outbox.pacs.002',
    'every outgoing status message (at least once; `message-id` `<transactionId>:<status>`)',
  ),
  MQ_CLIENT_ID: matching(CLIENT_ID, '1-64 characters of A-Z a-z 0-9 . _ -', {
    ns: 'amqp',
    doc: 'the API client (in `CLEARWAY_CLIENTS`) that owns payments from the inbound queue (its token reads them over REST); required with a broker',
    default: '(`demo` when only the demo client is on)',
    example: 'bank-a',
  }),
  MQ_PREFETCH: int({ ns: 'amqp', doc: 'inbound messages in flight per process', default: '32' }, 1),
  AMQP_REQUEST_QUEUE: queueName(
    'amqp',
    'clearway.host.requests',
    'requests to the legacy host (`HOST_TRANSPORT=amqp`); see docs/amqp-topology.md',
  ),
  AMQP_REPLY_QUEUE: queueName('amqp', 'clearway.host.replies', 'the legacy host answers, matched by correlation id'),
  AMQP_DLX: queueName('amqp', 'clearway.dlx', 'the dead-letter exchange of every work queue'),

  // ---- store ------------------------------------------------------------------------------------------
  DATA_DIR: text(
    {
      ns: 'store',
      doc: 'directory of the embedded database (`clearway.db` and its WAL) and of the file secret store (the token-signing key); relative paths from the working directory',
      deploy: '/var/lib/clearway',
    },
    './data',
  ),
  SQLITE_SYNCHRONOUS: oneOf(['FULL', 'NORMAL'], {
    ns: 'store',
    doc: '`FULL`: every commit fsynced, survives power loss; `NORMAL`: survives a process crash only, and is faster',
    default: 'FULL',
  }),
  STORE: oneOf(['embedded', 'dynamodb', 'postgres'], {
    ns: 'store',
    doc: '`dynamodb`: payments (and the core-mode ledger) in one DynamoDB table (docs/aws.md); `postgres`: payments, jobs, ledger, archive and secrets on a PostgreSQL server shared by many instances (`DATABASE_URL`, docs/postgres.md)',
    default: 'embedded',
  }),
  QUEUE: oneOf(['embedded', 'sqs', 'postgres'], {
    ns: 'store',
    doc: "`sqs`: the work queue on an SQS FIFO queue with a FIFO dead-letter queue (docs/sqs-work-queue.md); needs `STORE=dynamodb`. `postgres`: the jobs table of the PostgreSQL store, woken by LISTEN/NOTIFY; it goes with `STORE=postgres` (the jobs commit in the payment's transaction)",
    default: '(`postgres` when `STORE=postgres`, else `embedded`)',
  }),
  SECRETS: oneOf(['file', 'aws', 'postgres'], {
    ns: 'store',
    doc: '`aws`: secrets (token-signing key, client secrets by name, host credentials) in Secrets Manager; `postgres`: in the PostgreSQL store, encrypted with AES-256-GCM under `SECRETS_ENCRYPTION_KEY` (or `_FILE`)',
    default: '(`postgres` when `STORE=postgres`, else `file`)',
  }),
  ARCHIVE: oneOf(['embedded', 's3', 'postgres'], {
    ns: 'store',
    doc: '`s3`: raw messages in an S3 bucket; `postgres`: in the PostgreSQL store (append-only, enforced by the server)',
    default: '(`postgres` when `STORE=postgres`, else `embedded`)',
  }),
  DATABASE_URL: matching(
    /^postgres(ql)?:\/\/\S+$/,
    'a postgres:// or postgresql:// URL',
    {
      ns: 'store',
      doc: 'the PostgreSQL server of `STORE=postgres` (and of a `postgres` queue, archive or secret store). TLS is set by `DATABASE_SSL_MODE`, not by `sslmode` in the URL (refused). It may hold a password: keep the env file private',
      example: 'postgres://clearway:<password>@db.example.internal:5432/clearway',
    },
    false,
  ),
  DATABASE_SSL_MODE: oneOf(['disable', 'require', 'verify-full'], {
    ns: 'store',
    doc: 'TLS to PostgreSQL: `disable`; `require` (encrypted, certificate not checked); `verify-full` (encrypted, certificate and host name checked against the system CAs or `DATABASE_SSL_CA_FILE`)',
    default: '(`verify-full` when `NODE_ENV=production`, else `disable`)',
  }),
  DATABASE_SSL_CA_FILE: text({ ns: 'store', doc: 'PEM CA certificate(s) that sign the PostgreSQL server certificate (`verify-full`)' }),
  DATABASE_SSL_CERT_FILE: text({
    ns: 'store',
    doc: 'PEM client certificate for PostgreSQL certificate authentication (with `DATABASE_SSL_KEY_FILE`: both or neither)',
  }),
  DATABASE_SSL_KEY_FILE: text({ ns: 'store', doc: 'PEM private key of `DATABASE_SSL_CERT_FILE`' }),
  DATABASE_POOL_SIZE: int(
    {
      ns: 'store',
      doc: 'connections each process keeps to PostgreSQL (a process with workers, ROLE all or worker, keeps one more that listens for new jobs)',
      default: '10',
    },
    1,
    200,
  ),
  DATABASE_SCHEMA: matching(/^[a-z_][a-z0-9_]{0,62}$/, 'a schema name (a-z 0-9 _, at most 63)', {
    ns: 'store',
    doc: "the schema the gateway works in (its `search_path`), created by the migrations when missing; unset: the role's default search path",
  }),
  DATABASE_MIGRATE: oneOf(['true', 'false'], {
    ns: 'store',
    doc: '`true`: the gateway creates or migrates its PostgreSQL schema at start, under an advisory lock (several instances may start together); `false`: it only checks the schema is at its version and refuses to start otherwise (`clearway migrate` migrates). A schema newer than the gateway is always refused',
    default: '(`true`; `false` when `NODE_ENV=production`)',
  }),
  SECRETS_ENCRYPTION_KEY: matching(
    /^[A-Za-z0-9+/]{43}=$/,
    '32 bytes in base64 (44 characters; `openssl rand -base64 32`)',
    {
      ns: 'store',
      doc: 'the AES-256 key of `SECRETS=postgres`, base64 (`openssl rand -base64 32`); the database never sees it. Or `SECRETS_ENCRYPTION_KEY_FILE`. A secret sealed under another key is refused by name, not mis-read',
    },
    false,
  ),
  SECRETS_ENCRYPTION_KEY_FILE: text({
    ns: 'store',
    doc: 'a file holding `SECRETS_ENCRYPTION_KEY` (base64, one line), e.g. a mounted Kubernetes or systemd credential',
  }),
  AWS_REGION: text({ ns: 'store', doc: 'required as soon as one adapter is on AWS' }),
  AWS_DEFAULT_REGION: text({ ns: 'store', doc: 'used when `AWS_REGION` is unset' }),
  AWS_ENDPOINT_URL: httpUrl({ ns: 'store', doc: 'the AWS SDK endpoint override for every service (local engines)' }),
  AWS_ENDPOINT_URL_DYNAMODB: httpUrl({ ns: 'store', doc: 'the SDK endpoint override for DynamoDB' }),
  AWS_ENDPOINT_URL_SQS: httpUrl({ ns: 'store', doc: 'the SDK endpoint override for SQS' }),
  AWS_ENDPOINT_URL_S3: httpUrl({ ns: 'store', doc: 'the SDK endpoint override for S3' }),
  AWS_ENDPOINT_URL_SECRETS_MANAGER: httpUrl({ ns: 'store', doc: 'the SDK endpoint override for Secrets Manager' }),
  DYNAMODB_TABLE: text({ ns: 'store', doc: 'the store table (`STORE=dynamodb`)' }),
  SQS_QUEUE_URL: httpUrl({ ns: 'store', doc: 'the FIFO work queue (`.fifo`; `QUEUE=sqs`); or `SQS_QUEUE_NAME`, looked up at start' }),
  SQS_QUEUE_NAME: text({ ns: 'store', doc: 'the FIFO work queue by name, instead of `SQS_QUEUE_URL`' }),
  SQS_DLQ_URL: httpUrl({
    ns: 'store',
    doc: 'its FIFO dead-letter queue; the work queue `RedrivePolicy` must point at it (checked at start) and its `maxReceiveCount` is the number of deliveries (`JOB_MAX_ATTEMPTS`); or `SQS_DLQ_NAME`',
  }),
  SQS_DLQ_NAME: text({ ns: 'store', doc: 'the FIFO dead-letter queue by name, instead of `SQS_DLQ_URL`' }),
  SQS_WAIT_SECONDS: int({ ns: 'store', doc: 'long polling of the workers receive, in seconds (0-20)', default: '1' }, 0, 20),
  S3_BUCKET: text({ ns: 'store', doc: 'the archive bucket (`ARCHIVE=s3`)' }),
  S3_PREFIX: text({ ns: 'store', doc: 'prefix of the archive keys' }, ''),
  S3_FORCE_PATH_STYLE: bool({
    ns: 'store',
    doc: '`true`: path-style URLs (`<endpoint>/<bucket>/<key>`), for emulators on a plain host:port',
    default: 'false',
  }),
  SECRETS_PREFIX: text({ ns: 'store', doc: 'secret names are `<prefix><name>` (`SECRETS=aws`)' }, 'clearway/'),
  SECRETS_CACHE_SECONDS: int({ ns: 'store', doc: 'how long a secret read from Secrets Manager is cached, in seconds', default: '300' }, 0),

  // ---- worker -----------------------------------------------------------------------------------------
  WORKER_CONCURRENCY: int({ ns: 'worker', doc: 'jobs in flight per process', default: '16' }, 1),
  JOB_VISIBILITY_MS: int(
    {
      ns: 'worker',
      doc: 'visibility timeout of a received job, in ms (>= 1000): a job not acknowledged in time is delivered again',
      default: '30000',
    },
    1000,
  ),
  JOB_MAX_ATTEMPTS: int({ ns: 'worker', doc: 'deliveries a job gets before it is dead-lettered', default: '8' }, 1),
  SLA_SECONDS: int(
    {
      ns: 'worker',
      doc: 'a payment not moving for this long is rejected `AB05` while it has not left the gateway (or is held); once released to the host, one last idempotent ask, and without a final answer it is never rejected but investigated (PDNG, status requests to the host; docs/decisions.md)',
      default: '300',
    },
    1,
  ),
  RECOVERY_AFTER_SECONDS: int({ ns: 'worker', doc: 'a payment not moving for this long gets its next step re-driven', default: '60' }, 1),
  SWEEP_INTERVAL_MS: int({ ns: 'worker', doc: 'how often the sweepers run, in ms (>= 100)', default: '5000' }, 100),

  // ---- admission ---------------------------------------------------------------------------------------
  ADMISSION_MAX_WAIT_SECONDS: matching(/^\d{1,6}$/, 'a whole number of seconds', {
    ns: 'admission',
    doc: 'the inbox and the MQ front door stop taking payments (HTTP `503` with `Retry-After`; MQ consumption pauses) while new work would wait longer than this in the queue: the oldest due job has waited longer, or the due jobs outnumber what the workers completed in this many seconds. They take payments again below half of it. Must be below `SLA_SECONDS`; 0: off (docs/operations.md)',
    default: '(30, or half of `SLA_SECONDS` when that is less)',
  }),
  ADMISSION_MAX_QUEUED_JOBS: int(
    {
      ns: 'admission',
      doc: 'a hard bound on the due jobs: above it the inbox and the MQ front door stop taking payments as above, whatever the rate; 0: no bound',
      default: '20000',
    },
    0,
  ),
  CLIENT_PAYMENT_QUOTAS: text({
    ns: 'admission',
    doc: 'payments per second each API client may submit, as a JSON object `{"bank-a": 200, "bank-b": 50}`; over it the client gets `429` with `Retry-After` (its MQ messages wait). Per process',
    example: '{"bank-a": 200}',
  }),
  CLIENT_PAYMENT_QUOTA_DEFAULT: int(
    {
      ns: 'admission',
      doc: 'payments per second for a client not named in `CLIENT_PAYMENT_QUOTAS`; 0: no quota',
      default: '0',
    },
    0,
  ),

  // ---- rules ------------------------------------------------------------------------------------------
  MAX_AMOUNT: text({
    ns: 'rules',
    doc: 'largest amount of one payment: comma-separated `<amount>` (global, in the payment own currency) and `<amount> <CCY>` (that currency, wins) entries, e.g. `1000000, 150000000 JPY`; above it: RJCT `AM02`',
  }),
  CREDITOR_COUNTRY_ALLOW: text({
    ns: 'rules',
    doc: 'comma-separated ISO 3166 alpha-2 creditor countries; when set, only these are accepted (RJCT `RR04`; `RR03` when the creditor country is unknown)',
  }),
  CREDITOR_COUNTRY_DENY: text({ ns: 'rules', doc: 'comma-separated ISO 3166 alpha-2 creditor countries always refused (RJCT `RR04`)' }),
  BUSINESS_RULES_ORDER: text({
    ns: 'rules',
    doc: 'rule ids to run first, in this order (the others follow in the default order): `currency`, `amount-positive`, `amount-limit`, `iban`, `bic`, `creditor-country`, custom rules, `screening`',
  }),
  SCREENING_URL: text({
    ns: 'rules',
    doc: 'sanctions-screening service (`POST` JSON, see docs/business-rules.md); unset: no screening. A hit: RJCT `RR04` with the service reference. No credentials in it: see `SCREENING_AUTH_HEADER`',
  }),
  SCREENING_TIMEOUT_MS: int({ ns: 'rules', doc: 'deadline of one screening call, in ms', default: '2000' }, 1),
  SCREENING_FAILURE: oneOf(['open', 'closed'], {
    ns: 'rules',
    doc: 'screening unreachable, timed out or unusable: `open` passes the payment and records "not screened" on its `ACTC` history entry; `closed` keeps it `RCVD` and retries (the SLA rejects it `AB05` if screening never answers)',
    default: 'closed',
  }),
  SCREENING_AUTH_HEADER: text({ ns: 'rules', doc: '`Authorization` header value sent to the screening service (a secret; never logged)' }),
  HOLD_AMOUNT_ABOVE: text({
    ns: 'rules',
    doc: 'hold every payment above this decimal amount (any currency) in `PDNG` for a consumer accept or reject',
  }),
  HOLD_RULES: text({
    ns: 'rules',
    doc: 'JSON array of hold rules (`id`, `clients`, `amountAbove`, `currencies`, `creditorCountries`), see docs/decisions.md',
  }),

  // ---- ledger -----------------------------------------------------------------------------------------
  LEDGER_OPENING_BALANCES: text({
    ns: 'ledger',
    doc: '`MODE=core`: turns the ledger on and opens these accounts at start, never overwriting an open one: a JSON object account id to `"<amount> <currency>"`, e.g. `{"DE89370400440532013000":"1000.00 EUR"}`; ignored, with a warning, in proxy mode',
    example: '{"DE89370400440532013000":"1000.00 EUR","GB29NWBK60161331926819":"250.50 EUR"}',
  }),
  LEDGER_ENABLED: oneOf(['true', 'false'], {
    ns: 'ledger',
    doc: '`MODE=core`: `true` turns the ledger on without opening balances (open accounts with `PUT /v1/ledger/accounts/{id}`, scope `ledger:admin`); ignored, with a warning, in proxy mode',
    default: '(`true` when `LEDGER_OPENING_BALANCES` is set)',
  }),

  // ---- intake -----------------------------------------------------------------------------------------
  MAX_BODY_BYTES: int(
    { ns: 'intake', doc: 'largest accepted request body / ISO 20022 message in bytes (>= 1024; 413 above)', default: '1048576' },
    1024,
  ),
  MAX_XML_DEPTH: int({ ns: 'intake', doc: 'deepest accepted XML element nesting (>= 8)', default: '64' }, 8),
  MAX_TRANSACTIONS_PER_MESSAGE: int(
    {
      ns: 'intake',
      doc: 'most transactions in one pain.001 (and any multi-transaction message); above it 422 `MESSAGE.TOO_MANY_TRANSACTIONS` and nothing is stored',
      default: '250',
    },
    1,
  ),
  SCHEMA_DIR: text({ ns: 'intake', doc: 'directory of the project XSD files, relative to the working directory' }, 'config/schemas'),

  // ---- channels ---------------------------------------------------------------------------------------
  MERCHANT_DIRECTORY_FILE: text({
    ns: 'channels',
    doc: 'JSON or YAML file of the merchants `POST /v1/qr-payments` may pay: `{"merchants": [{"guid", "merchantId", "creditor": {"name", "account" (IBAN), "agent" (BIC), "country"?}}]}`, each found by the GUID of an EMVCo merchant account template (tags 26-51, sub-tag 00) and a merchant id in another sub-tag; checked at start. Unset: every QR payment is refused `QR.MERCHANT_UNKNOWN`',
    example: 'config/merchants.yaml',
  }),
  CHANNEL_DEBTOR_AGENT_BIC: matching(/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/, 'a BIC of 8 or 11 characters', {
    ns: 'channels',
    doc: 'the debtor agent (and instructing agent) of a JSON or QR payment whose payer names no bank (`debtor.agent`, `payer.agent`): usually the BIC of the bank running the gateway. Unset: such a payment is refused 422 `PAYMENT.DEBTOR_AGENT_REQUIRED`',
    example: 'CLWYDEFFXXX',
  }),

  // ---- compat -----------------------------------------------------------------------------------------
  REGION_ID: matching(REGION, 'a region id: 1-32 of a-z 0-9 -', {
    ns: 'region',
    doc: 'this region: recorded as the home region of every payment it takes, its heartbeat in the shared store, `region_id` in `GET /`, `GET /uuid`, `GET /health/region` and the AWS-guidance answers',
    default: '(`AWS_REGION`, else `local`)',
  }),
  PEER_REGIONS: list(
    {
      ns: 'region',
      doc: 'comma-separated ids of the other regions sharing the store (`STORE=dynamodb`): this region takes over their in-flight payments when their heartbeat lease expires or an operator declares them down (docs/multi-region.md). Empty: one region',
      default: '(none)',
    },
    (entry) => (REGION.test(entry) ? null : 'is not a region id (1-32 of a-z 0-9 -)'),
  ),
  CONSISTENCY: oneOf(['strong', 'eventual'], {
    ns: 'region',
    doc: '`strong`: the regions share a store whose conditional writes hold across regions (DynamoDB multi-Region strong consistency), so any region may process any payment; `eventual`: asynchronous replication, a payment is processed only by the region that owns it (docs/multi-region.md, ADR 0021)',
    default: 'strong',
  }),
  PEER_DYNAMODB_ENDPOINTS: list(
    {
      ns: 'region',
      doc: "CONSISTENCY=eventual only: `<peer region id>=<url>` pairs, comma-separated, naming the DynamoDB endpoint of a peer region's replica (read to answer `X-Consistency: global`). A peer not named is reached at the SDK's regional endpoint of the AWS region of that id",
      example: 'eu-central-1=http://127.0.0.1:8001',
      default: '(none)',
    },
    (entry) => {
      const at = entry.indexOf('=');
      if (at < 1 || !REGION.test(entry.slice(0, at))) return 'is not <region id>=<url>';
      try {
        const url = new URL(entry.slice(at + 1));
        return url.protocol === 'http:' || url.protocol === 'https:' ? null : 'needs an http(s) URL';
      } catch {
        return 'needs an http(s) URL after =';
      }
    },
  ),
  CONSISTENCY_GLOBAL_TIMEOUT_SECONDS: int(
    {
      ns: 'region',
      doc: 'CONSISTENCY=eventual: how long a submission with `X-Consistency: global` waits for its payment to be readable in a peer region; past it, `503 CONSISTENCY.GLOBAL_TIMEOUT` (retryable with the same `X-Transaction-Id`: the payment is stored in this region and is not lost)',
      default: '10',
    },
    1,
    120,
  ),
  REGION_HEARTBEAT_SECONDS: int({ ns: 'region', doc: 'how often this region renews its lease in the shared store', default: '5' }, 1, 300),
  REGION_LEASE_SECONDS: int(
    {
      ns: 'region',
      doc: 'how long a heartbeat holds: a peer whose lease ran out this long ago is taken over. At least three heartbeats',
      default: '30',
    },
    3,
    3600,
  ),
  AWS_COMPAT_REPAIR_NAMESPACE: bool({
    ns: 'compat',
    doc: 'AWS-compatible `POST /inbox` only: `true` puts a Document (and AppHdr) in no namespace into the namespace its AppHdr `MsgDefIdr` names, then validates strictly; `false` answers it with a pacs.002 RJCT `FF01` "namespace missing" through `/outbox` (docs/aws-guidance-compatibility.md). `/v1/inbox` is always strict',
    default: 'false',
  }),

  // ---- logging ----------------------------------------------------------------------------------------
  LOG_LEVEL: oneOf(['error', 'warn', 'log', 'debug'], {
    ns: 'logging',
    doc: '`error`, `warn`, `log` (pino `info`), `debug`; message bodies, secrets and tokens are never logged',
    default: 'log',
  }),
  LOG_FORMAT: oneOf(['json', 'pretty'], {
    ns: 'logging',
    doc: '`json`: one JSON object per line (pino: ISO `time`, `level` as a name, `requestId`, the payment and job fields; docs/operations.md, "Logs"); `pretty`: coloured human-readable lines (pino-pretty) for a person at a terminal',
    default: '(`pretty` when standard output is a terminal, else `json`)',
  }),

  // ---- tracing ----------------------------------------------------------------------------------------
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl(
    {
      ns: 'tracing',
      doc: 'turns tracing on: the OTLP/HTTP collector the spans are sent to (JSON, `POST <endpoint>/v1/traces`); unset: no spans, no `traceparent` read or sent (docs/operations.md, "Traces")',
      example: 'http://127.0.0.1:4318',
    },
    { noCredentials: '(put them in OTEL_EXPORTER_OTLP_HEADERS)', echo: false },
  ),
  OTEL_SERVICE_NAME: matching(/^[\x21-\x7e][\x20-\x7e]{0,127}$/, '1-128 printable ASCII characters', {
    ns: 'tracing',
    doc: '`service.name` of the spans',
    default: 'clearway-gateway',
  }),
  OTEL_EXPORTER_OTLP_HEADERS: matching(
    /^\s*[A-Za-z0-9!#$&'*+.^_`|~-]+\s*=[^,]*(,\s*[A-Za-z0-9!#$&'*+.^_`|~-]+\s*=[^,]*)*$/,
    'comma-separated name=value pairs (values percent-encoded)',
    {
      ns: 'tracing',
      doc: 'headers sent with every export, `name=value` pairs separated by commas, values percent-encoded (e.g. `authorization=Bearer%20...`); a secret: never logged',
    },
    false,
  ),
  OTEL_BSP_SCHEDULE_DELAY: int(
    { ns: 'tracing', doc: 'milliseconds between two exports of the spans gathered (the batch span processor)', default: '5000' },
    1,
  ),
} satisfies Record<string, Spec<z.ZodType>>;

type Specs = typeof SPECS;
type SchemaOf<S> = S extends Spec<infer T> ? T : never;

/** The schema of the whole environment: one entry per variable, each with its documentation as metadata. */
export const envSchema = z.object(
  Object.fromEntries(
    Object.entries(SPECS).map(([name, spec]) => [
      name,
      (spec as Spec<z.ZodType>).schema(name).meta({ description: spec.doc.doc, ...spec.doc }),
    ]),
  ) as { [K in keyof Specs]: SchemaOf<Specs[K]> },
);

/** The environment after syntax checks and defaults. */
export type ParsedEnv = z.output<typeof envSchema>;

/** Names of every variable the gateway reads. */
export const VARIABLE_NAMES: readonly string[] = Object.keys(SPECS);

/** The documentation of every variable, from the schema's metadata, in schema order. */
export function variableDocs(): Array<VariableDoc & { name: string }> {
  return Object.entries(envSchema.shape).map(([name, schema]) => {
    const { ns, doc, default: dflt, example, deploy } = schema.meta() as unknown as VariableDoc;
    return {
      name,
      ns,
      doc,
      ...(dflt !== undefined ? { default: dflt } : {}),
      ...(example ? { example } : {}),
      ...(deploy ? { deploy } : {}),
    };
  });
}
