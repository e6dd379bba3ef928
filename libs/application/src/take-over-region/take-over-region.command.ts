// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';

/**
 * Carries on the in-flight payments of a region this one took over (issue 15): every non-terminal payment whose
 * home region is `region` and that nobody moved for RECOVERY_AFTER_SECONDS gets the job of its next step in this
 * region's queue, from its last durable step. The failed region's queue is gone with it, so no live-job check
 * applies; one job per payment version and takeover epoch (the deduplication id), and every step checks the stored
 * state first, so a payment is never carried twice through a step.
 */
export class TakeOverRegionCommand extends Command<{ redriven: number }> {
  constructor(
    readonly region: string,
    /** The epoch of the takeover (the failed region's epoch after it): part of each job's deduplication id. */
    readonly epoch: number,
    readonly batchSize = 500,
  ) {
    super();
  }
}
