// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Optional } from '@nestjs/common';
import { canonicalAmount, ReasonCode } from '#domain';
import { PAIN002_MESSAGE_ID, pacs008FromPain001, type Iso20022Codec, type ParsedMessage } from '#iso20022';
import { ISO20022_CODEC, PIPELINE_SETTINGS } from '../application.tokens.js';
import { DEFAULT_MAX_TRANSACTIONS_PER_MESSAGE, type PipelineSettings } from '../pipeline.settings.js';
import { AnswerWriter, deterministicId, isoSeconds } from '../answers/answer.writer.js';
import { messageTransaction } from '../intake/message-transaction.js';
import { PaymentIntake } from '../intake/payment-intake.js';
import { TransactionIntake, uuidFrom, type IntakeRequest } from '../intake/transaction-intake.js';
import type { UniquenessKeys } from '../ports/transaction-repository.port.js';
import type { SubmitPaymentResult } from '../submit-payment/submit-payment.command.js';

/**
 * pain.001 from a client: one pacs.008 per transaction (written by the gateway's one pain.001 -> pacs.008
 * mapping, then taken through the payment path as a payment of its own), answered with a pain.002 for the
 * whole. The children are taken first; the initiation is stored last, already ended with its pain.002, so a
 * retry after a crash in between takes the same children again (their ids derive from this transaction's id,
 * their keys from the pain.001's).
 *
 * A pain.001 with more transactions than `maxTransactionsPerMessage` is refused before anything is written
 * (MESSAGE.TOO_MANY_TRANSACTIONS). Each child is mapped, validated and stored synchronously (XSD validation,
 * an embedded store's write), so between two children the intake yields to the event loop: a large initiation
 * does not hold up the API's other requests.
 */
@Injectable()
export class InitiatePayments {
  constructor(
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    private readonly intake: TransactionIntake,
    private readonly payments: PaymentIntake,
    private readonly answers: AnswerWriter,
    @Optional() @Inject(PIPELINE_SETTINGS) private readonly settings?: PipelineSettings,
  ) {}

