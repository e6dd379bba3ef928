// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, EventBus } from '@nestjs/cqrs';
import { PACS002_MESSAGE_ID } from '#iso20022';
import { CLOCK, MESSAGE_ARCHIVE, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { archiveHostAnswer } from '../host-delivery.js';
import { loadPayment, onFreshState, savePayment } from '../payment-steps.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { StepResult } from '../process-payment/process-payment.command.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { RecordHostAnswerCommand } from './record-host-answer.command.js';

/**
 * ACSP | PDNG -> ACSC | RJCT (| PDNG) from a host answer, the same transitions the release step makes for an
 * answer it waited for. A payment in any other status (already decided, or not yet released) is left alone.
 */
@CommandHandler(RecordHostAnswerCommand)
export class RecordHostAnswerHandler implements ICommandHandler<RecordHostAnswerCommand, StepResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly reports: StatusReportWriter,
    @Optional() @Inject(EventBus) private readonly events: EventBus | null = null,
  ) {}

  async execute(cmd: RecordHostAnswerCommand): Promise<StepResult> {
    const deps = { repository: this.repository, reports: this.reports, clock: this.clock, events: this.events };
    return onFreshState(async () => {
      const payment = await loadPayment(this.repository, cmd.transactionId);
      if ((payment.status !== 'ACSP' && payment.status !== 'PDNG') || payment.isHeld) return 'skipped';
      const { outcome } = cmd;
      if (outcome.kind === 'pending' && payment.status === 'PDNG') return 'skipped';
      await archiveHostAnswer({ archive: this.archive, clock: this.clock }, payment.id, {
        messageType: PACS002_MESSAGE_ID,
        channel: cmd.channel,
        body: outcome.statusReport,
      });
      const changed = payment.applyHostOutcome(
        outcome.kind === 'rejected'
          ? { kind: 'rejected', reason: { code: outcome.reasonCode, text: outcome.reasonText } }
          : { kind: outcome.kind },
        this.clock.now(),
      );
      if (changed) await savePayment(deps, payment);
      return changed ? 'done' : 'skipped';
    });
  }
}
