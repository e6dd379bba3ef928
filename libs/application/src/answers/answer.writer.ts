import { Inject, Injectable } from '@nestjs/common';
import type { PaymentSnapshot } from '#domain';
import type { AgentId, Iso20022Codec, OriginalTransactionRef } from '#iso20022';
import { CLOCK, ISO20022_CODEC, MESSAGE_ARCHIVE } from '../application.tokens.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import { agentFromKey } from '../status-report/status-report.writer.js';
import { deterministicId, isoSeconds, wrapAnswer } from './answer-header.js';

export { deterministicId, isoSeconds } from './answer-header.js';

export const CAMT056_TYPE = 'camt.056.001.08';
export const CAMT029_TYPE = 'camt.029.001.09';
export const PACS004_TYPE = 'pacs.004.001.09';
export const PAIN002_TYPE = 'pain.002.001.10';



/** A required agent: the one given, else the fallback (pacs.008 always has both debtor and creditor agents). */
function agentOr(primary: string | null, fallback: string | null): AgentId {
  const a = agentFromKey(primary) ?? agentFromKey(fallback);
  if (!a) throw new Error('the payment names no agent to address the message to');
  return a;
}

export function originalRef(p: PaymentSnapshot): OriginalTransactionRef & { group: { msgId: string; msgNmId: string; creationDateTime: string | null } } {
  return {
    group: { msgId: p.msgId, msgNmId: p.messageType, creationDateTime: p.creationDateTime },
    instrId: p.instrId,
    endToEndId: p.endToEndId,
    txId: p.txId,
    uetr: p.uetr,
  };
}

/**
 * Builds the gateway's non-pacs.002 messages of a payment (camt.056 to the host, camt.029 and pacs.004 to the
 * consumer's outbox), wraps them with an answering AppHdr when the original came with one, and archives them.
 */
@Injectable()
export class AnswerWriter {
  constructor(
    @Inject(ISO20022_CODEC) readonly codec: Iso20022Codec,
    @Inject(MESSAGE_ARCHIVE) readonly archive: MessageArchive,
    @Inject(CLOCK) readonly clock: Clock,
  ) {}

  /** `document` under an AppHdr answering the transaction's inbound one, when it had one (see wrapAnswer). */
  withAppHdr(transactionId: string, inboundType: string, messageType: string, document: string, bizMsgIdr: string): Promise<string> {
    return wrapAnswer(this, { transactionId, inboundType, messageType, document, bizMsgIdr });
  }

  private async put(transactionId: string, messageType: string, channel: string, body: string): Promise<void> {
    await this.archive.put({ transactionId, direction: 'out', messageType, channel, body, at: this.clock.now().toISOString() });
  }

  /** The camt.056 asking the legacy host to cancel a released payment; archived in the payment's outbox. */
  async cancellationRequest(p: PaymentSnapshot, hostName: string): Promise<string> {
    const c = p.cancellation;
    const id = deterministicId(p.id, 'camt.056', c?.requestedAt ?? '');
    const xml = this.codec.writeCamt056({
      assignmentId: id,
      creationDateTime: isoSeconds(this.clock.now()),
      assigner: agentOr(p.instructingAgent, p.debtorAgent),
      assignee: agentOr(p.instructedAgent, p.creditorAgent),
      caseId: id,
      cancellationId: id,
      original: originalRef(p),
      amount: p.amount,
      settlementDate: p.settlementDate,
      reason: { code: c?.reason?.code ?? 'CUST', text: c?.reason?.text ?? null },
    });
    await this.put(p.id, CAMT056_TYPE, `host:${hostName}`, xml);
    return xml;
  }

