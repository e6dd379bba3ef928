// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, EventBus } from '@nestjs/cqrs';
import type { Payment } from '#domain';
import { CLOCK, LEGACY_HOST, MESSAGE_ARCHIVE, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { CONNECTORS } from '../application.tokens.js';
import type { ConnectorSet } from '../routing/connector-set.js';
import { PACS002_MESSAGE_ID, PACS028_MESSAGE_ID } from '#iso20022';
import { AnswerWriter } from '../answers/answer.writer.js';
import { hostIdempotencyKey } from '../host-idempotency.js';
import { archiveHostAnswer, deliverOwnMessage } from '../host-delivery.js';
import { inquiryJob } from '../payment-jobs.js';
import { loadPayment, savePayment } from '../payment-steps.js';
import {
  HostUnavailableError,
  statusRequestKey,
  type HostOutcome,
  type HostStatusOutcome,
  type LegacyHost,
} from '../ports/legacy-host.port.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { StepResult } from '../process-payment/process-payment.command.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { InquirePaymentStatusCommand } from './inquire-payment-status.command.js';

/**
 * A payment whose outcome at the host is unknown (PDNG under investigation) is never reported rejected: this
 * step asks the host for its status with a pacs.028 over the same transport the payment went, and applies the
 * definitive answer (ACSC, or RJCT with the host's reason) with its report in one save. When the host has no
 * record of it, its own message is delivered again (idempotent by its key) and that answer decides. Anything
 * else (still pending, host unreachable) is recorded on the investigation and asked again later, with backoff.
 */
@CommandHandler(InquirePaymentStatusCommand)
export class InquirePaymentStatusHandler implements ICommandHandler<InquirePaymentStatusCommand, StepResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
    @Inject(LEGACY_HOST) private readonly host: LegacyHost,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly reports: StatusReportWriter,
    private readonly answers: AnswerWriter,
    @Optional() @Inject(EventBus) private readonly events: EventBus | null = null,
    @Optional() @Inject(CONNECTORS) private readonly connectors: ConnectorSet | null = null,
  ) {}

  private get deps() {
    return { repository: this.repository, reports: this.reports, clock: this.clock, events: this.events };
  }

  /** The connector the payment went to (routed), else the one legacy host. */
  private hostOf(payment: { details: { route?: { connector: string | null } | null } }): LegacyHost {
    return this.connectors ? this.connectors.host(payment.details.route) : this.host;
  }

  async execute(cmd: InquirePaymentStatusCommand): Promise<StepResult> {
    const payment = await loadPayment(this.repository, cmd.transactionId);
    if (!payment.isOutcomeUnknown) return 'skipped';
    // The n-th status request (its own idempotency key: the answer may have changed since the last one). The
    // pacs.028 is kept in the archive (what was asked, when); the consumer's outbox is not about it.
    const n = (payment.details.investigation?.inquiries ?? 0) + 1;
    const request = await this.answers.statusRequest(payment.toSnapshot(), n);
    await this.archive.put({
      transactionId: payment.id,
      direction: 'out',
      messageType: PACS028_MESSAGE_ID,
      channel: `host:${this.hostOf(payment).name}`,
      body: request,
      at: this.clock.now().toISOString(),
    });
    let answer: HostStatusOutcome;
    try {
      answer = await this.hostOf(payment).requestStatus({
        transactionId: payment.id,
        uetr: payment.details.uetr,
        idempotencyKey: statusRequestKey(hostIdempotencyKey(payment.details), n),
        messageType: PACS028_MESSAGE_ID,
        message: request,
      });
    } catch (e) {
      if (!(e instanceof HostUnavailableError)) throw e;
      return this.askAgain(payment, `the host could not be asked: ${e.message}`);
    }
    if (answer.kind === 'unknown') {
      // The host never got it (or lost it): deliver its own message again; that answer decides.
      let delivered: HostOutcome;
      try {
        delivered = await deliverOwnMessage(this.hostOf(payment), this.archive, payment, this.connectors);
      } catch (e) {
        if (!(e instanceof HostUnavailableError)) throw e;
        return this.askAgain(payment, `the host has no record of it and could not take it again: ${e.message}`);
      }
      return this.apply(payment, delivered, 'delivered again after the host had no record of it; no final answer yet');
    }
    return this.apply(payment, answer, 'the host has not decided yet');
  }

  private async apply(payment: Payment, outcome: HostOutcome, pendingNote: string): Promise<StepResult> {
    await archiveHostAnswer({ archive: this.archive, clock: this.clock }, payment.id, {
      messageType: PACS002_MESSAGE_ID,
      channel: `host:${this.hostOf(payment).name}`,
      body: outcome.statusReport,
    });
    if (outcome.kind === 'pending') return this.askAgain(payment, pendingNote);
    // The definitive answer: ACSC, or RJCT with the host's reason, with its pacs.002 (the save path adds it).
    payment.applyHostOutcome(
      outcome.kind === 'settled'
        ? { kind: 'settled' }
        : { kind: 'rejected', reason: { code: outcome.reasonCode, text: outcome.reasonText } },
      this.clock.now(),
    );
    await savePayment(this.deps, payment);
    return 'done';
  }

  /** Records what this inquiry got and schedules the next one (backoff up to 5 minutes), in one save. */
  private async askAgain(payment: Payment, note: string): Promise<StepResult> {
    const now = this.clock.now();
    payment.recordInquiry(now, note);
    const n = payment.details.investigation?.inquiries ?? 1;
    await savePayment(this.deps, payment, { jobs: [inquiryJob(payment.id, n, now)] });
    return 'done';
  }
}
