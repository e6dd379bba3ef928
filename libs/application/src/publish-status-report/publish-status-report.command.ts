// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';
import type { StepResult } from '../process-payment/process-payment.command.js';

/** Worker step: publish the transaction's latest outgoing status message to the outbound channel. */
export class PublishStatusReportCommand extends Command<StepResult> {
  constructor(
    readonly transactionId: string,
    /** The status whose report to publish (a later status may have its own report by now); null: the latest. */
    readonly status: string | null = null,
  ) {
    super();
  }
}
