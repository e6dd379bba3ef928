// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Payment } from '#domain';
import type { Iso20022Codec, ParsedMessage } from '#iso20022';
import { ISO20022_CODEC } from '../application.tokens.js';
import { AnswerWriter } from '../answers/answer.writer.js';
import { completeRequest } from '../answers/complete-request.js';
import { DecidePaymentCommand, type DecisionResult } from '../decide-payment/decide-payment.command.js';
import { findOriginal, messageTransaction } from '../intake/message-transaction.js';
import { TransactionIntake, type IntakeRequest } from '../intake/transaction-intake.js';
import { completeMessage } from '../payment-steps.js';
import type { UniquenessKeys } from '../ports/transaction-repository.port.js';
import type { SubmitPaymentResult } from '../submit-payment/submit-payment.command.js';

/**
 * camt.056 from a client: a cancel decision on the payment it names (the same decision as the REST cancel, so it
 * needs the same scope); the camt.029 answers in both outboxes. Decided at once before release (or in core
 * mode); after release the host's camt.029 decides and ends this transaction too.
 */
@Injectable()
export class RequestCancellation {
  constructor(
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    private readonly intake: TransactionIntake,
    private readonly answers: AnswerWriter,
    private readonly commands: CommandBus,
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
    const request = this.codec.readCamt056(parsed);
    const tx = request.transaction;
    const now = this.intake.clock.now();
    const original = await findOriginal(this.intake.repository, req.clientId, tx);
    const message = messageTransaction(
      req,
      id,
      now,
      parsed,
      'cancellation-request',
      { msgId: request.assignment.id, creationDateTime: request.assignment.creationDateTime, endToEndId: tx?.endToEndId ?? 'NOTPROVIDED' },
      tx ? (original?.id ?? null) : null,
    );
    const accepted: SubmitPaymentResult = {
      kind: 'accepted',
      transactionId: id,
      status: 'RCVD',
      messageType: parsed.messageType,
      replayed: false,
    };
    const keys = { idempotency, msgIdEndToEndId: `camt.056|${request.assignment.id}|${tx?.cancellationId ?? tx?.endToEndId ?? ''}` };
    const agents = { assigner: request.assignment.assigner.agent, assignee: request.assignment.assignee.agent };
    if (!original || !tx) {
      // Refused at once: stored already ended, with its camt.029 RJCR NOOR, in one write.
      const reason = { code: 'NOOR', text: 'no payment with these references for this client' };
      const refusal = await this.answers.refusal(
        message.toSnapshot(),
        tx ?? { group: null, instrId: null, endToEndId: null, txId: null, uetr: null },
        reason,
        agents,
      );
      message.completeMessage('RJCT', now, { code: 'NOOR', text: 'original payment not found' });
      const stored = await this.intake.create(req, message, keys, [], [refusal]);
      return stored.created ? accepted : stored.result;
    }
    const stored = await this.intake.create(req, message, keys);
    if (!stored.created) return stored.result;
    const reason = tx.reason?.code ? { code: tx.reason.code, text: tx.reason.text } : { code: 'CUST', text: tx.reason?.text ?? null };
    const decision: DecisionResult = await this.commands.execute(new DecidePaymentCommand(req.clientId, original.id, 'cancel', reason, id));
    if (decision.kind === 'not-allowed' || decision.kind === 'not-found') {
      const code = decision.kind === 'not-allowed' && decision.transaction.returnInfo ? 'ARDT' : 'NOOR';
      const text = decision.kind === 'not-allowed' ? decision.detail.slice(0, 105) : 'no such payment';
      await completeMessage(this.deps, id, 'RJCT', { code, text }, async (m) => [
        await this.answers.refusal(m, tx, { code, text }, agents),
      ]);
      return accepted;
    }
    // Decided at once (before release, or in core mode): this transaction ends with its copy of the camt.029.
    // Otherwise the cancel job asks the host; its camt.029 ends this transaction too.
    if (decision.kind === 'completed') await completeRequest(this.deps, this.answers, id, Payment.fromSnapshot(decision.transaction));
    return accepted;
  }
}
