import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Payment, type PaymentDetails, type PaymentSnapshot, type StatusReason, type TransactionKind } from '#domain';
import type { Iso20022Codec, OriginalTransactionRef, ParsedMessage } from '#iso20022';
import { CLOCK, ISO20022_CODEC, MESSAGE_ARCHIVE, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { AnswerWriter, deterministicId, isoSeconds, PAIN002_TYPE } from '../answers/answer.writer.js';
import { completeRequest } from '../cancel-payment/cancel-payment.handler.js';
import { completeMessage } from '../payment-steps.js';
import { DecidePaymentCommand, type DecisionResult } from '../decide-payment/decide-payment.command.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository, UniquenessKeys } from '../ports/transaction-repository.port.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import type { SubmitPaymentCommand, SubmitPaymentResult } from './submit-payment.command.js';

/** What the payment path needs to take one pacs.008 (from the API, or mapped from a pain.001 transaction). */
export interface PaymentIntake {
  take(
    cmd: { clientId: string; channel: string },
    id: string,
    parsed: ParsedMessage,
    idempotency: { key: string; requestHash: string } | undefined,
    extra?: { relatedTransactionId?: string; uniquenessKey?: string },
  ): Promise<SubmitPaymentResult>;
}

const EMPTY_DETAILS: Omit<PaymentDetails, 'messageType' | 'msgId' | 'endToEndId'> = {
  creationDateTime: null,
  instrId: null,
  txId: null,
  uetr: null,
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
  instructingAgent: null,
  instructedAgent: null,
  appHeader: null,
};

/** A UUID (version 4 layout) derived from a seed: the same pain.001 transaction always gets the same id. */
export function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The inbox's messages other than pacs.008: each gets its own transaction (kind status-request,
 * cancellation-request, return or initiation) whose outbox holds the answer: pacs.002 for a pacs.028,
 * camt.029 for a camt.056, pacs.002 for a pacs.004, pain.002 for a pain.001.
 */
@Injectable()
export class MessageIntake {
  constructor(
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly reports: StatusReportWriter,
    private readonly answers: AnswerWriter,
    private readonly commands: CommandBus,
  ) {}

  static readonly TYPES: ReadonlyMap<string, Exclude<TransactionKind, 'payment'>> = new Map([
    ['pacs.028.001.03', 'status-request'],
    ['camt.056.001.08', 'cancellation-request'],
    ['camt.056.001.11', 'cancellation-request'],
    ['pacs.004.001.09', 'return'],
    ['pacs.004.001.13', 'return'],
    ['pain.001.001.09', 'initiation'],
  ]);

  /** The payment a message refers to, if this client has it: by UETR, else by its MsgId + EndToEndId. */
  private async findOriginal(clientId: string, ref: OriginalTransactionRef | null): Promise<PaymentSnapshot | null> {
    if (!ref) return null;
    let id: string | null = null;
    if (ref.uetr) id = await this.repository.findId({ uetr: ref.uetr });
    if (!id && ref.group?.msgId && ref.endToEndId) {
      id = await this.repository.findId({ clientId, msgIdEndToEndId: `${ref.group.msgId}|${ref.endToEndId}` });
    }
    if (!id) return null;
    const p = await this.repository.get(id);
    return p && p.clientId === clientId && (p.kind ?? 'payment') === 'payment' ? p : null;
  }