  /**
   * The camt.029 that answers a cancellation (CNCL, or RJCR with the refusal), archived as the latest message
   * of the payment's outbox and, when the cancellation came as a camt.056 through the inbox, of that
   * request's outbox too.
   */
  async writeResolution(p: PaymentSnapshot, requestTransaction: PaymentSnapshot | null = null): Promise<string> {
    const c = p.cancellation;
    const cancelled = p.status === 'CANC';
    const id = deterministicId(p.id, 'camt.029', cancelled ? 'CNCL' : 'RJCR', c?.decidedAt ?? '');
    const document = this.codec.writeCamt029({
      assignmentId: id,
      creationDateTime: isoSeconds(this.clock.now()),
      assigner: agentOr(p.instructedAgent, p.creditorAgent),
      assignee: agentOr(p.instructingAgent, p.debtorAgent),
      resolvedCase: null,
      status: cancelled ? 'CNCL' : 'RJCR',
      cancellationStatusId: null,
      original: originalRef(p),
      reason: cancelled ? null : { code: c?.refusal?.code ?? 'NARR', text: c?.refusal?.text ?? null },
      originalAmount: p.amount,
      originalSettlementDate: p.settlementDate,
    });
    const forPayment = await this.withAppHdr(p.id, p.messageType, CAMT029_TYPE, document, id);
    await this.put(p.id, CAMT029_TYPE, 'gateway', forPayment);
    if (requestTransaction) {
      const forRequest = await this.withAppHdr(requestTransaction.id, requestTransaction.messageType, CAMT029_TYPE, document, id);
      await this.put(requestTransaction.id, CAMT029_TYPE, 'gateway', forRequest);
    }
    return forPayment;
  }

  /**
   * A camt.029 refusing a camt.056 that names no payment this client has (NOOR) or one that cannot be
   * cancelled, built from the request's own references; archived in the request transaction's outbox.
   */
  async refuseRequest(
    request: PaymentSnapshot,
    ref: OriginalTransactionRef,
    reason: { code: string; text: string | null },
    agents: { assigner: AgentId | null; assignee: AgentId | null },
  ): Promise<void> {
    const id = deterministicId(request.id, 'camt.029', 'RJCR');
    const fallback: AgentId = { bic: null, clearingSystem: null, memberId: null, name: 'UNKNOWN' };
    const document = this.codec.writeCamt029({
      assignmentId: id,
      creationDateTime: isoSeconds(this.clock.now()),
      // We answer the request: its assignee answers its assigner.
      assigner: agents.assignee ?? agents.assigner ?? fallback,
      assignee: agents.assigner ?? agents.assignee ?? fallback,
      resolvedCase: null,
      status: 'RJCR',
      cancellationStatusId: null,
      original: {
        ...ref,
        group: ref.group ?? { msgId: 'NOTPROVIDED', msgNmId: 'pacs.008.001.08', creationDateTime: null },
      },
      reason,
      originalAmount: null,
      originalSettlementDate: null,
    });
    await this.put(request.id, CAMT029_TYPE, 'gateway', await this.withAppHdr(request.id, request.messageType, CAMT029_TYPE, document, id));
  }

  /** The pacs.004 returning a settled payment, linked to it; archived as the latest message of its outbox. */
  async returnMessage(p: PaymentSnapshot, channel: string): Promise<string> {
    const r = p.returnInfo;
    const id = deterministicId(p.id, 'pacs.004', r?.at ?? '');
    const amount = r?.amount ?? p.amount;
    if (!amount) throw new Error(`payment ${p.id} has no amount to return`);
    const xml = this.codec.writePacs004({
      msgId: id,
      creationDateTime: isoSeconds(this.clock.now()),
      // The return goes back the way the payment came.
      instructingAgent: agentFromKey(p.instructedAgent) ?? agentFromKey(p.creditorAgent),
      instructedAgent: agentFromKey(p.instructingAgent) ?? agentFromKey(p.debtorAgent),
      returnId: id,
      original: originalRef(p),
      originalAmount: p.amount,
      originalSettlementDate: p.settlementDate,
      returnedAmount: amount,
      settlementDate: this.clock.now().toISOString().slice(0, 10),
      chargeBearer: null,
      reason: { code: r?.reason?.code ?? 'CUST', text: r?.reason?.text ?? null },
    });
    await this.put(p.id, PACS004_TYPE, channel, xml);
    return xml;
  }
}
