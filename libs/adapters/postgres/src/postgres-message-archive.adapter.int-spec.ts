// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { messageArchiveContract } from '../../../application/src/testing/contracts/message-archive.contract.js';
import { PostgresMessageArchive } from './postgres-message-archive.adapter.js';
import { testSchemas } from './testing/postgres.fixtures.js';

describe('PostgresMessageArchive (real PostgreSQL server)', () => {
  const schemas = testSchemas(process.env.DATABASE_URL);
  afterAll(() => schemas.cleanup());

  // the port's contract, shared with the SQLite and S3 archives; "reopen" is another pool on the same schema
  messageArchiveContract(async () => {
    const db = await schemas.fresh();
    return {
      archive: new PostgresMessageArchive(db),
      reopen: async () => new PostgresMessageArchive(schemas.open(db.options.schema!)),
      close: async () => {},
    };
  });

  it('is append-only on the server: UPDATE, DELETE and TRUNCATE are refused, whoever sends them', async () => {
    const db = await schemas.fresh();
    const archive = new PostgresMessageArchive(db);
    const transactionId = randomUUID();
    await archive.put({
      transactionId,
      direction: 'in',
      messageType: 'pacs.008.001.08',
      channel: 'api',
      body: '<a/>',
      at: new Date().toISOString(),
    });
    await expect(db.pool.query("UPDATE archived_messages SET body = '<b/>'")).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db.pool.query('DELETE FROM archived_messages')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.pool.query('TRUNCATE archived_messages')).rejects.toThrow(/append-only: TRUNCATE refused/);
    await expect(archive.list(transactionId)).resolves.toEqual([expect.objectContaining({ seq: 1, body: '<a/>' })]);
  });

  it('numbers the messages of one transaction without gaps when many writers append at once', async () => {
    const db = await schemas.fresh();
    const archives = [new PostgresMessageArchive(db), new PostgresMessageArchive(schemas.open(db.options.schema!))];
    const transactionId = randomUUID();
    const seqs = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        archives[i % 2]!.put({
          transactionId,
          direction: 'out',
          messageType: 'pacs.002.001.10',
          channel: 'gateway',
          body: `<m n="${i}"/>`,
          at: new Date().toISOString(),
        }),
      ),
    );
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});
