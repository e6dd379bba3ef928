// SPDX-License-Identifier: Apache-2.0
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Payment } from '#domain';
import { CLOCK, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import { pageByUpdate } from '../operator-page.js';
import { ListAllInvestigationsQuery, ListInvestigationsQuery, type InvestigationList } from './list-investigations.query.js';

/** How many waiting (PDNG) payments one look reads at most. */
export const INVESTIGATION_SCAN = 5_000;

/**
 * The payments of a client whose outcome is unknown: PDNG payments under investigation, found through the
 * stores' index of non-terminal payments by last update (the one the sweepers use), oldest first.
 */
@QueryHandler(ListInvestigationsQuery)
export class ListInvestigationsHandler implements IQueryHandler<ListInvestigationsQuery, InvestigationList> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(q: ListInvestigationsQuery): Promise<InvestigationList> {
    const waiting = await this.repository.findStale(['PDNG'], new Date(this.clock.now().getTime() + 1), INVESTIGATION_SCAN);
    const mine = waiting.filter((p) => p.clientId === q.clientId && Payment.fromSnapshot(p).isOutcomeUnknown);
    return { count: mine.length, complete: waiting.length < INVESTIGATION_SCAN, items: mine.slice(0, Math.max(1, Math.min(q.limit, 500))) };
  }
}

/** The same across clients, in pages (a cursor after the last item's update time and id), for the operator API. */
@QueryHandler(ListAllInvestigationsQuery)
export class ListAllInvestigationsHandler implements IQueryHandler<
  ListAllInvestigationsQuery,
  InvestigationList & { nextCursor: string | null }
> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(q: ListAllInvestigationsQuery): Promise<InvestigationList & { nextCursor: string | null }> {
    const waiting = await this.repository.findStale(['PDNG'], new Date(this.clock.now().getTime() + 1), INVESTIGATION_SCAN);
    const unknown = waiting.filter((p) => Payment.fromSnapshot(p).isOutcomeUnknown);
    const page = pageByUpdate(unknown, q.limit, q.cursor);
    return { count: unknown.length, complete: waiting.length < INVESTIGATION_SCAN, items: page.items, nextCursor: page.nextCursor };
  }
}
