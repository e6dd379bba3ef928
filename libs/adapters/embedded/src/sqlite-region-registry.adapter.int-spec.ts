// SPDX-License-Identifier: Apache-2.0
import { EmbeddedDatabase } from './embedded-database.js';
import { SqliteRegionRegistry } from './sqlite-region-registry.adapter.js';
import { tempDataDir } from './testing/embedded.fixtures.js';
import { regionRegistryContract } from '../../../application/src/testing/contracts/region-registry.contract.js';

describe('SqliteRegionRegistry (real SQLite file)', () => {
  const tmp = tempDataDir();
  let files = 0;
  afterAll(() => tmp.cleanup());

  // the port's contract, shared with the DynamoDB registry; the peer is a second connection to the same file
  regionRegistryContract(async () => {
    const dataDir = `${tmp.dir}/r${++files}`;
    const opened = [new EmbeddedDatabase({ dataDir })];
    return {
      registry: new SqliteRegionRegistry(opened[0]!),
      async peer() {
        const db = new EmbeddedDatabase({ dataDir });
        opened.push(db);
        return new SqliteRegionRegistry(db);
      },
      close: async () => opened.forEach((db) => db.close()),
    };
  });
});
