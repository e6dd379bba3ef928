// SPDX-License-Identifier: Apache-2.0
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NON_TERMINAL_STATUSES } from '#domain';
import { CLOCK, TRANSACTION_REPOSITORY, WORK_QUEUE } from '../application.tokens.js';
import { pageByUpdate } from '../operator-page.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { WorkQueue } from '../ports/work-queue.port.js';
import { ListStuckPaymentsQuery, type StuckPaymentPage } from './list-stuck-payments.query.js';

/** Stuck payments one look reads at most, through the sweepers' index of non-terminal payments by last update. */
export const STUCK_SCAN = 5_000;

/**
 * The payments that have not moved for a while, across clients, each with the job that will still carry it on
 * (a payment with one is waiting in the queue, not stranded: the recovery sweeper leaves it alone too).
 */
@QueryHandler(ListStuckPaymentsQuery)
export class ListStuckPaymentsHandler implements IQueryHandler<ListStuckPaymentsQuery, StuckPaymentPage> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(WORK_QUEUE) private readonly queue: WorkQueue,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(q: ListStuckPaymentsQuery): Promise<StuckPaymentPage> {
    const before = new Date(this.clock.now().getTime() - Math.max(0, q.olderThanSeconds) * 1000);
    const stale = await this.repository.findStale(NON_TERMINAL_STATUSES, before, STUCK_SCAN);
    const page = pageByUpdate(stale, q.limit, q.cursor);
    const live = page.items.length ? await this.queue.liveJobs(page.items.map((p) => p.id)) : new Map();
    return {
      items: page.items.map((payment) => ({ payment, liveJob: live === null ? undefined : (live.get(payment.id) ?? null) })),
      nextCursor: page.nextCursor,
      complete: stale.length < STUCK_SCAN,
    };
  }
}
