// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { MESSAGE_ARCHIVE, STATUS_PUBLISHER, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { TransactionNotFoundError } from '../application.errors.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { StatusPublisher } from '../ports/status-publisher.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { StepResult } from '../process-payment/process-payment.command.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { committedOutgoing } from '../own-messages.js';
import { PublishStatusReportCommand } from './publish-status-report.command.js';

/**
 * Publishes the latest outgoing message of a terminal transaction. The job that runs it is written in the same
 * store transaction as the status change (see savePayment), so a crash between storing and publishing
 * means a redelivered job, never a lost message: delivery to the outbound channel is at-least-once.
 */
@CommandHandler(PublishStatusReportCommand)
export class PublishStatusReportHandler implements ICommandHandler<PublishStatusReportCommand, StepResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
    @Optional() @Inject(STATUS_PUBLISHER) private readonly publisher: StatusPublisher | null = null,
  ) {}

  async execute(cmd: PublishStatusReportCommand): Promise<StepResult> {
    if (!this.publisher) return 'skipped';
    const payment = await this.repository.get(cmd.transactionId);
    if (!payment) throw new TransactionNotFoundError(cmd.transactionId);
    const out = committedOutgoing(payment, await this.archive.list(cmd.transactionId));
    // The report of the job's status, found by its deterministic MsgId; else the latest outgoing message.
    const marker = cmd.status ? `<MsgId>${StatusReportWriter.reportMsgId(payment.id, cmd.status)}</MsgId>` : null;
    const message = (marker ? out.findLast((m) => m.body.includes(marker)) : undefined) ?? out.at(-1);
    if (!message) return 'skipped';
    await this.publisher.publish({
      transactionId: payment.id,
      clientId: payment.clientId,
      uetr: payment.uetr,
      status: cmd.status ?? payment.status,
      messageType: message.messageType,
      body: message.body,
    });
    return 'done';
  }
}
