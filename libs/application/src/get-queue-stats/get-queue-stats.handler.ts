// SPDX-License-Identifier: Apache-2.0
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, WORK_QUEUE } from '../application.tokens.js';
import type { Clock } from '../ports/support.port.js';
import type { WorkQueue } from '../ports/work-queue.port.js';
import { GetQueueStatsQuery, type QueueStats } from './get-queue-stats.query.js';

/** Completions are counted over this window. */
export const COMPLETED_WINDOW_MS = 60_000;

@QueryHandler(GetQueueStatsQuery)
export class GetQueueStatsHandler implements IQueryHandler<GetQueueStatsQuery, QueueStats> {
  constructor(
    @Inject(WORK_QUEUE) private readonly queue: WorkQueue,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(): Promise<QueueStats> {
    const now = this.clock.now();
    const [backlog, counts] = await Promise.all([
      this.queue.backlog(new Date(now.getTime() - COMPLETED_WINDOW_MS)),
      this.queue.stats ? this.queue.stats() : Promise.resolve(null),
    ]);
    return { backlog, counts, at: now.toISOString() };
  }
}
