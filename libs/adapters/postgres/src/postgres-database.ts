// SPDX-License-Identifier: Apache-2.0
import pg from 'pg';
import { StoreUnavailableError } from '#application';

export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database` (DATABASE_URL; TLS through `ssl`, never the URL). */
  connectionString: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Schema to work in (`search_path`); the tests give each run its own. Default: the server's. */
  schema?: string;
  /**
   * How long a call waits for a connection (a new one, or a free one from a full pool) before it fails with
   * StoreUnavailableError (default 5000 ms), so a vanished server or an exhausted pool answers 503, never hangs.
   */
  connectTimeoutMs?: number;
  /** TLS to the server (`false` or unset: none); certificates as PEM text. */
  ssl?: PostgresTls | false;
  /**
   * Told of an error on an idle pooled connection (the server restarted, a network cut): the pool drops that
   * connection and opens a new one on next use. Without a listener such an error would end the process.
   */
  onError?: (message: string) => void;
}

export interface PostgresTls {
  /** `false`: encrypted, certificate not checked (`require`); `true`: chain and host name checked (`verify-full`). */
  verify: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

/** A query the pool prepares once per connection (named statement) and runs with its values. */
export interface Statement {
  name: string;
  text: string;
}

export type Queryable = Pick<pg.PoolClient, 'query'>;

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The PostgreSQL connection pool of the on-premises store (issue 16, `pg`). Statements are named, so each
 * connection prepares them once; `transaction` runs a function in BEGIN … COMMIT on one connection and rolls back
 * when it throws.
 */
export class PostgresDatabase {
  readonly pool: pg.Pool;
  /** The NOTIFY channel of new jobs: one per schema, so stores sharing a server do not wake each other. */
  readonly jobsChannel: string;

  constructor(readonly options: PostgresDatabaseOptions) {
    if (options.schema !== undefined && !SCHEMA.test(options.schema)) throw new Error(`schema ${options.schema}: a-z 0-9 _ only`);
    this.jobsChannel = options.schema ? `clearway_jobs_${options.schema}`.slice(0, 63) : 'clearway_jobs';
    this.pool = new pg.Pool({
      ...this.clientConfig(),
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    });
    const onError = options.onError ?? (() => undefined);
    this.pool.on('error', (e) => onError(`idle PostgreSQL connection failed: ${e.message}`));
    // Every connection hears its own errors for its whole life. The driver emits 'error' on a connection that has no
    // query running (a server shutting down sends FATAL 57P01 to all); the pool and transaction() listen only at
    // certain moments, and one such message falling between them ended the process in the restart test. The failure
    // still reaches whoever uses the connection next: its statement fails, and the pool drops it.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /** The settings of one connection (the pool's, and the job listener's own). */
  clientConfig(): pg.ClientConfig {
    const { ssl, schema, connectionString } = this.options;
    return {
      connectionString,
      // TCP keepalives: a server gone without closing its connections (power loss, a cut link) is noticed
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
      ...(ssl
        ? {
            ssl: {
              rejectUnauthorized: ssl.verify,
              ...(ssl.ca ? { ca: ssl.ca } : {}),
              ...(ssl.cert ? { cert: ssl.cert } : {}),
              ...(ssl.key ? { key: ssl.key } : {}),
            },
          }
        : {}),
    };
  }

  async query<R extends pg.QueryResultRow>(
    statement: Statement,
    values: unknown[] = [],
    on: Queryable = this.pool,
  ): Promise<pg.QueryResult<R>> {
    return on.query<R>({ name: statement.name, text: statement.text, values }).catch(rethrow);
  }

  /** A one-off statement on the pool (not prepared). */
  async run<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values).catch(rethrow);
  }

  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch(rethrow);
    let broken = false;
    // a checked-out connection that fails between statements emits 'error' on its client: unheard, it would end
    // the process; heard, the next statement fails and the transaction is given up
    const onError = () => (broken = true);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      broken ||= isConnectionError(e);
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      return rethrow(e);
    } finally {
      client.off('error', onError);
      // a connection that failed is not handed out again
      client.release(broken ? true : undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** SQLSTATE classes and socket errors that mean "the server or the connection is gone", not "the statement failed". */
const CONNECTION_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

export function isConnectionError(e: unknown): boolean {
  if (e instanceof StoreUnavailableError) return true;
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  if (CONNECTION_CODES.has(code) || code.startsWith('08')) return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  // what pg says when the socket closes under a query, or a pooled client was broken
  return /Connection terminated|connection error|Client was closed|timeout exceeded when trying to connect/i.test(message);
}

/** Re-throws a connection failure as the port's StoreUnavailableError, anything else as it is. */
function rethrow(e: unknown): never {
  if (e instanceof StoreUnavailableError || !isConnectionError(e)) throw e;
  throw new StoreUnavailableError(`PostgreSQL: ${(e as Error).message}`, { cause: e });
}
