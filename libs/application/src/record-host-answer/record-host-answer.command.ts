// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';
import type { HostOutcome } from '../ports/legacy-host.port.js';
import type { StepResult } from '../process-payment/process-payment.command.js';

/**
 * Applies an answer of the legacy host that came in on its own (over MQ, after the call that asked for it had
 * stopped waiting, or to another gateway process). Idempotent: an answer for a payment that is no longer
 * waiting on the host changes nothing.
 */
export class RecordHostAnswerCommand extends Command<StepResult> {
  constructor(
    readonly transactionId: string,
    readonly outcome: HostOutcome,
    /** Archive channel of the host's report, e.g. `host:amqp`. */
    readonly channel: string,
  ) {
    super();
  }
}
