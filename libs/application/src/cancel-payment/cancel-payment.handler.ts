// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, EventBus } from '@nestjs/cqrs';
import type { Payment } from '#domain';
import { CLOCK, LEGACY_HOST, MESSAGE_ARCHIVE, TRANSACTION_REPOSITORY, WORK_QUEUE_SIGNAL } from '../application.tokens.js';
import { CONNECTORS } from '../application.tokens.js';
import type { ConnectorSet } from '../routing/connector-set.js';
import { CAMT029_MESSAGE_ID, CAMT056_MESSAGE_ID } from '#iso20022';
import { AnswerWriter } from '../answers/answer.writer.js';
import { cancelJob } from '../payment-jobs.js';
import { hostIdempotencyKey } from '../host-idempotency.js';
import { completeRequest } from '../answers/complete-request.js';
import { loadPayment, savePayment } from '../payment-steps.js';
import type { CancellationOutcome, LegacyHost } from '../ports/legacy-host.port.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { StepResult } from '../process-payment/process-payment.command.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import type { WorkSignal } from '../work-signal.js';
import { CancelPaymentCommand } from './cancel-payment.command.js';

/** How long a cancellation the host left pending (PDCR) waits before it is asked again. */
export const PENDING_CANCELLATION_RETRY_MS = 30_000;

/**
 * Sends the camt.056 of a released payment (ACSP, PDNG or ACSC) to the legacy host, archives the host's
 * camt.029 and applies it: CNCL ends the payment CANC, RJCR leaves it as it is with the refusal recorded.
 * Either way the gateway's own camt.029 becomes the latest message of the payment's outbox (and of the
 * camt.056 transaction's, when the request came through the inbox). The host is idempotent by
 * `<UETR>:cancel`, so a redelivered job changes nothing.
 */
@CommandHandler(CancelPaymentCommand)
export class CancelPaymentHandler implements ICommandHandler<CancelPaymentCommand, StepResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
    @Inject(LEGACY_HOST) private readonly host: LegacyHost,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WORK_QUEUE_SIGNAL) private readonly signal: WorkSignal,
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

  async execute(cmd: CancelPaymentCommand): Promise<StepResult> {
    let p = await loadPayment(this.repository, cmd.transactionId);
    const c = p.details.cancellation;
    if (!c) return 'skipped';
    if (c.state === 'cancelled' || c.state === 'refused') {
      // Decided already (its camt.029 was stored with the decision): a redelivered job ends the request too.
      await this.endRequest(p);
      return 'skipped';
    }
    if (p.status === 'RJCT' || p.status === 'CANC') {
      // Ended some other way while the request waited (the host rejected it, or the SLA did).
      p.closeCancellationOnFinalStatus(this.clock.now());
      p = await savePayment(this.deps, p, { outgoing: async (moved) => [await this.answers.resolution(moved)] });
      await this.endRequest(p);
      return 'done';
    }

    const request = await this.answers.cancellationRequest(p.toSnapshot(), this.hostOf(p).name);
    const outcome: CancellationOutcome = await this.hostOf(p).requestCancellation({
      transactionId: p.id,
      uetr: p.details.uetr,
      idempotencyKey: hostIdempotencyKey(p.details, 'cancel'),
      messageType: CAMT056_MESSAGE_ID,
      message: request.body,
    });
    if (outcome.resolution) {
      await this.archive.put({
        transactionId: p.id,
        direction: 'in',
        messageType: CAMT029_MESSAGE_ID,
        channel: `host:${this.hostOf(p).name}`,
        body: outcome.resolution,
        at: this.clock.now().toISOString(),
      });
    }
    const now = this.clock.now();
    if (outcome.kind === 'pending') {
      // The host has not decided: ask again later (a new job per stored version). The camt.056 is stored with it.
      p.applyCancellationOutcome({ kind: 'pending' }, now);
      const again = { ...cancelJob(p.id, `pending-v${p.version}`), notBefore: new Date(now.getTime() + PENDING_CANCELLATION_RETRY_MS) };
      await savePayment(this.deps, p, { jobs: [again], outgoing: [request] });
      this.signal.notify();
      return 'done';
    }
    p.applyCancellationOutcome(
      outcome.kind === 'cancelled'
        ? { kind: 'cancelled' }
        : { kind: 'refused', refusal: { code: outcome.reasonCode ?? 'NARR', text: outcome.reasonText } },
      now,
    );
    // The camt.056 sent, the pacs.002 (when cancelled) and the gateway's camt.029, stored with the outcome.
    p = await savePayment(this.deps, p, { outgoing: async (moved) => [request, await this.answers.resolution(moved)] });
    await this.endRequest(p);
    return 'done';
  }

  /** Ends the camt.056 transaction that asked (when the cancellation came through the inbox), with its camt.029. */
  private async endRequest(p: Payment): Promise<void> {
    const requestId = p.details.cancellation?.requestTransactionId ?? null;
    if (requestId) await completeRequest(this.deps, this.answers, requestId, p);
  }
}
