// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Iso20022Error,
  PACS002_MESSAGE_ID,
  type AgentId,
  type Camt056,
  type CaseParty,
  type Iso20022Codec,
  type Pacs004,
  type Pacs008,
  type Pacs028,
  type ParsedMessage,
} from '#iso20022';
import { FaultInjector } from '../faults/fault-injector.js';
import { decide, formatRejectionFor, idempotencyKey, isoSeconds, newReportMsgId, statusReportFor } from '../payments/payment-decider.js';
import { PaymentLedger, type PaymentRecord } from '../payments/payment-ledger.js';
import type { ResolvedSimulatorConfig } from '../sim.config.js';
import { SIM_CODEC, SIM_CONFIG } from '../sim.tokens.js';

/** One message for the host, whatever carried it (HTTP today, a queue later). */
export interface HostRequest {
  /** The message id the sender says it sent (`X-Message-Type`); null: taken from the message itself. */
  messageType: string | null;
  /** The sender's idempotency key (`Idempotency-Key`); null: derived from the message. */
  idempotencyKey: string | null;
  body: string | Uint8Array;
  /** The W3C `traceparent` the message came with (HTTP header, AMQP header); recorded with the payment. */
  traceparent?: string | null;
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A `traceparent` header value as the host keeps it: a well-formed W3C one, else null (nothing else is echoed). */
export function receivedTraceparent(value: unknown): string | null {
  const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : null;
  if (text === null) return null;
  const trimmed = text.trim();
  return TRACEPARENT.test(trimmed) && !trimmed.startsWith('ff-') ? trimmed : null;
}

/** The host's answer: an HTTP-like status and a body (ISO 20022 XML, or an RFC 9457 problem as JSON). */
export interface HostAnswer {
  /** 200 answered; 400 the message cannot be taken; 503 unavailable (injected error, host down). */
  status: number;
  contentType: string;
  body: string;
  /** The message id of `body` (`pacs.002.001.10`, `camt.029.001.09`), or null for a problem. */
  messageType: string | null;
  /**
   * The host decided and recorded, but this answer is lost (the `dropAnswers` / `dropAnswerRate` faults): the
   * transport sends nothing (HTTP closes the connection, AMQP acks the request without a reply).
   */
  lost?: true;
}

/** What a transport's endpoint takes: HTTP has one path per family; a queue may take any (null). */
export type HostMessageFamily = 'pacs.008' | 'camt.056' | 'pacs.004' | 'pacs.028';
const FAMILIES: readonly HostMessageFamily[] = ['pacs.008', 'camt.056', 'pacs.004', 'pacs.028'];

/** The reason the host gives when it refuses to cancel a payment it took too long ago (see README). */
export const CANCEL_WINDOW_REASON = 'CUST';
/** The reason when it never got (or never settled) the payment: no original transaction received. */
export const NO_ORIGINAL_REASON = 'NOOR';
/** The reason when the payment was returned already. */
export const ALREADY_RETURNED_REASON = 'ARDT';

const XML = 'application/xml; charset=utf-8';
const MAX_KEY_LENGTH = 255;

export function problemAnswer(status: number, code: string, title: string, detail?: string): HostAnswer {
  return {
    status,
    contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title, status, code, ...(detail ? { detail } : {}) }),
    messageType: null,
  };
}

function xmlAnswer(body: string, messageType: string, status = 200): HostAnswer {
  return { status, contentType: XML, body, messageType };
}

/** An agent for a `Party40Choice` that names a party instead (answers need an agent). */
function agentOf(p: CaseParty | null, fallbackName: string): AgentId {
  if (p?.agent) return p.agent;
  return { bic: null, clearingSystem: null, memberId: null, name: p?.party?.name ?? fallbackName };
}

interface CancellationDecision {
  status: 'CNCL' | 'RJCR';
  reason: { code: string; text: string | null } | null;
}

/**
 * The simulated host's decisions, independent of the transport: takes a pacs.008 (answers a pacs.002),
 * a camt.056 (answers a camt.029), a pacs.004 (answers a pacs.002) or a pacs.028 status request (answers, from
 * its records, the pacs.002 it gave for that payment, or a pacs.002 RJCT NOOR with status 404 when it never
 * took it), idempotent per key, with the configured latency and faults. The HTTP controllers call `handle`; the
 * AMQP transport does the same.
 */
@Injectable()
export class HostMessageService {
  private readonly logger = new Logger('HostMessages');
  private readonly debug: boolean;