  /** Archives the raw message, then stores the message transaction; a duplicate answers like the payment path. */
  private async store(
    cmd: SubmitPaymentCommand,
    message: Payment,
    parsed: ParsedMessage,
    keys: UniquenessKeys,
  ): Promise<{ created: true } | { created: false; result: SubmitPaymentResult }> {
    const snapshot = message.toSnapshot();
    await this.archive.put({
      transactionId: snapshot.id,
      direction: 'in',
      messageType: parsed.messageType,
      channel: cmd.channel,
      body: parsed.xml, // exactly what was validated
      at: this.clock.now().toISOString(),
    });
    const result = await this.repository.create(snapshot, keys, []);
    if (result.kind === 'created') return { created: true };
    if (result.by === 'idempotency-key') {
      if (!result.sameRequest) return { created: false, result: { kind: 'idempotency-conflict', transactionId: result.existingId } };
      const first = await this.repository.get(result.existingId);
      return {
        created: false,
        result: { kind: 'accepted', transactionId: result.existingId, status: first?.history[0]?.status ?? 'RCVD', messageType: parsed.messageType, replayed: true },
      };
    }
    const existing = await this.repository.get(result.existingId);
    return { created: false, result: { kind: 'duplicate', by: result.by, existingId: existing?.clientId === cmd.clientId ? result.existingId : null } };
  }

  private base(
    cmd: SubmitPaymentCommand,
    id: string,
    parsed: ParsedMessage,
    kind: Exclude<TransactionKind, 'payment'>,
    msgId: string,
    creationDateTime: string | null,
    endToEndId: string,
    extra: Partial<PaymentDetails> = {},
  ): Payment {
    const hdr = parsed.appHeader;
    return Payment.receiveMessage({
      ...EMPTY_DETAILS,
      ...extra,
      id,
      clientId: cmd.clientId,
      at: this.clock.now(),
      kind,
      messageType: parsed.messageType,
      msgId,
      creationDateTime,
      endToEndId,
      appHeader: hdr ? { from: hdr.from, to: hdr.to, bizMsgIdr: hdr.bizMsgIdr, msgDefIdr: hdr.msgDefIdr, version: hdr.version, bizSvc: hdr.bizSvc, creationDate: hdr.creationDate, envelope: parsed.envelope } : null,
    });
  }

  private finish(id: string, to: 'ACSC' | 'RJCT', reason?: StatusReason): Promise<PaymentSnapshot> {
    return completeMessage({ repository: this.repository, clock: this.clock }, id, to, reason);
  }

  async take(cmd: SubmitPaymentCommand, id: string, parsed: ParsedMessage, idempotency: UniquenessKeys['idempotency'], payments: PaymentIntake): Promise<SubmitPaymentResult> {
    switch (MessageIntake.TYPES.get(parsed.messageType)) {
      case 'status-request':
        return this.statusRequest(cmd, id, parsed, idempotency);
      case 'cancellation-request':
        return this.cancellationRequest(cmd, id, parsed, idempotency);
      case 'return':
        return this.inboundReturn(cmd, id, parsed, idempotency);
      case 'initiation':
        return this.initiation(cmd, id, parsed, idempotency, payments);
      default:
        throw new Error(`no intake for ${parsed.messageType}`);
    }
  }

  /** pacs.028: answered at once with a pacs.002 carrying the payment's current status. */
  private async statusRequest(cmd: SubmitPaymentCommand, id: string, parsed: ParsedMessage, idempotency: UniquenessKeys['idempotency']): Promise<SubmitPaymentResult> {
    const req = this.codec.readPacs028(parsed);
    const ref = req.transaction;
    const message = this.base(cmd, id, parsed, 'status-request', req.msgId, req.creationDateTime, ref?.endToEndId ?? 'NOTPROVIDED');
    const original = await this.findOriginal(cmd.clientId, ref);
    if (original) message.annotate({ relatedTransactionId: original.id }, this.clock.now());
    const stored = await this.store(cmd, message, parsed, { idempotency, msgIdEndToEndId: `pacs.028|${req.msgId}|${ref?.endToEndId ?? ''}` });
    if (!stored.created) return stored.result;
    // The answer: the original's pacs.002 as it stands now, or a RJCT naming the references we could not find.
    const answerFor: PaymentSnapshot = original
      ? { ...original, id }
      : {
          ...message.toSnapshot(),
          msgId: ref?.group?.msgId ?? 'NOTPROVIDED',
          messageType: ref?.group?.msgNmId ?? 'pacs.008.001.08',
          creationDateTime: ref?.group?.creationDateTime ?? null,
          instrId: ref?.instrId ?? null,
          endToEndId: ref?.endToEndId ?? 'NOTPROVIDED',
          txId: ref?.txId ?? null,
          uetr: ref?.uetr ?? null,
          status: 'RJCT',
          reason: { code: 'NARR', text: 'no payment with these references for this client' },
        };
    await this.reports.writeAnswer(answerFor, id, parsed);
    const done = await this.finish(id, original ? 'ACSC' : 'RJCT', original ? undefined : { code: 'NARR', text: 'no such payment' });
    return { kind: 'accepted', transactionId: id, status: done.history[0]!.status, messageType: parsed.messageType, replayed: false };
  }

