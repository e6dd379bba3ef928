import { createHash } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { partyCountry, Payment, ReasonCode, type PaymentDetails } from '#domain';
import { Iso20022Error, type Iso20022Codec, type ParsedMessage } from '#iso20022';
import {
  CLOCK,
  ID_GENERATOR,
  ISO20022_CODEC,
  MESSAGE_ARCHIVE,
  TRANSACTION_REPOSITORY,
  WORK_QUEUE_SIGNAL,
} from '../application.tokens.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock, IdGenerator } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import { processJob } from '../payment-jobs.js';
import { MessageIntake, type PaymentIntake } from './message-intake.js';
import { agentKey, StatusReportWriter } from '../status-report/status-report.writer.js';
import type { WorkSignal } from '../work-signal.js';
import { SubmitPaymentCommand, type SubmitPaymentResult } from './submit-payment.command.js';

/** The pacs.008 versions the inbox takes; each is answered by the pacs.002 of its generation. */
export const SUPPORTED_PAYMENTS: ReadonlySet<string> = new Set(['pacs.008.001.08', 'pacs.008.001.10', 'pacs.008.001.12']);

/** Every message id the inbox takes. */
export function inboxMessageTypes(): string[] {
  return [...SUPPORTED_PAYMENTS, ...MessageIntake.TYPES.keys()].sort();
}

/**
 * Ingress: parse and validate, read the key fields, refuse duplicates, archive the raw message, store the
 * payment with its first job in one write, and answer. Nothing is stored for input that cannot be read.
 */
@CommandHandler(SubmitPaymentCommand)
export class SubmitPaymentHandler implements ICommandHandler<SubmitPaymentCommand, SubmitPaymentResult>, PaymentIntake {
  constructor(
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(WORK_QUEUE_SIGNAL) private readonly signal: WorkSignal,
    private readonly reports: StatusReportWriter,
    private readonly intake: MessageIntake,
  ) {}

  async execute(cmd: SubmitPaymentCommand): Promise<SubmitPaymentResult> {
    const requestHash = createHash('sha256').update(cmd.body).digest('hex');
    const id = cmd.transactionId ?? this.ids.uuid();
    if (cmd.transactionId) {
      const existing = await this.repository.get(cmd.transactionId);
      if (existing && existing.clientId !== cmd.clientId) return { kind: 'idempotency-conflict', transactionId: id };
    }
    const idempotency = cmd.transactionId ? { key: cmd.transactionId, requestHash } : undefined;

    let parsed: ParsedMessage;
    try {
      parsed = this.codec.parse(cmd.body);
    } catch (e) {
      if (!(e instanceof Iso20022Error)) throw e;
      return this.rejectInvalid(cmd, id, e, idempotency);
    }
    if (MessageIntake.TYPES.has(parsed.messageType)) {
      return this.intake.take(cmd, id, parsed, idempotency, this);
    }
    if (!SUPPORTED_PAYMENTS.has(parsed.messageType)) {
      return {
        kind: 'unprocessable',
        code: 'ISO20022.UNSUPPORTED_MESSAGE',
        detail: `${parsed.messageType} is a known schema but not a message the inbox takes (it takes ${inboxMessageTypes().join(', ')})`,
      };
    }
    return this.take(cmd, id, parsed, idempotency);
  }

  /** The payment path: one pacs.008 (sent by a client, or mapped from a pain.001 transaction). */
  async take(
    cmd: { clientId: string; channel: string },
    id: string,
    parsed: ParsedMessage,
    idempotency: { key: string; requestHash: string } | undefined,
    extra: { relatedTransactionId?: string; uniquenessKey?: string } = {},
  ): Promise<SubmitPaymentResult> {
    const message = this.codec.readPacs008(parsed);
    if (message.transactions.length !== 1) {
      return {
        kind: 'unprocessable',
        code: 'ISO20022.MULTIPLE_TRANSACTIONS',
        detail: `the message carries ${message.transactions.length} transactions; the gateway takes one per pacs.008 (as CBPR+, HVPS+ and Fedwire do)`,
      };
    }
    const tx = message.transactions[0]!;
    const gh = message.groupHeader;
    const details: PaymentDetails = {
      messageType: parsed.messageType,
      msgId: gh.msgId,
      creationDateTime: gh.creationDateTime,
      instrId: tx.instrId,
      endToEndId: tx.endToEndId,
      txId: tx.txId,
      uetr: tx.uetr,
      amount: tx.interbankSettlementAmount,
      settlementDate: tx.interbankSettlementDate ?? gh.interbankSettlementDate,
      settlementMethod: gh.settlementMethod,
      chargeBearer: tx.chargeBearer,
      debtorName: tx.debtor.name,
      debtorAccount: tx.debtorAccount?.iban ?? tx.debtorAccount?.other ?? null,
      debtorAgent: agentKey(tx.debtorAgent),
      creditorName: tx.creditor.name,
      creditorAccount: tx.creditorAccount?.iban ?? tx.creditorAccount?.other ?? null,
      creditorAgent: agentKey(tx.creditorAgent),
      debtorCountry: partyCountry({ postal: tx.debtor.country, iban: tx.debtorAccount?.iban, bic: tx.debtorAgent?.bic }),
      creditorCountry: partyCountry({ postal: tx.creditor.country, iban: tx.creditorAccount?.iban, bic: tx.creditorAgent?.bic }),
      instructingAgent: agentKey(tx.instructingAgent ?? gh.instructingAgent),
      instructedAgent: agentKey(tx.instructedAgent ?? gh.instructedAgent),
      appHeader: parsed.appHeader
        ? {
            from: parsed.appHeader.from,
            to: parsed.appHeader.to,
            bizMsgIdr: parsed.appHeader.bizMsgIdr,
            msgDefIdr: parsed.appHeader.msgDefIdr,
            version: parsed.appHeader.version,
            bizSvc: parsed.appHeader.bizSvc,
            creationDate: parsed.appHeader.creationDate,
            envelope: parsed.envelope,
          }
        : null,
    };
    const now = this.clock.now();
    const payment = Payment.receive({ id, clientId: cmd.clientId, at: now, ...details });
    payment.annotate({ kind: 'payment', channel: cmd.channel, ...(extra.relatedTransactionId ? { relatedTransactionId: extra.relatedTransactionId } : {}) }, now);
    // The raw message is archived before the payment exists, so a stored payment always has it.
    await this.archive.put({
      transactionId: id,
      direction: 'in',
      messageType: parsed.messageType,
      channel: cmd.channel,
      body: parsed.xml, // exactly what was validated
      at: now.toISOString(),
    });
    const snapshot = payment.toSnapshot();
    const result = await this.repository.create(
      snapshot,
      { idempotency, uetr: tx.uetr, msgIdEndToEndId: extra.uniquenessKey ?? `${gh.msgId}|${tx.endToEndId}` },
      [processJob(id)],
    );
    if (result.kind === 'created') {
      this.signal.notify();
      return { kind: 'accepted', transactionId: id, status: snapshot.status, messageType: parsed.messageType, replayed: false };
    }
    return this.answerDuplicate(cmd.clientId, result.by, result.existingId, result.sameRequest);
  }

