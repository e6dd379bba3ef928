// SPDX-License-Identifier: Apache-2.0
import { describeWorkQueueContract } from '../../../application/src/testing/contracts/work-queue.contract.js';
import { EmbeddedDatabase } from './embedded-database.js';
import { SqliteWorkQueue } from './sqlite-work-queue.adapter.js';
import { tempDataDir } from './testing/embedded.fixtures.js';

const tmp = tempDataDir('clearway-queue-contract-');
let n = 0;
afterAll(() => tmp.cleanup());

describeWorkQueueContract('SqliteWorkQueue (real SQLite file)', async ({ maxAttempts }) => {
  const dir = `${tmp.dir}/q${++n}`;
  const databases = [new EmbeddedDatabase({ dataDir: dir })];
  return {
    queue: new SqliteWorkQueue(databases[0]!, { maxAttempts }),
    peer: async () => {
      const db = new EmbeddedDatabase({ dataDir: dir });
      databases.push(db);
      return new SqliteWorkQueue(db, { maxAttempts });
    },
    close: async () => {
      for (const db of databases) db.close();
    },
  };
});
