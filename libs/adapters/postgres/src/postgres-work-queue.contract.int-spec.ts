// SPDX-License-Identifier: Apache-2.0
import { describeWorkQueueContract } from '../../../application/src/testing/contracts/work-queue.contract.js';
import { PostgresWorkQueue } from './postgres-work-queue.adapter.js';
import { testSchemas } from './testing/postgres.fixtures.js';

const schemas = testSchemas(process.env.DATABASE_URL);
afterAll(() => schemas.cleanup());

describeWorkQueueContract('PostgresWorkQueue (real PostgreSQL server)', async ({ maxAttempts }) => {
  const db = await schemas.fresh();
  return {
    queue: new PostgresWorkQueue(db, { maxAttempts }),
    // another process: its own pool on the same schema
    peer: async () => new PostgresWorkQueue(schemas.open(db.options.schema!), { maxAttempts }),
    close: async () => {},
  };
});
