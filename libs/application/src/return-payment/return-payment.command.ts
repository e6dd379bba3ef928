// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';
import type { StepResult } from '../process-payment/process-payment.command.js';

/** The return job: send the pacs.004 of a settled payment to the legacy host and record its answer. */
export class ReturnPaymentCommand extends Command<StepResult> {
  constructor(readonly transactionId: string) {
    super();
  }
}
