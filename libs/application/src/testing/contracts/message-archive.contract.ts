// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import type { ArchivedMessage, MessageArchive } from '../../ports/message-archive.port.js';
import { contractTest, SETUP_TIMEOUT_MS } from './contract.fixtures.js';

export interface MessageArchiveHarness {
  archive: MessageArchive;
  /** A second archive over the same storage (another process, or the same one after a restart). */
  reopen(): Promise<MessageArchive>;
  close(): Promise<void>;
}

/** The MessageArchive port's contract; transaction ids are fresh per test, so one storage may serve all. */
export function messageArchiveContract(open: () => Promise<MessageArchiveHarness>): void {
  describe('MessageArchive contract', () => {
    const it = contractTest;
    let h: MessageArchiveHarness;
    let archive: MessageArchive;
    let tx: string;

    beforeEach(async () => {
      h = await open();
      archive = h.archive;
      tx = randomUUID();
    }, SETUP_TIMEOUT_MS);
    afterEach(async () => {
      await h?.close();
    });

    const msg = (over: Partial<ArchivedMessage> = {}): ArchivedMessage => ({
      transactionId: tx,
      direction: 'in',
      messageType: 'pacs.008.001.08',
      channel: 'api',
      body: '<Document>in ü</Document>\n',
      at: '2025-01-15T10:00:00.000Z',
      ...over,
    });

    const fill = async () => {
      await expect(archive.put(msg())).resolves.toBe(1);
      // the same message again (a retried step): the first copy's seq, nothing new stored
      await expect(archive.put(msg({ at: '2025-01-15T10:00:05.000Z', channel: 'retry' }))).resolves.toBe(1);
      await expect(archive.put(msg({ direction: 'out', messageType: 'pacs.002.001.10', body: '<a/>', channel: 'gateway' }))).resolves.toBe(
        2,
      );
      await expect(archive.put(msg({ direction: 'out', messageType: 'pacs.002.001.10', body: '<b/>', channel: 'gateway' }))).resolves.toBe(
        3,
      );
      // the same body in another direction and type is another message
      await expect(archive.put(msg({ direction: 'out', messageType: 'pacs.008.001.08', channel: 'host' }))).resolves.toBe(4);
    };

    it('appends with a per-transaction seq and is idempotent on the same message', async () => {
      await fill();
      const other = randomUUID();
      await expect(archive.put(msg({ transactionId: other }))).resolves.toBe(1);
      const list = await archive.list(tx);
      expect(list.map((m) => [m.seq, m.direction, m.messageType, m.channel])).toEqual([
        [1, 'in', 'pacs.008.001.08', 'api'],
        [2, 'out', 'pacs.002.001.10', 'gateway'],
        [3, 'out', 'pacs.002.001.10', 'gateway'],
        [4, 'out', 'pacs.008.001.08', 'host'],
      ]);
      expect(list[0]).toEqual({ ...msg(), seq: 1 });
      await expect(archive.list(other)).resolves.toHaveLength(1);
      await expect(archive.list(randomUUID())).resolves.toEqual([]);
    });

    it('finds the latest message of a direction, optionally by type prefix', async () => {
      await fill();
      await expect(archive.latest(tx, 'out')).resolves.toMatchObject({ seq: 4 });
      await expect(archive.latest(tx, 'out', 'pacs.002')).resolves.toMatchObject({ seq: 3, body: '<b/>' });
      await expect(archive.latest(tx, 'in', 'pacs.002')).resolves.toBeNull();
      await expect(archive.latest(tx, 'in')).resolves.toEqual({ ...msg(), seq: 1 });
      await expect(archive.latest(tx, 'out', 'pacs.%')).resolves.toBeNull(); // no wildcards
      await expect(archive.latest(randomUUID(), 'out')).resolves.toBeNull();
    });

    it('refuses a direction other than in or out', async () => {
      await expect(archive.put(msg({ direction: 'sideways' as 'in' }))).rejects.toThrow(/direction/);
      await expect(archive.list(tx)).resolves.toEqual([]);
    });

    it('keeps everything for another instance over the same storage', async () => {
      await fill();
      const again = await h.reopen();
      await expect(again.list(tx)).resolves.toHaveLength(4);
      await expect(again.put(msg())).resolves.toBe(1);
      await expect(again.put(msg({ body: '<new/>' }))).resolves.toBe(5);
      await expect(again.ping()).resolves.toBeUndefined();
    });
  });
}
