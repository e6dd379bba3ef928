// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { QueueBacklog } from '../ports/work-queue.port.js';

export interface QueueStats {
  /** What admission control samples: due and in-flight jobs, the oldest due job's wait, completions in the last minute. */
  backlog: QueueBacklog;
  /** Jobs by state in the queue's own words; null when the queue cannot count them. */
  counts: Readonly<Record<string, number>> | null;
  /** When these were read. */
  at: string;
}

/** The work queue's statistics (operator scope). */
export class GetQueueStatsQuery extends Query<QueueStats> {}
