// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';
import type { StepResult } from '../process-payment/process-payment.command.js';

/** Worker step 2: release to the legacy host (proxy) or settle (core), and record the outcome. */
export class ReleasePaymentCommand extends Command<StepResult> {
  constructor(
    readonly transactionId: string,
    /** Set by the SLA sweeper: no final answer now puts the payment under investigation (outcome unknown), not another retry. */
    readonly finalAttempt = false,
  ) {
    super();
  }
}
