import { Command } from '@nestjs/cqrs';

export interface SweepResult {
  timedOut: number;
  redriven: number;
  /** Past the SLA but still waiting in the gateway's own queue (not timed out). */
  waiting: number;
}

/** One pass of the sweepers: SLA timeouts, then re-drive of stranded payments. */
export class SweepStalePaymentsCommand extends Command<SweepResult> {
  constructor(readonly batchSize = 100) {
    super();
  }
}