  private async answerDuplicate(
    clientId: string,
    by: 'idempotency-key' | 'uetr' | 'msgid-endtoendid',
    existingId: string,
    sameRequest: boolean,
  ): Promise<SubmitPaymentResult> {
    if (by === 'idempotency-key') {
      if (!sameRequest) return { kind: 'idempotency-conflict', transactionId: existingId };
      const first = await this.repository.get(existingId);
      // Replays the first answer: the status the payment had when it was taken.
      return {
        kind: 'accepted',
        transactionId: existingId,
        status: first?.history[0]?.status ?? 'RCVD',
        messageType: first?.messageType ?? 'unknown',
        replayed: true,
      };
    }
    const existing = await this.repository.get(existingId);
    return { kind: 'duplicate', by, existingId: existing?.clientId === clientId ? existingId : null };
  }

  /** Schema-invalid but identifiable: keep a RJCT/FF01 record whose outbox holds the pacs.002. */
  private async rejectInvalid(
    cmd: SubmitPaymentCommand,
    id: string,
    error: Iso20022Error,
    idempotency: { key: string; requestHash: string } | undefined,
  ): Promise<SubmitPaymentResult> {
    const partial = error.partial;
    if (error.code !== 'ISO20022.SCHEMA_INVALID' || !partial.msgId || !partial.messageType) {
      return { kind: 'invalid', error, rejectedTransactionId: null };
    }
    const now = this.clock.now();
    const firstIssue = error.issues[0];
    const text = `schema validation failed${firstIssue?.line ? ` at line ${firstIssue.line}` : ''}`;
    const payment = Payment.rejectOnReceipt(
      {
        id,
        clientId: cmd.clientId,
        at: now,
        messageType: partial.messageType,
        msgId: partial.msgId,
        creationDateTime: partial.creationDateTime ?? null,
        instrId: partial.instrId ?? null,
        endToEndId: partial.endToEndId ?? 'NOTPROVIDED',
        txId: partial.txId ?? null,
        uetr: partial.uetr ?? null,
        amount: null,
        settlementDate: null,
        settlementMethod: null,
        chargeBearer: null,
        debtorName: null,
        debtorAccount: null,
        debtorAgent: null,
        creditorName: null,
        creditorAccount: null,
        creditorAgent: null,
        debtorCountry: null,
        creditorCountry: null,
        instructingAgent: null,
        instructedAgent: null,
        appHeader: null,
      },
      { code: ReasonCode.FORMAT, text },
    );
    const snapshot = payment.toSnapshot();
    await this.archive.put({
      transactionId: id,
      direction: 'in',
      messageType: partial.messageType,
      channel: cmd.channel,
      body: new TextDecoder().decode(cmd.body), // SCHEMA_INVALID: the codec decoded these bytes strictly, so this is lossless
      at: now.toISOString(),
    });
    // The report is archived before the record exists, so a stored RJCT always has its pacs.002.
    await this.reports.write(snapshot);
    // A rejected message does not reserve its MsgId/UETR: the corrected message may be sent again.
    const created = await this.repository.create(
      snapshot,
      { idempotency, msgIdEndToEndId: `rejected:${id}` },
      this.reports.followUpJobs(snapshot),
    );
    if (created.kind === 'duplicate') {
      return created.by === 'idempotency-key' && !created.sameRequest
        ? { kind: 'idempotency-conflict', transactionId: created.existingId }
        : { kind: 'invalid', error, rejectedTransactionId: created.existingId };
    }
    return { kind: 'invalid', error, rejectedTransactionId: id };
  }
}