  constructor(
    @Inject(SIM_CODEC) private readonly codec: Iso20022Codec,
    @Inject(PaymentLedger) private readonly ledger: PaymentLedger,
    @Inject(FaultInjector) private readonly faults: FaultInjector,
    @Inject(SIM_CONFIG) config: ResolvedSimulatorConfig,
  ) {
    this.debug = config.debug;
  }

  /**
   * Answers one message. `accept` limits the families taken (an HTTP path takes one); null takes all
   * four. Never throws for bad input: every outcome is an answer.
   */
  async handle(req: HostRequest, accept: HostMessageFamily | null = null): Promise<HostAnswer> {
    if (this.faults.down) return problemAnswer(503, 'SIM.DOWN', 'Service unavailable (host down)');
    await this.faults.latency();
    if (this.faults.rollError()) {
      this.log('injected error -> 503');
      return problemAnswer(503, 'SIM.INJECTED_ERROR', 'Service unavailable (injected fault)');
    }
    const keyHeader = req.idempotencyKey;
    if (keyHeader !== null && (keyHeader.trim() === '' || keyHeader.length > MAX_KEY_LENGTH)) {
      return problemAnswer(400, 'SIM.BAD_IDEMPOTENCY_KEY', 'Bad Idempotency-Key', `1..${MAX_KEY_LENGTH} characters`);
    }

    let parsed: ParsedMessage;
    try {
      parsed = this.codec.parse(req.body);
    } catch (err) {
      return this.answerInvalid(err, accept === null || accept === 'pacs.008');
    }
    const family = FAMILIES.find((f) => parsed.messageType.startsWith(`${f}.`));
    if (family === undefined || (accept !== null && family !== accept)) {
      const wanted = accept ?? 'pacs.008, camt.056, pacs.004 or pacs.028';
      return problemAnswer(400, 'ISO20022.UNSUPPORTED_MESSAGE', `Not a ${wanted}`, `got ${parsed.messageType}`);
    }
    if (req.messageType !== null && req.messageType.trim() !== '' && req.messageType.trim() !== parsed.messageType) {
      return problemAnswer(
        400,
        'SIM.MESSAGE_TYPE_MISMATCH',
        'X-Message-Type does not match the message',
        `said ${req.messageType.trim()}, got ${parsed.messageType}`,
      );
    }
    const key = keyHeader?.trim() || null;
    try {
      switch (family) {
        case 'pacs.008':
          return await this.payment(this.codec.readPacs008(parsed), key, receivedTraceparent(req.traceparent));
        case 'camt.056':
          return await this.cancellation(this.codec.readCamt056(parsed), key);
        case 'pacs.004':
          return await this.paymentReturn(this.codec.readPacs004(parsed), key);
        case 'pacs.028':
          return this.statusRequest(this.codec.readPacs028(parsed), key);
      }
    } catch (err) {
      if (err instanceof RangeError) {
        // The message passed the schema, but its references cannot make a valid answer.
        return problemAnswer(400, 'SIM.CANNOT_ANSWER', 'The host cannot answer this message', err.message);
      }
      return this.answerInvalid(err, family === 'pacs.008');
    }
  }

  private async payment(msg: Pacs008, keyHeader: string | null, traceparent: string | null): Promise<HostAnswer> {
    const tx = msg.transactions[0];
    if (!tx) return problemAnswer(400, 'SIM.NO_TRANSACTION', 'The pacs.008 holds no transaction');
    // Look up and record without any await in between: two concurrent deliveries of a key cannot both decide.
    const key = idempotencyKey(keyHeader ?? undefined, msg);
    let record: PaymentRecord;
    let replay = false;
    if (this.ledger.get(key)) {
      record = this.ledger.replay(key);
      replay = true;
    } else {
      const decision = decide(tx, this.faults.current.rejectSuffix);
      const now = new Date();
      record = this.ledger.record({
        key,
        uetr: tx.uetr,
        msgId: msg.groupHeader.msgId,
        endToEndId: tx.endToEndId,
        status: decision.status,
        reasonCode: decision.reason?.code ?? null,
        reasonText: decision.reason?.text ?? null,
        statusReport: statusReportFor(this.codec, msg, tx, decision, now),
        decidedAt: now.toISOString(),
        traceparent,
      });
    }
    const line = `payment key=${key} ${record.status} (${replay ? 'replay' : 'new'})`;
    if (this.faults.rollDropAnswer()) {
      this.ledger.countDroppedAnswer();
      this.log(`${line}, answer lost`);
      return { ...xmlAnswer(record.statusReport, PACS002_MESSAGE_ID), lost: true };
    }
    await this.maybeHold(line);
    return xmlAnswer(record.statusReport, PACS002_MESSAGE_ID);
  }

