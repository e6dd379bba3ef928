// SPDX-License-Identifier: Apache-2.0
import type { LiveJob, WorkQueue } from './ports/work-queue.port.js';

/**
 * The one rule for "does this payment already have a job that will carry it on" (recovery sweeper, operator
 * re-drive, a client's re-drive): the queue's live jobs of `transactionIds`. A queue that cannot look jobs up by
 * transaction (SQS: `liveJobs` answers null) can only tell when it is idle: then none of them has one (an empty
 * map); while any job waits or runs it answers `'busy'`, and nothing may be re-driven.
 */
export async function liveJobsUnlessBusy(
  queue: WorkQueue,
  transactionIds: readonly string[],
  now: Date,
): Promise<ReadonlyMap<string, LiveJob> | 'busy'> {
  const live = await queue.liveJobs(transactionIds);
  if (live !== null) return live;
  const backlog = await queue.backlog(now);
  return backlog.queued > 0 || backlog.inflight > 0 ? 'busy' : new Map();
}
