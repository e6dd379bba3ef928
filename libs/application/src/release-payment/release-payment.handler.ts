import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, EventBus } from '@nestjs/cqrs';
import { Payment } from '#domain';
import { PACS002_MESSAGE_ID } from '#iso20022';
import { CLOCK, LEGACY_HOST, MESSAGE_ARCHIVE, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { ledgerRejectionReason, settlementPostings, unsettleableReason } from '../ledger/settlement-postings.js';
import { archiveHostAnswer, deliverOwnMessage } from '../host-delivery.js';
import { inquiryJob } from '../payment-jobs.js';
import { loadPayment, savePayment } from '../payment-steps.js';
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
 * ACTC -> ACSP (stored before the host is called) -> ACSC | RJCT | PDNG. What goes to the host is exactly the
 * message the payment was created from (found by the digest recorded at receipt), never another message
 * archived under its id. A redelivered job finds ACSP and delivers again: the host is idempotent by UETR and
 * answers with its first outcome, so nothing settles twice.
 *
 * On the final attempt (the SLA sweeper's last ask) a host that cannot be reached or has no final answer does
 * not make the payment a rejection: its outcome is unknown, so it is put under investigation (PDNG) and a
 * status request is scheduled (see inquire-payment-status).
 *
 * MODE=core with the ledger: ACSP -> ACSC together with the settlement postings and its report in one
 * conditional write, or RJCT (AM04, AC02, AC03, AM03) when the ledger refuses them.
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
    @Optional() @Inject(EventBus) private readonly events: EventBus | null = null,
  ) {}

  private get deps() {
    return { repository: this.repository, reports: this.reports, clock: this.clock, events: this.events };
  }

  async execute(cmd: ReleasePaymentCommand): Promise<StepResult> {
    let payment = await loadPayment(this.repository, cmd.transactionId);
    if (payment.status === 'ACTC') {
      payment.markReleased(this.clock.now());
      payment = await savePayment(this.deps, payment);
    }
    if (payment.status !== 'ACSP' && payment.status !== 'PDNG') return 'skipped';
    // Held for a consumer's decision: nothing goes to the host until it is accepted.
    if (payment.isHeld) return 'skipped';
    // Under investigation: the status request decides (a late job must not re-decide it).
    if (payment.isOutcomeUnknown) return 'skipped';

    const ledger = this.settings.mode === 'core' && this.settings.ledger === true;
    if (ledger) return this.settleInLedger(payment);
    if (this.settings.mode === 'core') {
      payment.applyHostOutcome({ kind: 'settled' }, this.clock.now());
      await savePayment(this.deps, payment);
      return 'done';
    }

    let outcome: HostOutcome;
    try {
      outcome = await deliverOwnMessage(this.host, this.archive, payment);
    } catch (e) {
      if (cmd.finalAttempt && e instanceof HostUnavailableError) {
        await this.investigate(payment, `no answer from the legacy host within the SLA (${e.message})`);
        return 'done';
      }
      throw e;
    }
    await archiveHostAnswer({ archive: this.archive, clock: this.clock }, payment.id, {
      messageType: PACS002_MESSAGE_ID,
      channel: `host:${this.host.name}`,
      body: outcome.statusReport,
    });
    return this.apply(payment, outcome, cmd.finalAttempt);
  }

  /** Applies the host's answer: settled or rejected are final; pending parks the payment (or, at the SLA, investigates). */
  private async apply(payment: Payment, outcome: HostOutcome, finalAttempt: boolean): Promise<StepResult> {
    if (outcome.kind === 'pending' && finalAttempt) {
      await this.investigate(payment, 'the legacy host gave no final answer within the SLA');
      return 'done';
    }
    // Pending parks it (the recovery sweeper asks again later, the SLA sweeper investigates).
    const now = this.clock.now();
    const changed = payment.applyHostOutcome(
      outcome.kind === 'rejected'
        ? { kind: 'rejected', reason: { code: outcome.reasonCode, text: outcome.reasonText } }
        : { kind: outcome.kind },
      now,
    );
    if (changed) await savePayment(this.deps, payment);
    return 'done';
  }

  /** Outcome unknown: PDNG under investigation with its first status request scheduled, in one save. */
  private async investigate(payment: Payment, why: string): Promise<void> {
    payment.markOutcomeUnknown(this.clock.now(), why);
    await savePayment(this.deps, payment, { jobs: [inquiryJob(payment.id, 0, this.clock.now())] });
  }

  /** Settles in the core-mode ledger: ACSC, the postings and the report in one conditional write. */
  private async settleInLedger(payment: Payment): Promise<StepResult> {
    const now = this.clock.now();
    const missing = unsettleableReason(payment.details);
    if (missing) {
      payment.applyHostOutcome({ kind: 'rejected', reason: missing }, now);
      await savePayment(this.deps, payment);
      return 'done';
    }
    const before = payment.toSnapshot();
    try {
      payment.applyHostOutcome({ kind: 'settled' }, now);
      await savePayment(this.deps, payment, { postings: settlementPostings(before) });
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      // Nothing was written: reject from the state as it was loaded, with its report.
      const refused = Payment.fromSnapshot(before);
      refused.applyHostOutcome({ kind: 'rejected', reason: ledgerRejectionReason(e, before) }, now);
      await savePayment(this.deps, refused);
    }
    return 'done';
  }
}
