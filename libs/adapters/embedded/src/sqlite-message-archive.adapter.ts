// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import type { ArchiveDirection, ArchivedMessage, MessageArchive, StoredMessage } from '#application';
import type { EmbeddedDatabase } from './embedded-database.js';

interface MessageRow {
  transaction_id: string;
  seq: number;
  direction: ArchiveDirection;
  message_type: string;
  channel: string;
  body: string;
  at: string;
}

const COLUMNS = 'transaction_id, seq, direction, message_type, channel, body, at';

/**
 * Every raw inbound and outbound message, by transaction, in an append-only table: SQLite triggers
 * refuse UPDATE and DELETE, so not even a bug in this process can rewrite history.
 */
export class SqliteMessageArchive implements MessageArchive {
  constructor(private readonly db: EmbeddedDatabase) {}

  /** Appends; the same (transaction, direction, type, body) archived again returns the first copy's seq. */
  async put(message: ArchivedMessage): Promise<number> {
    if (message.direction !== 'in' && message.direction !== 'out') {
      throw new Error(`archive direction must be 'in' or 'out', got ${String(message.direction)}`);
    }
    const sha256 = createHash('sha256').update(message.body, 'utf8').digest('hex');
    return this.db.write(() => {
      const existing = this.db.get<{ seq: number }>(
        `SELECT seq FROM archived_messages
         WHERE transaction_id = ? AND direction = ? AND message_type = ? AND sha256 = ?`,
        message.transactionId,
        message.direction,
        message.messageType,
        sha256,
      );
      if (existing) return existing.seq;
      const next = this.db.get<{ seq: number }>(
        'SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM archived_messages WHERE transaction_id = ?',
        message.transactionId,
      )!.seq;
      this.db.run(
        `INSERT INTO archived_messages (transaction_id, seq, direction, message_type, channel, body, sha256, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        message.transactionId,
        next,
        message.direction,
        message.messageType,
        message.channel,
        message.body,
        sha256,
        message.at,
      );
      return next;
    });
  }

  async list(transactionId: string): Promise<StoredMessage[]> {
    return this.db
      .all<MessageRow>(`SELECT ${COLUMNS} FROM archived_messages WHERE transaction_id = ? ORDER BY seq`, transactionId)
      .map(toStored);
  }

  async latest(transactionId: string, direction: ArchiveDirection, typePrefix?: string): Promise<StoredMessage | null> {
    const row = typePrefix
      ? this.db.get<MessageRow>(
          `SELECT ${COLUMNS} FROM archived_messages
           WHERE transaction_id = ? AND direction = ? AND substr(message_type, 1, length(?)) = ?
           ORDER BY seq DESC LIMIT 1`,
          transactionId,
          direction,
          typePrefix,
          typePrefix,
        )
      : this.db.get<MessageRow>(
          `SELECT ${COLUMNS} FROM archived_messages WHERE transaction_id = ? AND direction = ?
           ORDER BY seq DESC LIMIT 1`,
          transactionId,
          direction,
        );
    return row ? toStored(row) : null;
  }

  async ping(): Promise<void> {
    this.db.ping();
  }
}

function toStored(row: MessageRow): StoredMessage {
  return {
    transactionId: row.transaction_id,
    seq: row.seq,
    direction: row.direction,
    messageType: row.message_type,
    channel: row.channel,
    body: row.body,
    at: row.at,
  };
}
