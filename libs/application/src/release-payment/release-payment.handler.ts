import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Payment, ReasonCode } from '#domain';
import { ConcurrentUpdateError } from '../application.errors.js';
import { CLOCK, LEGACY_HOST, MESSAGE_ARCHIVE, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { ledgerRejectionReason, settlementPostings, unsettleableReason } from '../ledger/settlement-postings.js';
import { commitTransition, loadPayment } from '../payment-steps.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import { LedgerError } from '../ports/ledger.port.js';
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
 *
 * MODE=core with the ledger: ACSP -> ACSC together with the settlement postings in one conditional write, or
 * RJCT (AM04, AC02, AC03, AM03) when the ledger refuses them. A stale or redelivered job posts nothing: the
 * write is conditional on the version.
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
    const ledger = this.settings.mode === 'core' && this.settings.ledger === true;
    if (ledger && payment.status === 'ACSC') return this.ensureStatusReport(payment);
    if (payment.status === 'ACTC') payment = await commitTransition(deps, payment, 'ACSP');
    if (payment.status !== 'ACSP' && payment.status !== 'PDNG') return 'skipped';
    // Held for a consumer's decision: nothing goes to the host until it is accepted.
    if (payment.isHeld) return 'skipped';

    if (ledger) return this.settleInLedger(payment);
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

  /**
   * Settles in the core-mode ledger: the status change to ACSC and the postings in one conditional write.
   * Its pacs.002 is archived right *after* that write (not before, as other terminal changes do), so a
   * refused settlement never leaves an ACSC report behind; a crash in between leaves the job unacked, and its
   * redelivery finds ACSC without a report and writes it (ensureStatusReport).
   */
  private async settleInLedger(payment: Payment): Promise<StepResult> {
    const deps = { repository: this.repository, reports: this.reports, clock: this.clock };
    const missing = unsettleableReason(payment.details);
    if (missing) {
      await commitTransition(deps, payment, 'RJCT', missing);
      return 'done';
    }
    const postings = settlementPostings(payment.details);
    const before = payment.toSnapshot();
    payment.transition('ACSC', this.clock.now());
    const settled = payment.toSnapshot();
    try {
      if (!(await this.repository.update(settled, before.version, [], postings))) {
        throw new ConcurrentUpdateError(payment.id);
      }
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      // Nothing was written: reject from the state as it was loaded, with the report in the outbox.
      await commitTransition(deps, Payment.fromSnapshot(before), 'RJCT', ledgerRejectionReason(e, before));
      return 'done';
    }
    await this.reports.write({ ...settled, version: before.version + 1 });
    return 'done';
  }

  /** A redelivered release job of a ledger-settled payment: writes its pacs.002 if the first run could not. */
  private async ensureStatusReport(payment: Payment): Promise<StepResult> {
    if (await this.archive.latest(payment.id, 'out', 'pacs.002')) return 'skipped';
    await this.reports.write(payment.toSnapshot());
    return 'done';
  }
}
