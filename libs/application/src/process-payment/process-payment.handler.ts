import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BUSINESS_RULES, CLOCK, HOLD_POLICY, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import type { BusinessRuleSet } from '../business-rules/business-rules.js';
import type { HoldPolicy } from '../hold-policy/hold-policy.js';
import { commitTransition, loadPayment } from '../payment-steps.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import { releaseJob } from '../payment-jobs.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { ProcessPaymentCommand, type StepResult } from './process-payment.command.js';

/**
 * RCVD -> ACTC (and the release job), RJCT with the reason of the first business rule that fails, or PDNG
 * when a hold rule matches (then a consumer's accept or reject decides).
 */
@CommandHandler(ProcessPaymentCommand)
export class ProcessPaymentHandler implements ICommandHandler<ProcessPaymentCommand, StepResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BUSINESS_RULES) private readonly rules: BusinessRuleSet,
    @Inject(HOLD_POLICY) private readonly holds: HoldPolicy,
    private readonly reports: StatusReportWriter,
  ) {}

  async execute(cmd: ProcessPaymentCommand): Promise<StepResult> {
    const payment = await loadPayment(this.repository, cmd.transactionId);
    if (payment.status !== 'RCVD') return 'skipped';
    const deps = { repository: this.repository, reports: this.reports, clock: this.clock };
    const failure = this.rules.evaluate(payment.details);
    if (failure) {
      await commitTransition(deps, payment, 'RJCT', failure.reason);
      return 'done';
    }
    const hold = this.holds.match(payment.details);
    if (hold) {
      // Parked for a consumer's decision: accept releases it, reject ends it; the SLA ends it otherwise.
      const now = this.clock.now();
      payment.annotate({ hold: { rule: hold.id, at: now.toISOString() } }, now);
      payment.recordDecision({ action: 'hold', at: now.toISOString(), by: 'gateway', rule: hold.id });
      await commitTransition(deps, payment, 'PDNG', { code: 'NARR', text: `held by rule ${hold.id}: awaiting a consumer decision` });
      return 'done';
    }
    await commitTransition(deps, payment, 'ACTC', undefined, [releaseJob(payment.id)]);
    return 'done';
  }
}
