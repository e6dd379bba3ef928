import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ReasonCode } from '#domain';
import { CLOCK, LEGACY_HOST, MESSAGE_ARCHIVE, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { commitTransition, loadPayment } from '../payment-steps.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import { HostUnavailableError, type HostOutcome, type LegacyHost } from '../ports/legacy-host.port.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { StepResult } from '../process-payment/process-payment.command.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { ReleasePaymentCommand } from './release-payment.command.js';

/**
 * ACTC -> ACSP (stored before the host is called) -> ACSC | RJCT | PDNG. A redelivered job finds ACSP and
 * delivers again: the host is idempotent by UETR and answers with its first outcome, so nothing settles twice.
 */
@CommandHandler(ReleasePaymentCommand)
export class ReleasePaymentHandler implements ICommandHandler<ReleasePaymentCommand, StepResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
    @Inject(LEGACY_HOST) private readonly host: LegacyHost,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
    private readonly reports: StatusReportWriter,
  ) {}

  async execute(cmd: ReleasePaymentCommand): Promise<StepResult> {
    const deps = { repository: this.repository, reports: this.reports, clock: this.clock };
    let payment = await loadPayment(this.repository, cmd.transactionId);
    if (payment.status === 'ACTC') payment = await commitTransition(deps, payment, 'ACSP');
    if (payment.status !== 'ACSP' && payment.status !== 'PDNG') return 'skipped';
    // Held for a consumer's decision: nothing goes to the host until it is accepted.
    if (payment.isHeld) return 'skipped';

    if (this.settings.mode === 'core') {
      await commitTransition(deps, payment, 'ACSC');
      return 'done';
    }

    const raw = await this.archive.latest(payment.id, 'in', payment.details.messageType);
    if (!raw) throw new Error(`transaction ${payment.id} has no archived inbound message to release`);
    let outcome: HostOutcome;
    try {
      outcome = await this.host.deliver({
        transactionId: payment.id,
        uetr: payment.details.uetr,
        idempotencyKey: payment.details.uetr ?? payment.id,
        messageType: payment.details.messageType,
        message: raw.body,
      });
    } catch (e) {
      if (cmd.finalAttempt && e instanceof HostUnavailableError) {
        await commitTransition(deps, payment, 'RJCT', {
          code: ReasonCode.TIMEOUT_INSTRUCTED_AGENT,
          text: 'no answer from the legacy host within the SLA',
        });
        return 'done';
      }
      throw e;
    }
    if (outcome.statusReport) {
      await this.archive.put({
        transactionId: payment.id,
        direction: 'in',
        messageType: 'pacs.002.001.10',
        channel: `host:${this.host.name}`,
        body: outcome.statusReport,
        at: this.clock.now().toISOString(),
      });
    }
    switch (outcome.kind) {
      case 'settled':
        await commitTransition(deps, payment, 'ACSC');
        return 'done';
      case 'rejected':
        await commitTransition(deps, payment, 'RJCT', {
          code: outcome.reasonCode,
          text: outcome.reasonText,
        });
        return 'done';
      case 'pending':
        if (cmd.finalAttempt) {
          await commitTransition(deps, payment, 'RJCT', {
            code: ReasonCode.TIMEOUT_INSTRUCTED_AGENT,
            text: 'the legacy host gave no final answer within the SLA',
          });
        } else if (payment.status !== 'PDNG') {
          // Parked: the recovery sweeper asks again later, the SLA sweeper ends it.
          await commitTransition(deps, payment, 'PDNG', { code: 'NARR', text: 'awaiting the legacy host' });
        }
        return 'done';
    }
  }
}
