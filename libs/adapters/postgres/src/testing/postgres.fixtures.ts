// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { PostgresDatabase } from '../postgres-database.js';
import { migrate } from '../postgres.migrations.js';

/** The server the PostgreSQL suites run against when DATABASE_URL is unset: the local one (database `test`). */
export const LOCAL_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Fresh schemas on the test server, each migrated, each with its own pools; `cleanup` drops them. A server that
 * does not answer fails the suite with the URL (password hidden) and what to do.
 */
export function testSchemas(url: string = LOCAL_TEST_DATABASE_URL) {
  const admin = new PostgresDatabase({ connectionString: url, poolSize: 2 });
  const opened: PostgresDatabase[] = [];
  const schemas = new Set<string>();
  let checked = false;
  return {
    admin,
    /** A pool on a new (migrated, unless `migrated: false`) schema. */
    async fresh(options: { migrated?: boolean; poolSize?: number } = {}): Promise<PostgresDatabase> {
      if (!checked) {
        await admin.pool.query('SELECT 1').catch((e: Error) => {
          throw new Error(`no PostgreSQL server at ${url.replace(/:[^:@/]*@/, ':***@')}: ${e.message} (set DATABASE_URL or start one)`);
        });
        checked = true;
      }
      const schema = `clearway_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      await admin.pool.query(`CREATE SCHEMA ${schema}`);
      schemas.add(schema);
      const db = this.open(schema, options.poolSize);
      if (options.migrated !== false) await migrate(db);
      return db;
    },
    /** Another pool on a schema (as another process would have). */
    open(schema: string, poolSize = 4): PostgresDatabase {
      const db = new PostgresDatabase({ connectionString: url, schema, poolSize });
      opened.push(db);
      return db;
    },
    async cleanup(): Promise<void> {
      for (const db of opened.splice(0)) await db.close().catch(() => undefined);
      for (const schema of schemas) await admin.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await admin.close();
    },
  };
}
