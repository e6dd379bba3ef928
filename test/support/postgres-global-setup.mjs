// SPDX-License-Identifier: Apache-2.0
// Jest global setup of the e2e and integrity projects: with TEST_STORE=postgres, drops the schemas earlier runs'
// gateways left on the test server (storeProfile in processes.ts names them clearway_e2e_<hash of DATA_DIR>), so the
// test database does not grow run after run. Without TEST_STORE=postgres it does nothing and needs no server.
import pg from 'pg';

export default async function dropLeftoverSchemas() {
  if (process.env.TEST_STORE !== 'postgres') return;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT nspname FROM pg_namespace WHERE nspname ~ '^clearway_e2e_[a-z0-9_]+$'");
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  } finally {
    await client.end();
  }
}
