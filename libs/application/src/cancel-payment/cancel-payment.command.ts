// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';
import type { StepResult } from '../process-payment/process-payment.command.js';

/** The cancel job: send the camt.056 of a released payment to the legacy host and apply its camt.029. */
export class CancelPaymentCommand extends Command<StepResult> {
  constructor(readonly transactionId: string) {
    super();
  }
}