  /**
   * A status request (pacs.028) answered from the host's records: the pacs.002 it answered (or would answer
   * again) to the payment asked about, found by UETR, else by MsgId + EndToEndId; for a payment it never took,
   * a pacs.002 RJCT NOOR ("no original transaction received") about the payment asked about, with status 404.
   * It changes nothing, so it is not keyed (any idempotency key is fine) and never held back or lost.
   */
  private statusRequest(req: Pacs028, key: string | null): HostAnswer {
    const tx = req.transaction;
    if (!tx) return problemAnswer(400, 'SIM.NO_TRANSACTION', 'The pacs.028 holds no transaction');
    const payment = this.ledger.findPayment({ uetr: tx.uetr, msgId: tx.group?.msgId ?? null, endToEndId: tx.endToEndId });
    this.ledger.countStatusRequest(payment !== undefined);
    if (payment) {
      this.log(`status request key=${key ?? '-'} for payment key=${payment.key}: ${payment.status}`);
      return xmlAnswer(payment.statusReport, PACS002_MESSAGE_ID);
    }
    const now = new Date();
    const report = this.codec.writePacs002({
      msgId: newReportMsgId(),
      creationDateTime: isoSeconds(now),
      instructingAgent: null,
      instructedAgent: null,
      original: {
        msgId: tx.group?.msgId ?? req.msgId,
        msgNmId: tx.group?.msgNmId ?? req.messageType,
        creationDateTime: tx.group?.creationDateTime ?? null,
        instrId: tx.instrId,
        endToEndId: tx.endToEndId,
        txId: tx.txId,
        uetr: tx.uetr,
        amount: null,
        settlementDate: null,
      },
      status: 'RJCT',
      reason: { code: NO_ORIGINAL_REASON, text: 'the host has no record of this payment' },
      acceptanceDateTime: null,
    });
    this.log(`status request key=${key ?? '-'}: no such payment (NOOR)`);
    return xmlAnswer(report, PACS002_MESSAGE_ID, 404);
  }

  /** The host's rule for a cancellation request about `payment` (see README, "The legacy-host simulator"). */
  private decideCancellation(payment: PaymentRecord | undefined, now: Date): CancellationDecision {
    if (payment === undefined) {
      return { status: 'RJCR', reason: { code: NO_ORIGINAL_REASON, text: 'the host never received the original payment' } };
    }
    if (payment.status !== 'ACSC') {
      return {
        status: 'RJCR',
        reason: { code: NO_ORIGINAL_REASON, text: `the original payment was rejected (${payment.reasonCode ?? 'RJCT'})` },
      };
    }
    if (this.ledger.isReturned(payment.key)) {
      return { status: 'RJCR', reason: { code: ALREADY_RETURNED_REASON, text: 'the payment was returned already' } };
    }
    if (this.ledger.isCancelled(payment.key)) return { status: 'CNCL', reason: null };
    const windowSeconds = this.faults.current.cancelWindowSeconds;
    const ageMs = now.getTime() - Date.parse(payment.decidedAt);
    if (ageMs >= windowSeconds * 1000) {
      return {
        status: 'RJCR',
        reason: {
          code: CANCEL_WINDOW_REASON,
          text: `settled ${Math.floor(ageMs / 1000)} s ago, beyond the ${windowSeconds} s cancellation window`,
        },
      };
    }
    return { status: 'CNCL', reason: null };
  }

