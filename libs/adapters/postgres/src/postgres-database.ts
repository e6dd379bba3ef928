import pg from 'pg';

export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database?sslmode=...` (DATABASE_URL). */
  connectionString: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Schema to work in (`search_path`); the tests give each run its own. Default: the server's. */
  schema?: string;
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

  constructor(readonly options: PostgresDatabaseOptions) {
    if (options.schema !== undefined && !SCHEMA.test(options.schema)) throw new Error(`schema ${options.schema}: a-z 0-9 _ only`);
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
  }

  async query<R extends pg.QueryResultRow>(
    statement: Statement,
    values: unknown[] = [],
    on: Queryable = this.pool,
  ): Promise<pg.QueryResult<R>> {
    return on.query<R>({ name: statement.name, text: statement.text, values });
  }

  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
