// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';

export interface SweepResult {
  timedOut: number;
  redriven: number;
  /** Past the SLA but still waiting in the gateway's own queue (not timed out). */
  waiting: number;
}

/** One pass of the sweepers: SLA timeouts, then re-drive of stranded payments. */
export class SweepStalePaymentsCommand extends Command<SweepResult> {
  constructor(
    readonly batchSize = 100,
    /**
     * The home regions whose payments this pass looks after: this region and those it took over (issue 15); a
     * payment recorded before regions counts as everyone's. Null: every payment (one region).
     */
    readonly regions: readonly string[] | null = null,
  ) {
    super();
  }
}
