// SPDX-License-Identifier: Apache-2.0
import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AnswerWriter } from './answers/answer.writer.js';
import { SubmitChannelPaymentHandler, SubmitQrPaymentHandler } from './channels/submit-channel-payment.handler.js';
import { CancelPaymentHandler } from './cancel-payment/cancel-payment.handler.js';
import { CoreSettlement } from './core-settlement/core-settlement.js';
import { DecidePaymentHandler } from './decide-payment/decide-payment.handler.js';
import { GetOutboxHandler } from './get-outbox/get-outbox.handler.js';
import { ReturnPaymentHandler } from './return-payment/return-payment.handler.js';
import { InitiatePayments } from './initiate-payments/initiate-payments.js';
import { PaymentIntake } from './intake/payment-intake.js';
import { TransactionIntake } from './intake/transaction-intake.js';
import { ReceiveReturn } from './receive-return/receive-return.js';
import { RequestCancellation } from './request-cancellation/request-cancellation.js';
import { RequestStatus } from './request-status/request-status.js';
import { GetTransactionHandler } from './get-transaction/get-transaction.handler.js';
import {
  GetLedgerAccountHandler,
  ListLedgerAccountsHandler,
  OpenLedgerAccountsHandler,
} from './ledger-accounts/ledger-accounts.handlers.js';
import { ListTransactionsHandler } from './list-transactions/list-transactions.handler.js';
import { ListAllInvestigationsHandler, ListInvestigationsHandler } from './list-investigations/list-investigations.handler.js';
import { ProcessPaymentHandler } from './process-payment/process-payment.handler.js';
import { PublishStatusReportHandler } from './publish-status-report/publish-status-report.handler.js';
import { RecordHostAnswerHandler } from './record-host-answer/record-host-answer.handler.js';
import { ReleasePaymentHandler } from './release-payment/release-payment.handler.js';
import { InquirePaymentStatusHandler } from './inquire-payment-status/inquire-payment-status.handler.js';
import { StatusReportWriter } from './status-report/status-report.writer.js';
import { SubmitPaymentHandler } from './submit-payment/submit-payment.handler.js';
import { FindByReferenceHandler } from './find-by-reference/find-by-reference.handler.js';
import { ListAllPaymentsHandler } from './list-all-payments/list-all-payments.handler.js';
import { GetQueueStatsHandler } from './get-queue-stats/get-queue-stats.handler.js';
import { ListRoutesHandler } from './list-routes/list-routes.handler.js';
import { TakeOverRegionHandler } from './take-over-region/take-over-region.handler.js';
import { EvaluateRouteHandler } from './evaluate-route/evaluate-route.handler.js';
import { ListDeadLettersHandler } from './list-dead-letters/list-dead-letters.handler.js';
import { ListStuckPaymentsHandler } from './list-stuck-payments/list-stuck-payments.handler.js';
import { RedrivePaymentsHandler } from './redrive-payments/redrive-payments.handler.js';
import { SweepStalePaymentsHandler } from './sweep-stale-payments/sweep-stale-payments.handler.js';

/**
 * The use cases. The ports they need (repository, queue, archive, host, codec, clock, ids, settings,
 * rules, signal; the ledger store optionally) are provided by the composition root, which binds them to adapters.
 */
@Module({
  imports: [CqrsModule],
  providers: [
    StatusReportWriter,
    AnswerWriter,
    CoreSettlement,
    TransactionIntake,
    PaymentIntake,
    RequestStatus,
    RequestCancellation,
    ReceiveReturn,
    InitiatePayments,
    SubmitPaymentHandler,
    SubmitChannelPaymentHandler,
    SubmitQrPaymentHandler,
    DecidePaymentHandler,
    CancelPaymentHandler,
    ReturnPaymentHandler,
    ProcessPaymentHandler,
    ReleasePaymentHandler,
    InquirePaymentStatusHandler,
    SweepStalePaymentsHandler,
    RecordHostAnswerHandler,
    PublishStatusReportHandler,
    GetTransactionHandler,
    ListTransactionsHandler,
    ListInvestigationsHandler,
    ListAllInvestigationsHandler,
    ListDeadLettersHandler,
    ListStuckPaymentsHandler,
    FindByReferenceHandler,
    ListRoutesHandler,
    EvaluateRouteHandler,
    TakeOverRegionHandler,
    ListAllPaymentsHandler,
    RedrivePaymentsHandler,
    GetQueueStatsHandler,
    GetOutboxHandler,
    GetLedgerAccountHandler,
    ListLedgerAccountsHandler,
    OpenLedgerAccountsHandler,
  ],
  exports: [StatusReportWriter, AnswerWriter],
})
export class ApplicationModule {}
