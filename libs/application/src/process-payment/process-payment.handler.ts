// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, EventBus } from '@nestjs/cqrs';
import { ReasonCode } from '#domain';
import { BUSINESS_RULES, CLOCK, CONNECTORS, HOLD_POLICY, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { routingFacts, type ConnectorSet } from '../routing/connector-set.js';
import { noRouteReason } from '../routing/router.js';
import type { BusinessRuleSet } from '../business-rules/business-rule-set.js';
import type { HoldPolicy } from '../hold-policy/hold-policy.js';
import { loadPayment, savePayment } from '../payment-steps.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import { releaseJob } from '../payment-jobs.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { ProcessPaymentCommand, type StepResult } from './process-payment.command.js';

/**
 * RCVD -> ACTC (and the release job), RJCT with the reason of the first business rule that fails, or PDNG
 * when a hold rule matches (then a consumer's accept or reject decides). With a routing table the route is
 * decided here and stored with ACTC; no eligible connector rejects it (or holds it, when its rule says so).
 * Notes of passing rules (e.g. "not screened, fail-open") are kept as the reason of the ACTC history entry.
 * A rule that throws (e.g. screening down under SCREENING_FAILURE=closed) fails the step: the job is
 * retried and the payment stays RCVD.
 */
@CommandHandler(ProcessPaymentCommand)
export class ProcessPaymentHandler implements ICommandHandler<ProcessPaymentCommand, StepResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BUSINESS_RULES) private readonly rules: BusinessRuleSet,
    @Inject(HOLD_POLICY) private readonly holds: HoldPolicy,
    private readonly reports: StatusReportWriter,
    @Optional() @Inject(EventBus) private readonly events: EventBus | null = null,
    @Optional() @Inject(CONNECTORS) private readonly connectors: ConnectorSet | null = null,
  ) {}

  async execute(cmd: ProcessPaymentCommand): Promise<StepResult> {
    const payment = await loadPayment(this.repository, cmd.transactionId);
    if (payment.status !== 'RCVD') return 'skipped';
    const deps = { repository: this.repository, reports: this.reports, clock: this.clock, events: this.events };
    const outcome = await this.rules.evaluate(payment.details);
    if (outcome.outcome === 'reject') {
      payment.failValidation(outcome.reason, this.clock.now());
      await savePayment(deps, payment);
      return 'done';
    }
    const hold = this.holds.match(payment.details);
    if (hold) {
      // Parked for a consumer's decision: accept releases it, reject ends it; the SLA ends it otherwise.
      payment.hold(hold.id, this.clock.now());
      await savePayment(deps, payment);
      return 'done';
    }
    if (this.connectors?.routing) {
      // The routing decision, stored with the payment in the same write (its explanation included).
      const decision = this.connectors.decide(routingFacts(payment.details));
      payment.routeTo(decision, this.clock.now());
      if (decision.candidates.length === 0) {
        const reason = noRouteReason(decision);
        this.connectors.unroutable(reason.code);
        if (decision.onNoRoute === 'hold') payment.holdForRoute(decision.rule ?? 'default', reason.text, this.clock.now());
        else payment.refuseRoute(reason, this.clock.now());
        await savePayment(deps, payment);
        return 'done';
      }
    }
    const note = outcome.notes.length
      ? { code: ReasonCode.NARRATIVE, text: outcome.notes.map((n) => `${n.rule}: ${n.note}`).join('; ') }
      : undefined;
    payment.passValidation(this.clock.now(), note);
    await savePayment(deps, payment, { jobs: [releaseJob(payment.id)] });
    return 'done';
  }
}