  async take(
    req: IntakeRequest,
    id: string,
    parsed: ParsedMessage,
    idempotency: UniquenessKeys['idempotency'],
  ): Promise<SubmitPaymentResult> {
    const pain = this.codec.readPain001(parsed);
    const gh = pain.groupHeader;
    const max = this.settings?.maxTransactionsPerMessage ?? DEFAULT_MAX_TRANSACTIONS_PER_MESSAGE;
    const count = pain.paymentInformation.reduce((n, pmtInf) => n + pmtInf.transactions.length, 0);
    if (count > max) {
      return {
        kind: 'unprocessable',
        code: 'MESSAGE.TOO_MANY_TRANSACTIONS',
        detail: `the ${parsed.messageType} carries ${count} transactions; at most ${max} are taken in one message (MAX_TRANSACTIONS_PER_MESSAGE): split it`,
      };
    }
    const results: {
      pmtInfId: string;
      instrId: string | null;
      endToEndId: string;
      uetr: string | null;
      childId: string | null;
      status: string;
      reason: { code: string; text: string | null } | null;
    }[] = [];
    let index = 0;
    for (const pmtInf of pain.paymentInformation) {
      for (const t of pmtInf.transactions) {
        // let the API's other requests in between two children (each is CPU-bound: mapping, XSD, a store write)
        if (index > 0) await yieldToEventLoop();
        index++;
        // Derived from this transaction's own id, which only its client knows: another client cannot predict it.
        const childId = uuidFrom(`child|${id}|${index}`);
        const uetr = t.uetr ?? uuidFrom(`uetr|${childId}`);
        const row = {
          pmtInfId: pmtInf.pmtInfId,
          instrId: t.instrId,
          endToEndId: t.endToEndId,
          uetr,
          childId: null as string | null,
          status: 'ACTC',
          reason: null as { code: string; text: string | null } | null,
        };
        results.push(row);
        // EqvtAmt in the currency to transfer needs no conversion; another currency would (not done here).
        const amount =
          t.instructedAmount ?? (t.equivalentAmount && t.currencyOfTransfer === t.equivalentAmount.currency ? t.equivalentAmount : null);
        if (!amount) {
          row.status = 'RJCT';
          row.reason = { code: 'AM03', text: 'EqvtAmt in another currency than CcyOfTrf needs a currency conversion' };
          continue;
        }
        // The child pacs.008 carries the canonical amount; what is no ISO 20022 amount is refused (AM12).
        const canonical = canonicalAmount(amount);
        if (!canonical.ok) {
          row.status = 'RJCT';
          row.reason = { code: ReasonCode.INVALID_AMOUNT, text: canonical.error.message.slice(0, 105) };
          continue;
        }
        let xml: string;
        try {
          // The library's one pain.001 -> pacs.008 mapping (conformance-tested), with the amount in its canonical spelling.
          const canonicalTx = t.instructedAmount
            ? { ...t, instructedAmount: canonical.amount }
            : { ...t, equivalentAmount: canonical.amount };
          xml = this.codec.writePacs008(
            pacs008FromPain001(pmtInf, canonicalTx, {
              msgId: deterministicId(childId, 'pacs.008'),
              creationDateTime: isoSeconds(this.intake.clock.now()),
              uetr,
              settlementMethod: 'INDA',
              clearingSystem: null,
              interbankSettlementDate: pmtInf.requestedExecutionDate.slice(0, 10),
              instructingAgent: pmtInf.debtorAgent,
              instructedAgent: t.creditorAgent,
            }),
          );
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
        const taken = await this.payments.take(
          { clientId: req.clientId, channel: 'pain.001', text: xml, requestHash: TransactionIntake.requestHash(xml), transactionId: null },
          childId,
          childParsed,
          undefined,
          { relatedTransactionId: id, uniquenessKey: `pain.001|${gh.msgId}|${pmtInf.pmtInfId}|${t.endToEndId}` },
        );
        if (taken.kind === 'accepted') row.childId = taken.transactionId;
        // Taken before (a retry of this pain.001 after a crash): the client's payment with the same keys is its child.
        else if (taken.kind === 'duplicate' && taken.existingId) row.childId = taken.existingId;
        else {
          row.status = 'RJCT';
          row.reason =
            taken.kind === 'duplicate'
              ? { code: 'DUPL', text: `duplicate of ${taken.existingId ?? 'another payment'}` }
              : { code: 'NARR', text: taken.kind };
        }
      }
    }
    const taken = results.filter((r) => r.childId !== null);
    const now = this.intake.clock.now();
    const message = messageTransaction(
      req,
      id,
      now,
      parsed,
      'initiation',
      { msgId: gh.msgId, creationDateTime: gh.creationDateTime, endToEndId: results[0]?.endToEndId ?? 'NOTPROVIDED' },
      null,
    );
    message.recordChildTransactions(
      taken.map((r) => r.childId!),
      now,
    );
    const groupStatus = taken.length === results.length ? 'ACTC' : taken.length === 0 ? 'RJCT' : 'PART';
    const painId = deterministicId(id, 'pain.002');
    const document = this.codec.writePain002({
      msgId: painId,
      creationDateTime: isoSeconds(now),
      initiatingParty: gh.initiatingParty,
      original: {
        msgId: gh.msgId,
        msgNmId: parsed.messageType,
        creationDateTime: gh.creationDateTime,
        numberOfTransactions: gh.numberOfTransactions,
      },
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
    const body = await this.answers.withAppHdr(message.toSnapshot(), PAIN002_MESSAGE_ID, document, painId);
    // Stored already ended, with its pain.002, in one write.
    message.completeMessage(
      taken.length > 0 ? 'ACSC' : 'RJCT',
      now,
      taken.length > 0 ? undefined : { code: 'NARR', text: 'none of its transactions could be taken' },
    );
    const stored = await this.intake.create(
      req,
      message,
      { idempotency, msgIdEndToEndId: `pain.001|${gh.msgId}` },
      [],
      [{ messageType: PAIN002_MESSAGE_ID, channel: 'gateway', body }],
    );
    if (!stored.created) return stored.result;
    return { kind: 'accepted', transactionId: id, status: 'RCVD', messageType: parsed.messageType, replayed: false };
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
