// SPDX-License-Identifier: Apache-2.0
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { MESSAGE_ARCHIVE, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import { committedOutgoing } from '../own-messages.js';
import { GetOutboxQuery, type OutboxResult } from './get-outbox.query.js';

@QueryHandler(GetOutboxQuery)
export class GetOutboxHandler implements IQueryHandler<GetOutboxQuery, OutboxResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
  ) {}

  async execute(q: GetOutboxQuery): Promise<OutboxResult> {
    const p = await this.repository.get(q.transactionId);
    if (!p || p.clientId !== q.clientId) return { kind: 'not-found' };
    // Only what the stored transaction committed: a message archived by a step whose write lost (or by a
    // refused request) is never served.
    const committed = committedOutgoing(p, await this.archive.list(q.transactionId));
    const message = committed.findLast((m) => !q.typePrefix || m.messageType.startsWith(q.typePrefix));
    return message ? { kind: 'message', message } : { kind: 'empty' };
  }
}
