// SPDX-License-Identifier: Apache-2.0
import { EmbeddedDatabase } from './embedded-database.js';
import { SqliteMessageArchive } from './sqlite-message-archive.adapter.js';
import { tempDataDir } from './testing/embedded.fixtures.js';
import { messageArchiveContract } from '../../../application/src/testing/contracts/message-archive.contract.js';

describe('SqliteMessageArchive (real SQLite file)', () => {
  const tmp = tempDataDir();
  let files = 0;
  afterAll(() => tmp.cleanup());

  // the port's contract, shared with the S3 archive; "reopen" is a new connection to the same file
  messageArchiveContract(async () => {
    const dataDir = `${tmp.dir}/c${++files}`;
    const dbs = [new EmbeddedDatabase({ dataDir })];
    return {
      archive: new SqliteMessageArchive(dbs[0]!),
      reopen: async () => {
        const db = new EmbeddedDatabase({ dataDir });
        dbs.push(db);
        return new SqliteMessageArchive(db);
      },
      close: async () => dbs.forEach((db) => db.close()),
    };
  });
});

describe('SqliteMessageArchive: append-only at the database level', () => {
  const tmp = tempDataDir();
  let db: EmbeddedDatabase;

  beforeAll(async () => {
    db = new EmbeddedDatabase({ dataDir: tmp.dir });
    await new SqliteMessageArchive(db).put({
      transactionId: 'tx-1',
      direction: 'in',
      messageType: 'pacs.008.001.08',
      channel: 'api',
      body: '<Document>in</Document>',
      at: '2025-01-15T10:00:00.000Z',
    });
  });
  afterAll(() => {
    db.close();
    tmp.cleanup();
  });

  it('refuses UPDATE and DELETE at the database level', () => {
    expect(() => db.exec(`UPDATE archived_messages SET body = 'x' WHERE transaction_id = 'tx-1'`)).toThrow(/append-only/);
    expect(() => db.exec(`DELETE FROM archived_messages WHERE transaction_id = 'tx-1'`)).toThrow(/append-only/);
    expect(() =>
      db.exec(
        `INSERT OR REPLACE INTO archived_messages (transaction_id, seq, direction, message_type, channel, body, sha256, at)
         VALUES ('tx-1', 1, 'in', 'x', 'x', 'x', 'x', 'x')`,
      ),
    ).toThrow(/append-only/);
    expect(() =>
      db.exec(
        `INSERT INTO archived_messages (transaction_id, seq, direction, message_type, channel, body, sha256, at)
         VALUES ('tx-1', 1, 'in', 'x', 'x', 'x', 'x', 'x')
         ON CONFLICT DO UPDATE SET body = 'x'`,
      ),
    ).toThrow(/append-only/);
    expect(db.get<{ body: string }>(`SELECT body FROM archived_messages WHERE transaction_id = 'tx-1' AND seq = 1`)!.body).toBe(
      '<Document>in</Document>',
    );
  });
});
