import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BUSINESS_RULES, CLOCK, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import type { BusinessRuleSet } from '../business-rules/business-rules.js';
import { commitTransition, loadPayment } from '../payment-steps.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import { JobType } from '../ports/work-queue.port.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { ProcessPaymentCommand, type StepResult } from './process-payment.command.js';

/** RCVD -> ACTC (and the release job), or RJCT with the reason of the first business rule that fails. */
@CommandHandler(ProcessPaymentCommand)
export class ProcessPaymentHandler implements ICommandHandler<ProcessPaymentCommand, StepResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BUSINESS_RULES) private readonly rules: BusinessRuleSet,
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
    await commitTransition(deps, payment, 'ACTC', undefined, [releaseJob(payment.id)]);
    return 'done';
  }
}

export function releaseJob(transactionId: string, dedupSuffix = 'initial') {
  return {
    type: JobType.RELEASE,
    transactionId,
    groupKey: transactionId,
    deduplicationId: `${transactionId}:release:${dedupSuffix}`,
  } as const;
}
