// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';
import type { JobType } from '../ports/work-queue.port.js';

/** Which payments to re-drive: named ones, or those a filter finds (at least one of the three). */
export interface RedriveSelection {
  transactionIds?: readonly string[];
  /** Every transaction with a dead-lettered job. */
  deadLettered?: boolean;
  /** Every non-terminal payment not updated for this many seconds (the stuck list). */
  stuckOlderThanSeconds?: number;
}

export type RedriveOutcome =
  /** Done (or, in a dry run, what would be done): its dead-lettered jobs moved back, or its next step enqueued. */
  | { transactionId: string; outcome: 'redriven'; via: 'dead-letter' | 'next-step'; jobType: JobType | null }
  | { transactionId: string; outcome: 'skipped'; reason: string };

export interface RedriveResult {
  dryRun: boolean;
  redriven: number;
  skipped: number;
  items: RedriveOutcome[];
}

/** Most transactions one re-drive handles; a filter that finds more takes the oldest. */
export const MAX_REDRIVE = 1_000;

/**
 * An operator's bulk re-drive (operator scope): each selected payment's dead-lettered jobs go back to the queue,
 * or a stranded payment (no live job) gets the job of its next step, as the recovery sweeper would give it. A dry
 * run answers the same outcomes and changes nothing.
 */
export class RedrivePaymentsCommand extends Command<RedriveResult> {
  constructor(
    readonly selection: RedriveSelection,
    readonly dryRun: boolean,
    /** Who asks (the operator client's id), recorded on each payment re-driven. */
    readonly by: string,
  ) {
    super();
  }
}
