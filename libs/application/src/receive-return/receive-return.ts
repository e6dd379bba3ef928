// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable } from '@nestjs/common';
import { canonicalAmount, Payment } from '#domain';
import type { Iso20022Codec, ParsedMessage } from '#iso20022';
import { ISO20022_CODEC } from '../application.tokens.js';
import { findOriginal, messageTransaction } from '../intake/message-transaction.js';
import { TransactionIntake, type IntakeRequest } from '../intake/transaction-intake.js';
import { completeMessage, onFreshState, savePayment } from '../payment-steps.js';
import type { UniquenessKeys } from '../ports/transaction-repository.port.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import type { SubmitPaymentResult } from '../submit-payment/submit-payment.command.js';

/**
 * pacs.004 from downstream: recorded on the settled payment it returns (a change to that payment, so it needs
 * the decision scope), answered with a pacs.002 stored with the end of the return transaction.
 */
@Injectable()
export class ReceiveReturn {
  constructor(
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    private readonly intake: TransactionIntake,
    private readonly reports: StatusReportWriter,
  ) {}

  private get deps() {
    return this.intake.saveDeps;
  }

  async take(
    req: IntakeRequest,
    id: string,
    parsed: ParsedMessage,
    idempotency: UniquenessKeys['idempotency'],
  ): Promise<SubmitPaymentResult> {
    const ret = this.codec.readPacs004(parsed);
    const tx = ret.transactions[0] ?? null;
    const now = this.intake.clock.now();
    // The returned amount in its one canonical spelling (kept as sent when it is no amount of its currency).
    const returned = tx?.returnedAmount ? canonicalAmount(tx.returnedAmount) : null;
    const returnedAmount = returned?.ok ? returned.amount : (tx?.returnedAmount ?? null);
    const original = await findOriginal(this.intake.repository, req.clientId, tx);
    const message = messageTransaction(
      req,
      id,
      now,
      parsed,
      'return',
      { msgId: ret.msgId, creationDateTime: ret.creationDateTime, endToEndId: tx?.endToEndId ?? 'NOTPROVIDED' },
      original?.id ?? null,
      { txId: tx?.returnId ?? null, amount: returnedAmount, uetr: null },
    );
    const stored = await this.intake.create(req, message, {
      idempotency,
      msgIdEndToEndId: `pacs.004|${ret.msgId}|${tx?.returnId ?? tx?.endToEndId ?? ''}`,
    });
    if (!stored.created) return stored.result;
    // Recorded on the settled payment it returns (decided again on fresh state when the payment moved meanwhile).
    const linked =
      original !== null &&
      (await onFreshState(async () => {
        const fresh = await this.intake.repository.get(original.id);
        if (!fresh || fresh.status !== 'ACSC' || fresh.returnInfo) return false;
        const p = Payment.fromSnapshot(fresh);
        const reason = tx?.reason?.code ? { code: tx.reason.code, text: tx.reason.text } : null;
        p.receiveReturn({ reason, amount: returnedAmount, returnTransactionId: id }, now);
        await savePayment(this.deps, p);
        return true;
      }));
    const reason = linked
      ? undefined
      : {
          code: 'NARR',
          text: original
            ? `payment ${original.id} is ${original.status}${original.returnInfo ? ', already returned' : ''}`
            : 'no settled payment with these references for this client',
        };
    await completeMessage(this.deps, id, linked ? 'ACSC' : 'RJCT', reason, async (done) => [await this.reports.answer(done, id, parsed)]);
    return { kind: 'accepted', transactionId: id, status: 'RCVD', messageType: parsed.messageType, replayed: false };
  }
}