  /** camt.056: becomes a cancel decision on the payment it names; the camt.029 answers in both outboxes. */
  private async cancellationRequest(cmd: SubmitPaymentCommand, id: string, parsed: ParsedMessage, idempotency: UniquenessKeys['idempotency']): Promise<SubmitPaymentResult> {
    const req = this.codec.readCamt056(parsed);
    const tx = req.transaction;
    const message = this.base(cmd, id, parsed, 'cancellation-request', req.assignment.id, req.assignment.creationDateTime, tx?.endToEndId ?? 'NOTPROVIDED');
    const original = await this.findOriginal(cmd.clientId, tx);
    if (original) message.annotate({ relatedTransactionId: original.id }, this.clock.now());
    const stored = await this.store(cmd, message, parsed, { idempotency, msgIdEndToEndId: `camt.056|${req.assignment.id}|${tx?.cancellationId ?? tx?.endToEndId ?? ''}` });
    if (!stored.created) return stored.result;
    const accepted = (): SubmitPaymentResult => ({ kind: 'accepted', transactionId: id, status: 'RCVD', messageType: parsed.messageType, replayed: false });
    const agents = { assigner: req.assignment.assigner.agent, assignee: req.assignment.assignee.agent };
    if (!original || !tx) {
      await this.answers.refuseRequest(message.toSnapshot(), tx ?? { group: null, instrId: null, endToEndId: null, txId: null, uetr: null }, { code: 'NOOR', text: 'no payment with these references for this client' }, agents);
      await this.finish(id, 'RJCT', { code: 'NOOR', text: 'original payment not found' });
      return accepted();
    }
    const reason = tx.reason?.code ? { code: tx.reason.code, text: tx.reason.text } : { code: 'CUST', text: tx.reason?.text ?? null };
    const decision: DecisionResult = await this.commands.execute(new DecidePaymentCommand(cmd.clientId, original.id, 'cancel', reason, id));
    if (decision.kind === 'not-allowed' || decision.kind === 'not-found') {
      const code = decision.kind === 'not-allowed' && decision.transaction.returnInfo ? 'ARDT' : 'NOOR';
      const text = decision.kind === 'not-allowed' ? decision.detail.slice(0, 105) : 'no such payment';
      await this.answers.refuseRequest(message.toSnapshot(), tx, { code, text }, agents);
      await this.finish(id, 'RJCT', { code, text });
      return accepted();
    }
    if (decision.kind === 'completed') {
      // Decided at once (before release, or in core mode): the camt.029 was written for both transactions.
      const p = Payment.fromSnapshot(decision.transaction);
      if (decision.replayed) await this.answers.writeResolution(decision.transaction, await this.repository.get(id));
      await completeRequest(this.repository, this.clock, id, p);
    }
    // Otherwise the cancel job asks the host; its camt.029 ends this transaction too.
    return accepted();
  }

