// SPDX-License-Identifier: Apache-2.0
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { TRANSACTION_REPOSITORY, WORK_QUEUE } from '../application.tokens.js';
import { decodeCursor, encodeCursor, pageSize } from '../operator-page.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { WorkQueue } from '../ports/work-queue.port.js';
import { ListDeadLettersQuery, type DeadLetterPage, type DeadLetterView } from './list-dead-letters.query.js';

/** Dead letters one look reads at most (the SQS queue scans its dead-letter queue for them). */
export const DEAD_LETTER_SCAN = 1_000;

/**
 * The dead-lettered jobs of every client, oldest first, each with its transaction's owner and status. The queue
 * answers its first DEAD_LETTER_SCAN dead letters; pages are cut from them by a cursor (time, then transaction).
 */
@QueryHandler(ListDeadLettersQuery)
export class ListDeadLettersHandler implements IQueryHandler<ListDeadLettersQuery, DeadLetterPage> {
  constructor(
    @Inject(WORK_QUEUE) private readonly queue: WorkQueue,
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
  ) {}

  async execute(q: ListDeadLettersQuery): Promise<DeadLetterPage> {
    const all = (await this.queue.listDeadLetters(DEAD_LETTER_SCAN))
      .map((d) => ({ transactionId: d.job.transactionId, jobType: d.job.type, reason: d.reason, attempts: d.attempts, at: d.at }))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.transactionId < b.transactionId ? -1 : 1));
    let rest = all;
    if (q.cursor) {
      const [at, id] = decodeCursor(q.cursor);
      rest = all.filter((d) => d.at > String(at) || (d.at === String(at) && d.transactionId > id));
    }
    const n = pageSize(q.limit);
    const page = rest.slice(0, n);
    const items: DeadLetterView[] = [];
    for (const d of page) {
      const p = await this.repository.get(d.transactionId);
      items.push({ ...d, clientId: p?.clientId ?? null, status: p?.status ?? null });
    }
    const last = page.at(-1);
    return { items, nextCursor: rest.length > n && last ? encodeCursor(last.at, last.transactionId) : null };
  }
}
