import { EmbeddedDatabase } from './embedded-database.js';
import { SqliteMessageArchive } from './sqlite-message-archive.adapter.js';
import { tempDataDir } from './testing/embedded.fixtures.js';
import type { ArchivedMessage } from '#application';

describe('SqliteMessageArchive (real SQLite file)', () => {
  const tmp = tempDataDir();
  let db: EmbeddedDatabase;
  let archive: SqliteMessageArchive;

  beforeAll(() => {
    db = new EmbeddedDatabase({ dataDir: tmp.dir });
    archive = new SqliteMessageArchive(db);
  });
  afterAll(() => {
    db.close();
    tmp.cleanup();
  });

  const msg = (over: Partial<ArchivedMessage>): ArchivedMessage => ({
    transactionId: 'tx-1',
    direction: 'in',
    messageType: 'pacs.008.001.08',
    channel: 'api',
    body: '<Document>in</Document>',
    at: '2025-01-15T10:00:00.000Z',
    ...over,
  });

  it('appends with a per-transaction seq and is idempotent on the same message', async () => {
    await expect(archive.put(msg({}))).resolves.toBe(1);
    await expect(archive.put(msg({ at: '2025-01-15T10:00:05.000Z', channel: 'retry' }))).resolves.toBe(1);
    await expect(archive.put(msg({ direction: 'out', messageType: 'pacs.002.001.10', body: '<a/>', channel: 'gateway' }))).resolves.toBe(2);
    await expect(archive.put(msg({ direction: 'out', messageType: 'pacs.002.001.10', body: '<b/>', channel: 'gateway' }))).resolves.toBe(3);
    await expect(archive.put(msg({ direction: 'out', messageType: 'pacs.008.001.08', body: '<Document>in</Document>', channel: 'host' }))).resolves.toBe(4);
    await expect(archive.put(msg({ transactionId: 'tx-2' }))).resolves.toBe(1);
    const list = await archive.list('tx-1');
    expect(list.map((m) => [m.seq, m.direction, m.messageType])).toEqual([
      [1, 'in', 'pacs.008.001.08'],
      [2, 'out', 'pacs.002.001.10'],
      [3, 'out', 'pacs.002.001.10'],
      [4, 'out', 'pacs.008.001.08'],
    ]);
    expect(list[0]).toEqual({ ...msg({}), seq: 1 });
    await expect(archive.list('none')).resolves.toEqual([]);
  });

  it('finds the latest message of a direction, optionally by type prefix', async () => {
    await expect(archive.latest('tx-1', 'out')).resolves.toMatchObject({ seq: 4 });
    await expect(archive.latest('tx-1', 'out', 'pacs.002')).resolves.toMatchObject({ seq: 3, body: '<b/>' });
    await expect(archive.latest('tx-1', 'in', 'pacs.002')).resolves.toBeNull();
    await expect(archive.latest('tx-1', 'in')).resolves.toMatchObject({ seq: 1 });
    await expect(archive.latest('tx-1', 'out', 'pacs.%')).resolves.toBeNull(); // no LIKE wildcards
    await expect(archive.latest('tx-9', 'out')).resolves.toBeNull();
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
         VALUES ('tx-1', 2, 'in', 'x', 'x', 'x', 'x', 'x')
         ON CONFLICT DO UPDATE SET body = 'x'`,
      ),
    ).toThrow(/append-only/);
    expect(db.get<{ body: string }>(`SELECT body FROM archived_messages WHERE transaction_id = 'tx-1' AND seq = 1`)!.body).toBe(
      '<Document>in</Document>',
    );
  });

  it('survives close and reopen', async () => {
    db.close();
    db = new EmbeddedDatabase({ dataDir: tmp.dir });
    archive = new SqliteMessageArchive(db);
    await expect(archive.list('tx-1')).resolves.toHaveLength(4);
    await expect(archive.ping()).resolves.toBeUndefined();
  });
});
