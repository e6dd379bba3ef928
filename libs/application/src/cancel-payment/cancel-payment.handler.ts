import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Payment } from '#domain';
import { CLOCK, LEGACY_HOST, MESSAGE_ARCHIVE, TRANSACTION_REPOSITORY, WORK_QUEUE_SIGNAL } from '../application.tokens.js';
import { AnswerWriter, CAMT029_TYPE, CAMT056_TYPE } from '../answers/answer.writer.js';
import { cancelJob } from '../payment-jobs.js';
import { hostIdempotencyKey } from '../host-idempotency.js';
import { completeRequest } from '../answers/complete-request.js';
import { commitChange, commitTransition, loadPayment } from '../payment-steps.js';
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
  ) {}

  private get deps() {
    return { repository: this.repository, reports: this.reports, archive: this.archive, clock: this.clock };
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
      const now = this.clock.now();
      const cancelled = p.status === 'CANC';
      p.annotate(
        {
          cancellation: {
            ...c,
            state: cancelled ? 'cancelled' : 'refused',
            decidedAt: now.toISOString(),
            refusal: cancelled ? null : { code: 'NARR', text: `the payment ended ${p.status} before the cancellation was decided` },
          },
        },
        now,
      );
      p = await commitChange(this.deps, p, [], [await this.answers.resolution(p.toSnapshot())]);
      await this.endRequest(p);
      return 'done';
    }

    const request = await this.answers.cancellationRequest(p.toSnapshot(), this.host.name);
    const outcome: CancellationOutcome = await this.host.requestCancellation({
      transactionId: p.id,
      uetr: p.details.uetr,
      idempotencyKey: hostIdempotencyKey(p.details, 'cancel'),
      messageType: CAMT056_TYPE,
      message: request.body,
    });
    if (outcome.resolution) {
      await this.archive.put({
        transactionId: p.id,
        direction: 'in',
        messageType: CAMT029_TYPE,
        channel: `host:${this.host.name}`,
        body: outcome.resolution,
        at: this.clock.now().toISOString(),
      });
    }
    const now = this.clock.now();
    const at = now.toISOString();
    switch (outcome.kind) {
      case 'cancelled':
        p.annotate({ cancellation: { ...c, state: 'cancelled', decidedAt: at, refusal: null } }, now);
        p = await commitTransition(this.deps, p, 'CANC', c.reason ?? undefined, [], async (moved) => [request, await this.answers.resolution(moved)]);
        break;
      case 'refused':
        p.annotate(
          {
            cancellation: {
              ...c,
              state: 'refused',
              decidedAt: at,
              refusal: { code: outcome.reasonCode ?? 'NARR', text: outcome.reasonText },
            },
          },
          now,
        );
        p = await commitChange(this.deps, p, [], [request, await this.answers.resolution(p.toSnapshot())]);
        break;
      case 'pending': {
        // The host has not decided: ask again later (a new job per stored version).
        p.annotate({ cancellation: { ...c, state: 'pending' } }, now);
        const again = { ...cancelJob(p.id, `pending-v${p.version}`), notBefore: new Date(now.getTime() + PENDING_CANCELLATION_RETRY_MS) };
        await commitChange(this.deps, p, [again], [request]);
        this.signal.notify();
        return 'done';
      }
    }
    await this.endRequest(p);
    return 'done';
  }

  /** Ends the camt.056 transaction that asked (when the cancellation came through the inbox), with its camt.029. */
  private async endRequest(p: Payment): Promise<void> {
    const requestId = p.details.cancellation?.requestTransactionId ?? null;
    if (requestId) await completeRequest({ repository: this.repository, archive: this.archive, clock: this.clock }, this.answers, requestId, p);
  }
}

