// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable } from '@nestjs/common';
import type { PaymentSnapshot } from '#domain';
import type { Iso20022Codec, ParsedMessage } from '#iso20022';
import { ISO20022_CODEC } from '../application.tokens.js';
import { findOriginal, messageTransaction } from '../intake/message-transaction.js';
import { TransactionIntake, type IntakeRequest } from '../intake/transaction-intake.js';
import type { UniquenessKeys } from '../ports/transaction-repository.port.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import type { SubmitPaymentResult } from '../submit-payment/submit-payment.command.js';

/**
 * pacs.028 from a client: answered at once with a pacs.002 carrying the named payment's current status (or a
 * RJCT naming the references that were not found). The status-request transaction is stored already ended,
 * with its answer, in one write.
 */
@Injectable()
export class RequestStatus {
  constructor(
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    private readonly intake: TransactionIntake,
    private readonly reports: StatusReportWriter,
  ) {}

  async take(
    req: IntakeRequest,
    id: string,
    parsed: ParsedMessage,
    idempotency: UniquenessKeys['idempotency'],
  ): Promise<SubmitPaymentResult> {
    const request = this.codec.readPacs028(parsed);
    const ref = request.transaction;
    const now = this.intake.clock.now();
    const original = await findOriginal(this.intake.repository, req.clientId, ref);
    const message = messageTransaction(
      req,
      id,
      now,
      parsed,
      'status-request',
      { msgId: request.msgId, creationDateTime: request.creationDateTime, endToEndId: ref?.endToEndId ?? 'NOTPROVIDED' },
      original?.id ?? null,
    );
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
    const answer = await this.reports.answer(answerFor, id, parsed);
    message.completeMessage(original ? 'ACSC' : 'RJCT', now, original ? undefined : { code: 'NARR', text: 'no such payment' });
    const keys = { idempotency, msgIdEndToEndId: `pacs.028|${request.msgId}|${ref?.endToEndId ?? ''}` };
    const stored = await this.intake.create(req, message, keys, [], [answer]);
    if (!stored.created) return stored.result;
    return { kind: 'accepted', transactionId: id, status: 'RCVD', messageType: parsed.messageType, replayed: false };
  }
}
