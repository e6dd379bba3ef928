// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable } from '@nestjs/common';
import type { PaymentSnapshot } from '#domain';
import {
  CAMT029_MESSAGE_ID,
  CAMT056_MESSAGE_ID,
  PACS004_MESSAGE_ID,
  type AgentId,
  type Iso20022Codec,
  type OriginalTransactionRef,
} from '#iso20022';
import { CLOCK, ISO20022_CODEC, MESSAGE_ARCHIVE } from '../application.tokens.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import type { MessageOwner } from '../own-messages.js';
import type { OutgoingMessage } from '../outgoing-message.js';
import { agentFromKey } from '../status-report/status-report.writer.js';
import { deterministicId, isoSeconds, wrapAnswer } from './answer-header.js';

export { deterministicId, isoSeconds } from './answer-header.js';

/** A required agent: the one given, else the fallback (pacs.008 always has both debtor and creditor agents). */
function agentOr(primary: string | null, fallback: string | null): AgentId {
  const a = agentFromKey(primary) ?? agentFromKey(fallback);
  if (!a) throw new Error('the payment names no agent to address the message to');
  return a;
}

export function originalRef(
  p: PaymentSnapshot,
): OriginalTransactionRef & { group: { msgId: string; msgNmId: string; creationDateTime: string | null } } {
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
 * consumer's outbox), wrapped with an answering AppHdr when the original came with one. The save path stores
 * each with the state it belongs to (see savePayment).
 */
@Injectable()
export class AnswerWriter {
  constructor(
    @Inject(ISO20022_CODEC) readonly codec: Iso20022Codec,
    @Inject(MESSAGE_ARCHIVE) readonly archive: MessageArchive,
    @Inject(CLOCK) readonly clock: Clock,
  ) {}

  /** `document` under an AppHdr answering the transaction's own inbound one, when it had one (see wrapAnswer). */
  withAppHdr(owner: MessageOwner, messageType: string, document: string, bizMsgIdr: string): Promise<string> {
    return wrapAnswer(this, { owner, messageType, document, bizMsgIdr });
  }

  /** The camt.056 asking the legacy host to cancel a released payment (stored in the payment's outbox with the outcome). */
  async cancellationRequest(p: PaymentSnapshot, hostName: string): Promise<OutgoingMessage> {
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
    return { messageType: CAMT056_MESSAGE_ID, channel: `host:${hostName}`, body: xml };
  }

  /** The camt.029 document answering a payment's cancellation (CNCL, or RJCR with the refusal). */
  private resolutionDocument(p: PaymentSnapshot): { id: string; document: string } {
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
    return { id, document };
  }

  /** The camt.029 answering a cancellation, for the payment's outbox (stored with the decided cancellation). */
  async resolution(p: PaymentSnapshot): Promise<OutgoingMessage> {
    const { id, document } = this.resolutionDocument(p);
    return { messageType: CAMT029_MESSAGE_ID, channel: 'gateway', body: await this.withAppHdr(p, CAMT029_MESSAGE_ID, document, id) };
  }

  /** The same camt.029 for the outbox of the camt.056 transaction that asked (stored when that one ends). */
  async resolutionForRequest(p: PaymentSnapshot, request: PaymentSnapshot): Promise<OutgoingMessage> {
    const { id, document } = this.resolutionDocument(p);
    return { messageType: CAMT029_MESSAGE_ID, channel: 'gateway', body: await this.withAppHdr(request, CAMT029_MESSAGE_ID, document, id) };
  }

  /**
   * A camt.029 refusing a camt.056 that names no payment this client has (NOOR) or one that cannot be
   * cancelled, built from the request's own references; for the request transaction's outbox.
   */
  async refusal(
    request: PaymentSnapshot,
    ref: OriginalTransactionRef,
    reason: { code: string; text: string | null },
    agents: { assigner: AgentId | null; assignee: AgentId | null },
  ): Promise<OutgoingMessage> {
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
    return { messageType: CAMT029_MESSAGE_ID, channel: 'gateway', body: await this.withAppHdr(request, CAMT029_MESSAGE_ID, document, id) };
  }

  /** The n-th pacs.028 asking the host for the status of a released payment whose outcome is unknown. */
  async statusRequest(p: PaymentSnapshot, n: number): Promise<string> {
    const id = deterministicId(p.id, 'pacs.028', String(n));
    return this.codec.writePacs028({
      msgId: id,
      creationDateTime: isoSeconds(this.clock.now()),
      statusRequestId: id,
      original: originalRef(p),
      // The request goes the way the payment went: its instructing agent asks its instructed agent.
      instructingAgent: agentFromKey(p.instructingAgent) ?? agentFromKey(p.debtorAgent),
      instructedAgent: agentFromKey(p.instructedAgent) ?? agentFromKey(p.creditorAgent),
    });
  }

  /** The pacs.004 returning a settled payment, linked to it; stored as the latest message of its outbox. */
  async returnMessage(p: PaymentSnapshot, channel: string): Promise<OutgoingMessage> {
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
    return { messageType: PACS004_MESSAGE_ID, channel, body: xml };
  }
}
