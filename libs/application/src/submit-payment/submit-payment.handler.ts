// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Payment, ReasonCode, type TransactionKind } from '#domain';
import { Iso20022Error, type Iso20022Codec, type MissingNamespace, type ParsedMessage, type PartialIdentification } from '#iso20022';
import { ISO20022_CODEC } from '../application.tokens.js';
import { ADMISSION, AdmissionRefusedError, type Admission } from '../ports/admission.port.js';
import { InitiatePayments } from '../initiate-payments/initiate-payments.js';
import { NO_DETAILS } from '../intake/message-transaction.js';
import { PaymentIntake, SUPPORTED_PAYMENTS } from '../intake/payment-intake.js';
import { TransactionIntake, type IntakeRequest } from '../intake/transaction-intake.js';
import { ReceiveReturn } from '../receive-return/receive-return.js';
import { RequestCancellation } from '../request-cancellation/request-cancellation.js';
import { RequestStatus } from '../request-status/request-status.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { DECISION_SCOPE, SubmitPaymentCommand, type SubmitPaymentResult } from './submit-payment.command.js';

export { SUPPORTED_PAYMENTS } from '../intake/payment-intake.js';

/** The inbox's messages other than pacs.008, each taken by its own use case. */
export const MESSAGE_KINDS: ReadonlyMap<string, Exclude<TransactionKind, 'payment'>> = new Map([
  ['pacs.028.001.03', 'status-request'],
  ['camt.056.001.08', 'cancellation-request'],
  ['camt.056.001.11', 'cancellation-request'],
  ['pacs.004.001.09', 'return'],
  ['pacs.004.001.13', 'return'],
  ['pain.001.001.09', 'initiation'],
]);

/** The RJCT/FF01 reason text (the pacs.002's AddtlInf) of a message whose Document is in no namespace. */
export function missingNamespaceReason(missing: MissingNamespace): string {
  const what = missing.headerNamespace === null ? 'the Document is' : 'the AppHdr and the Document are';
  return `namespace missing: ${what} in no namespace; a ${missing.messageType} (AppHdr MsgDefIdr) must be in ${missing.documentNamespace}`;
}

/** Message kinds that change another transaction as a decision does: they need DECISION_SCOPE. */
const DECISIONS: ReadonlySet<TransactionKind> = new Set(['cancellation-request', 'return']);

/** Every message id the inbox takes. */
export function inboxMessageTypes(): string[] {
  return [...SUPPORTED_PAYMENTS, ...MESSAGE_KINDS.keys()].sort();
}

/**
 * The inbox's router: parses and validates the message once, checks that the sender may send it, resolves
 * its transaction id before anything is written, and hands it to the use case of its message type. A request
 * that is refused writes nothing under an existing transaction.
 */
@CommandHandler(SubmitPaymentCommand)
export class SubmitPaymentHandler implements ICommandHandler<SubmitPaymentCommand, SubmitPaymentResult> {
  constructor(
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    private readonly intake: TransactionIntake,
    private readonly payments: PaymentIntake,
    private readonly statusRequests: RequestStatus,
    private readonly cancellations: RequestCancellation,
    private readonly returns: ReceiveReturn,
    private readonly initiations: InitiatePayments,
    private readonly reports: StatusReportWriter,
    @Optional() @Inject(ADMISSION) private readonly admission: Admission | null = null,
  ) {}

