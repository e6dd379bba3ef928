// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';

export type StepResult = 'done' | 'skipped';

/** Worker step 1: business validation and routing of a received payment. */
export class ProcessPaymentCommand extends Command<StepResult> {
  constructor(readonly transactionId: string) {
    super();
  }
}