  /** pacs.004 from downstream: recorded on the payment it returns; answered with a pacs.002. */
  private async inboundReturn(cmd: SubmitPaymentCommand, id: string, parsed: ParsedMessage, idempotency: UniquenessKeys['idempotency']): Promise<SubmitPaymentResult> {
    const ret = this.codec.readPacs004(parsed);
    const tx = ret.transactions[0] ?? null;
    const now = this.clock.now();
    const msg = this.base(cmd, id, parsed, 'return', ret.msgId, ret.creationDateTime, tx?.endToEndId ?? 'NOTPROVIDED', {
      txId: tx?.returnId ?? null,
      amount: tx?.returnedAmount ?? null,
      uetr: null,
    });
    const original = await this.findOriginal(cmd.clientId, tx);
    if (original) msg.annotate({ relatedTransactionId: original.id }, now);
    const stored = await this.store(cmd, msg, parsed, { idempotency, msgIdEndToEndId: `pacs.004|${ret.msgId}|${tx?.returnId ?? tx?.endToEndId ?? ''}` });
    if (!stored.created) return stored.result;
    let linked = false;
    if (original && original.status === 'ACSC' && !original.returnInfo) {
      for (let attempt = 0; attempt < 5 && !linked; attempt++) {
        const fresh = await this.repository.get(original.id);
        if (!fresh || fresh.returnInfo) break;
        const p = Payment.fromSnapshot(fresh);
        p.annotate(
          {
            returnInfo: {
              direction: 'inbound',
              state: 'received',
              at: now.toISOString(),
              decidedAt: now.toISOString(),
              reason: tx?.reason?.code ? { code: tx.reason.code, text: tx.reason.text } : null,
              amount: tx?.returnedAmount ?? null,
              returnTransactionId: id,
            },
          },
          now,
        );
        linked = await this.repository.update(p.toSnapshot(), fresh.version, []);
      }
    }
    const reason = linked ? undefined : { code: 'NARR', text: original ? `payment ${original.id} is ${original.status}${original.returnInfo ? ', already returned' : ''}` : 'no settled payment with these references for this client' };
    const done = await this.finish(id, linked ? 'ACSC' : 'RJCT', reason);
    await this.reports.writeAnswer({ ...done, messageType: parsed.messageType }, id, parsed);
    return { kind: 'accepted', transactionId: id, status: 'RCVD', messageType: parsed.messageType, replayed: false };
  }