  private async cancellation(req: Camt056, keyHeader: string | null): Promise<HostAnswer> {
    const tx = req.transaction;
    if (!tx) return problemAnswer(400, 'SIM.NO_TRANSACTION', 'The camt.056 holds no transaction');
    const key = keyHeader ?? `camt.056/${req.assignment.id}`;
    const known = this.ledger.getCancellation(key);
    if (known) {
      const rec = this.ledger.replayCancellation(key);
      await this.maybeHold(`cancellation key=${key} ${rec.status} (replay)`);
      return xmlAnswer(rec.resolution, 'camt.029.001.09');
    }
    const payment = this.ledger.findPayment({ uetr: tx.uetr, msgId: tx.group?.msgId ?? null, endToEndId: tx.endToEndId });
    const now = new Date();
    const decision = this.decideCancellation(payment, now);
    const assigner = agentOf(req.assignment.assignee, 'legacy host');
    const resolution = this.codec.writeCamt029({
      assignmentId: newReportMsgId(),
      creationDateTime: isoSeconds(now),
      assigner,
      assignee: agentOf(req.assignment.assigner, 'requester'),
      resolvedCase: req.caseId === null ? null : { id: req.caseId, creator: agentOf(req.caseCreator, 'requester') },
      status: decision.status,
      cancellationStatusId: tx.cancellationId,
      original: { group: tx.group, instrId: tx.instrId, endToEndId: tx.endToEndId, txId: tx.txId, uetr: tx.uetr },
      reason: decision.reason,
      originalAmount: tx.interbankSettlementAmount,
      originalSettlementDate: tx.interbankSettlementDate,
    });
    const rec = this.ledger.recordCancellation({
      key,
      paymentKey: payment?.key ?? null,
      status: decision.status,
      reasonCode: decision.reason?.code ?? null,
      reasonText: decision.reason?.text ?? null,
      resolution,
      decidedAt: now.toISOString(),
    });
    await this.maybeHold(`cancellation key=${key} ${rec.status} (new)`);
    return xmlAnswer(rec.resolution, 'camt.029.001.09');
  }

  private async paymentReturn(msg: Pacs004, keyHeader: string | null): Promise<HostAnswer> {
    const tx = msg.transactions[0];
    if (!tx) return problemAnswer(400, 'SIM.NO_TRANSACTION', 'The pacs.004 holds no transaction');
    const key = keyHeader ?? `pacs.004/${msg.msgId}/${tx.returnId ?? tx.endToEndId ?? ''}`;
    if (this.ledger.getReturn(key)) {
      const rec = this.ledger.replayReturn(key);
      await this.maybeHold(`return key=${key} (replay)`);
      return xmlAnswer(rec.statusReport, PACS002_MESSAGE_ID);
    }
    const payment = this.ledger.findPayment({ uetr: tx.uetr, msgId: tx.group?.msgId ?? null, endToEndId: tx.endToEndId });
    const now = new Date();
    const statusReport = this.codec.writePacs002({
      msgId: newReportMsgId(),
      creationDateTime: isoSeconds(now),
      instructingAgent: null,
      instructedAgent: null,
      original: {
        msgId: msg.msgId,
        msgNmId: msg.messageType,
        creationDateTime: msg.creationDateTime,
        instrId: null,
        endToEndId: tx.endToEndId,
        txId: tx.returnId,
        uetr: tx.uetr,
        amount: tx.returnedAmount,
        settlementDate: tx.interbankSettlementDate,
      },
      status: 'ACSC',
      reason: null,
      acceptanceDateTime: isoSeconds(now),
    });
    this.ledger.recordReturn({ key, paymentKey: payment?.key ?? null, uetr: tx.uetr, statusReport, decidedAt: now.toISOString() });
    await this.maybeHold(`return key=${key} ACSC (new)`);
    return xmlAnswer(statusReport, PACS002_MESSAGE_ID);
  }

  /** At the configured timeout rate, the answer (already recorded) is held back for timeoutMs. */
  private async maybeHold(line: string): Promise<void> {
    if (this.faults.rollTimeout()) {
      this.log(`${line}, answer held back`);
      await this.faults.holdAnswer();
    } else {
      this.log(line);
    }
  }

  /** 400: a pacs.002 RJCT FF01 when the message is a pacs.008 whose ids are readable, else a problem. */
  private answerInvalid(err: unknown, statusReportAllowed: boolean): HostAnswer {
    if (!(err instanceof Iso20022Error)) {
      this.logger.error(`unexpected failure reading a message: ${(err as Error)?.message ?? String(err)}`);
      return problemAnswer(500, 'SIM.INTERNAL', 'Internal error');
    }
    const detail = err.issues[0]?.message ?? err.message;
    const isPacs008 = err.partial.messageType?.startsWith('pacs.008.') ?? true;
    const report = statusReportAllowed && isPacs008 ? formatRejectionFor(this.codec, err.partial, detail, new Date()) : null;
    this.log(`invalid message (${err.code}) -> 400${report ? ' FF01' : ''}`);
    if (report) return xmlAnswer(report, PACS002_MESSAGE_ID, 400);
    return problemAnswer(400, err.code, 'Invalid ISO 20022 message', err.message);
  }

  private log(line: string): void {
    if (this.debug) this.logger.debug(line);
  }
}