  async execute(cmd: SubmitPaymentCommand): Promise<SubmitPaymentResult> {
    // Before anything is parsed or written: an overloaded gateway or a client over its quota costs little.
    const refusal = this.admission?.admit(cmd.clientId);
    if (refusal) throw new AdmissionRefusedError(refusal);
    const request = (text: string, received?: string): IntakeRequest => ({
      clientId: cmd.clientId,
      channel: cmd.channel,
      text,
      requestHash: TransactionIntake.requestHash(text),
      transactionId: cmd.transactionId,
      ...(received !== undefined ? { received } : {}),
    });
    let parsed: ParsedMessage;
    let received: string | undefined;
    try {
      parsed = this.codec.parse(cmd.body);
    } catch (e) {
      if (!(e instanceof Iso20022Error)) throw e;
      const missing =
        e.code === 'ISO20022.UNSUPPORTED_MESSAGE' && cmd.missingNamespace !== 'refuse' ? this.codec.missingNamespace(cmd.body) : null;
      if (missing === null) {
        // Only a schema-invalid message is kept (as a RJCT record): the codec decoded its bytes strictly, so this is lossless.
        return this.rejectInvalid(request(e.code === 'ISO20022.SCHEMA_INVALID' ? new TextDecoder().decode(cmd.body) : ''), e);
      }
      if (cmd.missingNamespace === 'reject') {
        return this.rejectInvalid(request(missing.received), e, { partial: missing.partial, text: missingNamespaceReason(missing) });
      }
      // Repaired: validated strictly; the repaired text is what is stored, owned and released, the text as
      // received is archived beside it for the record.
      try {
        parsed = this.codec.parse(missing.repaired);
      } catch (e2) {
        if (!(e2 instanceof Iso20022Error)) throw e2;
        return this.rejectInvalid(request(e2.code === 'ISO20022.SCHEMA_INVALID' ? missing.repaired : '', missing.received), e2);
      }
      received = missing.received;
    }
    // What is stored, compared with a retry and released: exactly the text that was validated.
    const req = request(parsed.xml, received);
    const kind = MESSAGE_KINDS.get(parsed.messageType);
    if (!kind && !SUPPORTED_PAYMENTS.has(parsed.messageType)) {
      return {
        kind: 'unprocessable',
        code: 'ISO20022.UNSUPPORTED_MESSAGE',
        detail: `${parsed.messageType} is a known schema but not a message the inbox takes (it takes ${inboxMessageTypes().join(', ')})`,
      };
    }
    if (kind && DECISIONS.has(kind) && !cmd.scopes.includes(DECISION_SCOPE)) {
      return {
        kind: 'forbidden',
        scope: DECISION_SCOPE,
        detail: `a ${parsed.messageType} is a decision on a payment: it needs the scope ${DECISION_SCOPE}`,
      };
    }
    const resolved = await this.intake.resolveId(req);
    if (resolved.kind === 'existing') return TransactionIntake.answerExisting(resolved.transaction, resolved.sameRequest);
    const { id, idempotency } = resolved;
    switch (kind) {
      case undefined:
        return this.payments.take(req, id, parsed, idempotency);
      case 'status-request':
        return this.statusRequests.take(req, id, parsed, idempotency);
      case 'cancellation-request':
        return this.cancellations.take(req, id, parsed, idempotency);
      case 'return':
        return this.returns.take(req, id, parsed, idempotency);
      case 'initiation':
        return this.initiations.take(req, id, parsed, idempotency);
    }
  }

  /**
   * Schema-invalid but identifiable: a RJCT/FF01 record whose outbox holds the pacs.002, stored in one write.
   * Under an id the client already has it writes nothing (a replay answers as the first time). When the
   * message's own ids cannot be echoed in a pacs.002, the answer is the 4xx alone, with no record.
   */
  private async rejectInvalid(
    req: IntakeRequest,
    error: Iso20022Error,
    missingNamespace: { partial: PartialIdentification; text: string } | null = null,
  ): Promise<SubmitPaymentResult> {
    const partial = missingNamespace?.partial ?? error.partial;
    const refused: SubmitPaymentResult = { kind: 'invalid', error, rejectedTransactionId: null };
    if ((missingNamespace === null && error.code !== 'ISO20022.SCHEMA_INVALID') || !partial.msgId || !partial.messageType) return refused;
    const resolved = await this.intake.resolveId(req);
    if (resolved.kind === 'existing') {
      const first = resolved.transaction;
      const sameRejection = resolved.sameRequest && first.status === 'RJCT' && first.reason?.code === ReasonCode.FORMAT;
      return sameRejection
        ? { kind: 'invalid', error, rejectedTransactionId: first.id }
        : { kind: 'idempotency-conflict', transactionId: first.id };
    }
    const { id, idempotency } = resolved;
    const now = this.intake.clock.now();
    const firstIssue = error.issues[0];
    const text = missingNamespace?.text ?? `schema validation failed${firstIssue?.line ? ` at line ${firstIssue.line}` : ''}`;
    const record = Payment.rejectOnReceipt(
      {
        ...NO_DETAILS,
        id,
        clientId: req.clientId,
        at: now,
        channel: req.channel,
        messageType: partial.messageType,
        msgId: partial.msgId,
        creationDateTime: partial.creationDateTime ?? null,
        instrId: partial.instrId ?? null,
        endToEndId: partial.endToEndId ?? 'NOTPROVIDED',
        txId: partial.txId ?? null,
        uetr: partial.uetr ?? null,
      },
      { code: ReasonCode.FORMAT, text },
    );
    let report;
    try {
      report = await this.reports.report(record.toSnapshot());
    } catch {
      // Its own ids cannot be echoed in a valid pacs.002: the 4xx answer says what is wrong; nothing is stored.
      return refused;
    }
    // A rejected message does not reserve its MsgId/UETR: the corrected message may be sent again.
    const created = await this.intake.create(
      req,
      record,
      { idempotency, msgIdEndToEndId: `rejected:${id}` },
      this.reports.followUpJobs(record.toSnapshot()),
      [report],
    );
    if (!created.created) {
      return created.result.kind === 'accepted'
        ? { kind: 'invalid', error, rejectedTransactionId: created.result.transactionId }
        : created.result;
    }
    return { kind: 'invalid', error, rejectedTransactionId: id };
  }
}
