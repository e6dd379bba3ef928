// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import type { ArchiveDirection, ArchivedMessage, MessageArchive, StoredMessage } from '#application';
import type { PostgresDatabase } from './postgres-database.js';

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
 * Every raw inbound and outbound message, by transaction, in an append-only table on PostgreSQL (issue 16): the
 * server's triggers refuse UPDATE, DELETE and TRUNCATE. Appends of one transaction are serialised by a
 * transaction-scoped advisory lock, so concurrent writers number its messages 1, 2, 3… without gaps or clashes.
 */
export class PostgresMessageArchive implements MessageArchive {
  constructor(private readonly db: PostgresDatabase) {}

  /** Appends; the same (transaction, direction, type, body) archived again returns the first copy's seq. */
  async put(message: ArchivedMessage): Promise<number> {
    if (message.direction !== 'in' && message.direction !== 'out') {
      throw new Error(`archive direction must be 'in' or 'out', got ${String(message.direction)}`);
    }
    const sha256 = createHash('sha256').update(message.body, 'utf8').digest('hex');
    return this.db.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [message.transactionId]);
      const existing = await c.query<{ seq: number }>(
        `SELECT seq FROM archived_messages WHERE transaction_id = $1 AND direction = $2 AND message_type = $3 AND sha256 = $4`,
        [message.transactionId, message.direction, message.messageType, sha256],
      );
      if (existing.rows[0]) return existing.rows[0].seq;
      const { rows } = await c.query<{ seq: number }>(
        `INSERT INTO archived_messages (transaction_id, seq, direction, message_type, channel, body, sha256, at)
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7 FROM archived_messages WHERE transaction_id = $1
         RETURNING seq`,
        [message.transactionId, message.direction, message.messageType, message.channel, message.body, sha256, message.at],
      );
      return rows[0]!.seq;
    });
  }

  async list(transactionId: string): Promise<StoredMessage[]> {
    const { rows } = await this.db.run<MessageRow>(`SELECT ${COLUMNS} FROM archived_messages WHERE transaction_id = $1 ORDER BY seq`, [
      transactionId,
    ]);
    return rows.map(toStored);
  }

  async latest(transactionId: string, direction: ArchiveDirection, typePrefix?: string): Promise<StoredMessage | null> {
    const { rows } = await this.db.run<MessageRow>(
      `SELECT ${COLUMNS} FROM archived_messages
       WHERE transaction_id = $1 AND direction = $2 AND ($3::text IS NULL OR starts_with(message_type, $3))
       ORDER BY seq DESC LIMIT 1`,
      [transactionId, direction, typePrefix ?? null],
    );
    return rows[0] ? toStored(rows[0]) : null;
  }

  async ping(): Promise<void> {
    await this.db.run('SELECT 1');
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
