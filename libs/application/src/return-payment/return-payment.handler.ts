// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, EventBus } from '@nestjs/cqrs';
import { CLOCK, LEGACY_HOST, MESSAGE_ARCHIVE, TRANSACTION_REPOSITORY, WORK_QUEUE_SIGNAL } from '../application.tokens.js';
import { CONNECTORS } from '../application.tokens.js';
import type { ConnectorSet } from '../routing/connector-set.js';
import { PACS002_MESSAGE_ID, PACS004_MESSAGE_ID } from '#iso20022';
import { AnswerWriter } from '../answers/answer.writer.js';
import { hostIdempotencyKey } from '../host-idempotency.js';
import { returnJob } from '../payment-jobs.js';
import { loadPayment, savePayment } from '../payment-steps.js';
import type { LegacyHost, ReturnOutcome } from '../ports/legacy-host.port.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { StepResult } from '../process-payment/process-payment.command.js';
import type { WorkSignal } from '../work-signal.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { ReturnPaymentCommand } from './return-payment.command.js';

export const PENDING_RETURN_RETRY_MS = 30_000;

/**
 * Sends the pacs.004 of a settled payment to the legacy host (idempotent by its `:return` key). The pacs.004
 * is stored with the host's verdict, as the latest message of the payment's outbox; the host's pacs.002 answer is archived
 * as inbound and its verdict recorded on the payment, which stays ACSC.
 */
@CommandHandler(ReturnPaymentCommand)
export class ReturnPaymentHandler implements ICommandHandler<ReturnPaymentCommand, StepResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
    @Inject(LEGACY_HOST) private readonly host: LegacyHost,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WORK_QUEUE_SIGNAL) private readonly signal: WorkSignal,
    private readonly answers: AnswerWriter,
    private readonly reports: StatusReportWriter,
    @Optional() @Inject(EventBus) private readonly events: EventBus | null = null,
    @Optional() @Inject(CONNECTORS) private readonly connectors: ConnectorSet | null = null,
  ) {}

  /** The connector the payment went to (routed), else the one legacy host. */
  private hostOf(payment: { details: { route?: { connector: string | null } | null } }): LegacyHost {
    return this.connectors ? this.connectors.host(payment.details.route) : this.host;
  }

  async execute(cmd: ReturnPaymentCommand): Promise<StepResult> {
    const p = await loadPayment(this.repository, cmd.transactionId);
    const r = p.details.returnInfo;
    if (!r || r.direction !== 'outbound' || (r.state !== 'requested' && r.state !== 'pending')) return 'skipped';
    const message = await this.answers.returnMessage(p.toSnapshot(), `host:${this.hostOf(p).name}`);
    const outcome: ReturnOutcome = await this.hostOf(p).deliverReturn({
      transactionId: p.id,
      uetr: p.details.uetr,
      idempotencyKey: hostIdempotencyKey(p.details, 'return'),
      messageType: PACS004_MESSAGE_ID,
      message: message.body,
    });
    const deps = { repository: this.repository, reports: this.reports, clock: this.clock, events: this.events };
    const now = this.clock.now();
    if (outcome.statusReport) {
      await this.archive.put({
        transactionId: p.id,
        direction: 'in',
        messageType: PACS002_MESSAGE_ID,
        channel: `host:${this.hostOf(p).name}`,
        body: outcome.statusReport,
        at: now.toISOString(),
      });
    }
    switch (outcome.kind) {
      case 'accepted':
        p.applyReturnOutcome({ kind: 'accepted' }, now);
        await savePayment(deps, p, { outgoing: [message] });
        return 'done';
      case 'rejected':
        p.applyReturnOutcome({ kind: 'rejected', reason: { code: outcome.reasonCode, text: outcome.reasonText } }, now);
        await savePayment(deps, p, { outgoing: [message] });
        return 'done';
      case 'pending': {
        p.applyReturnOutcome({ kind: 'pending' }, now);
        const again = { ...returnJob(p.id, `pending-v${p.version}`), notBefore: new Date(now.getTime() + PENDING_RETURN_RETRY_MS) };
        await savePayment(deps, p, { jobs: [again], outgoing: [message] });
        this.signal.notify();
        return 'done';
      }
    }
  }
}
