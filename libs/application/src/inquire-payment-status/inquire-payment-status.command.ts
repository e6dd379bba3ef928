// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';
import type { StepResult } from '../process-payment/process-payment.command.js';

/** Worker step for a payment whose outcome at the host is unknown: ask the host (pacs.028) and apply its answer. */
export class InquirePaymentStatusCommand extends Command<StepResult> {
  constructor(readonly transactionId: string) {
    super();
  }
}
