// SPDX-License-Identifier: Apache-2.0
import pg from 'pg';
import { TEST_DATABASE_URL } from './processes.js';

/** Runs one statement on the test server (a short-lived connection of its own). */
export async function onTestServer<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await client.query<R>(text, values);
  } finally {
    await client.end();
  }
}

/** Drops a schema a test made (its name is checked: only the tests' own prefixes). */
export async function dropTestSchema(schema: string): Promise<void> {
  if (!/^clearway_(multi|restart|e2e|bench)_[a-z0-9_]+$/.test(schema)) throw new Error(`not a test schema: ${schema}`);
  await onTestServer(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
}