  /** pain.001: one pacs.008 per transaction, each a payment of its own; a pain.002 answers the whole. */
  private async initiation(cmd: SubmitPaymentCommand, id: string, parsed: ParsedMessage, idempotency: UniquenessKeys['idempotency'], payments: PaymentIntake): Promise<SubmitPaymentResult> {
    const pain = this.codec.readPain001(parsed);
    const gh = pain.groupHeader;
    const results: { pmtInfId: string; instrId: string | null; endToEndId: string; uetr: string | null; childId: string | null; status: string; reason: { code: string; text: string | null } | null }[] = [];
    let index = 0;
    for (const pmtInf of pain.paymentInformation) {
      for (const t of pmtInf.transactions) {
        index++;
        const childId = uuidFrom(`${cmd.clientId}|${gh.msgId}|${pmtInf.pmtInfId}|${t.endToEndId}|${index}`);
        const uetr = t.uetr ?? uuidFrom(`uetr|${childId}`);
        const row = { pmtInfId: pmtInf.pmtInfId, instrId: t.instrId, endToEndId: t.endToEndId, uetr, childId: null as string | null, status: 'ACTC', reason: null as { code: string; text: string | null } | null };
        results.push(row);
        // EqvtAmt in the currency to transfer needs no conversion; another currency would (not done here).
        const amount =
          t.instructedAmount ??
          (t.equivalentAmount && t.currencyOfTransfer === t.equivalentAmount.currency ? t.equivalentAmount : null);
        if (!amount) {
          row.status = 'RJCT';
          row.reason = { code: 'AM03', text: 'EqvtAmt in another currency than CcyOfTrf needs a currency conversion' };
          continue;
        }
        let xml: string;
        try {
          xml = this.codec.writePacs008({
            msgId: deterministicId(childId, 'pacs.008'),
            creationDateTime: isoSeconds(this.clock.now()),
            settlementMethod: 'INDA',
            clearingSystem: null,
            transaction: {
              instrId: t.instrId,
              endToEndId: t.endToEndId,
              txId: null,
              uetr,
              interbankSettlementAmount: amount,
              interbankSettlementDate: pmtInf.requestedExecutionDate.slice(0, 10),
              instructedAmount: amount,
              chargeBearer: t.chargeBearer ?? pmtInf.chargeBearer ?? 'SHAR',
              instructingAgent: pmtInf.debtorAgent,
              instructedAgent: t.creditorAgent,
              debtor: pmtInf.debtor,
              debtorAccount: pmtInf.debtorAccount,
              debtorAgent: pmtInf.debtorAgent,
              creditor: t.creditor,
              creditorAccount: t.creditorAccount,
              creditorAgent: t.creditorAgent,
              remittanceInformation: t.remittanceInformation,
            },
          });
        } catch (e) {
          row.status = 'RJCT';
          row.reason = { code: 'FF01', text: `cannot be mapped to a pacs.008: ${(e as Error).message}`.slice(0, 105) };
          continue;
        }
        let childParsed: ParsedMessage;
        try {
          childParsed = this.codec.parse(xml);
        } catch (e) {
          row.status = 'RJCT';
          row.reason = { code: 'FF01', text: `the mapped pacs.008 is not valid: ${(e as Error).message}`.slice(0, 105) };
          continue;
        }
        const taken = await payments.take(
          { clientId: cmd.clientId, channel: 'pain.001' },
          childId,
          childParsed,
          undefined,
          { relatedTransactionId: id, uniquenessKey: `pain.001|${gh.msgId}|${pmtInf.pmtInfId}|${t.endToEndId}` },
        );
        if (taken.kind === 'accepted') row.childId = taken.transactionId;
        else if (taken.kind === 'duplicate' && taken.existingId === childId) row.childId = childId;
        else {
          row.status = 'RJCT';
          row.reason = taken.kind === 'duplicate' ? { code: 'DUPL', text: `duplicate of ${taken.existingId ?? 'another payment'}` } : { code: 'NARR', text: taken.kind };
        }
      }
    }
    const taken = results.filter((r) => r.childId !== null);
    const message = this.base(cmd, id, parsed, 'initiation', gh.msgId, gh.creationDateTime, results[0]?.endToEndId ?? 'NOTPROVIDED');
    message.annotate({ childTransactionIds: taken.map((r) => r.childId!) }, this.clock.now());
    const stored = await this.store(cmd, message, parsed, { idempotency, msgIdEndToEndId: `pain.001|${gh.msgId}` });
    if (!stored.created) return stored.result;
    const groupStatus = taken.length === results.length ? 'ACTC' : taken.length === 0 ? 'RJCT' : 'PART';
    const painId = deterministicId(id, 'pain.002');
    const document = this.codec.writePain002({
      msgId: painId,
      creationDateTime: isoSeconds(this.clock.now()),
      initiatingParty: gh.initiatingParty,
      original: { msgId: gh.msgId, msgNmId: parsed.messageType, creationDateTime: gh.creationDateTime, numberOfTransactions: gh.numberOfTransactions },
      groupStatus,
      groupReason: null,
      paymentInformation: pain.paymentInformation.map((pi) => ({
        pmtInfId: pi.pmtInfId,
        status: null,
        transactions: results
          .filter((r) => r.pmtInfId === pi.pmtInfId)
          .map((r) => ({ instrId: r.instrId, endToEndId: r.endToEndId, uetr: r.uetr, status: r.status, reason: r.reason })),
      })),
    });
    const body = await this.answers.withAppHdr(id, parsed.messageType, PAIN002_TYPE, document, painId);
    await this.archive.put({ transactionId: id, direction: 'out', messageType: PAIN002_TYPE, channel: 'gateway', body, at: this.clock.now().toISOString() });
    await this.finish(id, taken.length > 0 ? 'ACSC' : 'RJCT', taken.length > 0 ? undefined : { code: 'NARR', text: 'none of its transactions could be taken' });
    return { kind: 'accepted', transactionId: id, status: 'RCVD', messageType: parsed.messageType, replayed: false };
  }
}
