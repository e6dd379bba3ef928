// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { canonicalAmount, partyCountry, Payment, type InvalidAmountError, type PaymentDetails } from '#domain';
import type { Iso20022Codec, ParsedMessage } from '#iso20022';
import { Inject } from '@nestjs/common';
import { ISO20022_CODEC, WORK_QUEUE_SIGNAL } from '../application.tokens.js';
import { processJob } from '../payment-jobs.js';
import { agentKey } from '../status-report/status-report.writer.js';
import type { SubmitPaymentResult } from '../submit-payment/submit-payment.command.js';
import type { WorkSignal } from '../work-signal.js';
import { storedAppHeader } from './stored-app-header.js';
import { TransactionIntake, type IntakeRequest } from './transaction-intake.js';

/** The pacs.008 versions the inbox takes; each is answered by the pacs.002 of its generation. */
export const SUPPORTED_PAYMENTS: ReadonlySet<string> = new Set(['pacs.008.001.08', 'pacs.008.001.10', 'pacs.008.001.12']);

/** The stored details of a pacs.008's one transaction, from the parsed message (the appHeader as it came). */
export function paymentDetails(
  codec: Iso20022Codec,
  parsed: ParsedMessage,
): PaymentDetails | { multiple: number } | { invalidAmount: InvalidAmountError } {
  const message = codec.readPacs008(parsed);
  if (message.transactions.length !== 1) return { multiple: message.transactions.length };
  const tx = message.transactions[0]!;
  const gh = message.groupHeader;
  // One spelling per amount, read once, before anything is stored: every rule compares this one.
  const amount = canonicalAmount(tx.interbankSettlementAmount);
  if (!amount.ok) return { invalidAmount: amount.error };
  return {
    messageType: parsed.messageType,
    msgId: gh.msgId,
    creationDateTime: gh.creationDateTime,
    instrId: tx.instrId,
    endToEndId: tx.endToEndId,
    txId: tx.txId,
    uetr: tx.uetr,
    amount: amount.amount,
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
    serviceLevel: tx.serviceLevel,
    localInstrument: tx.localInstrument,
    categoryPurpose: tx.categoryPurpose,
    creditorAgentMemberId: tx.creditorAgent?.memberId ?? null,
    clearingSystem: tx.clearingSystem,
    instructingAgent: agentKey(tx.instructingAgent ?? gh.instructingAgent),
    instructedAgent: agentKey(tx.instructedAgent ?? gh.instructedAgent),
    appHeader: storedAppHeader(parsed),
  };
}

/**
 * Takes one pacs.008 as a payment (sent by a client, or mapped from a pain.001 transaction): its key fields
 * read once, duplicates refused per client, then the payment, its own message and its processing job in one
 * write (see TransactionIntake).
 */
@Injectable()
export class PaymentIntake {
  constructor(
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    @Inject(WORK_QUEUE_SIGNAL) private readonly signal: WorkSignal,
    private readonly intake: TransactionIntake,
  ) {}

  async take(
    req: IntakeRequest,
    id: string,
    parsed: ParsedMessage,
    idempotency: { key: string; requestHash: string } | undefined,
    extra: { relatedTransactionId?: string; uniquenessKey?: string } = {},
  ): Promise<SubmitPaymentResult> {
    const details = paymentDetails(this.codec, parsed);
    if ('invalidAmount' in details)
      return { kind: 'unprocessable', code: details.invalidAmount.code, detail: details.invalidAmount.message };
    if ('multiple' in details) {
      return {
        kind: 'unprocessable',
        code: 'ISO20022.MULTIPLE_TRANSACTIONS',
        detail: `the message carries ${details.multiple} transactions; the gateway takes one per pacs.008 (as CBPR+, HVPS+ and Fedwire do)`,
      };
    }
    const now = this.intake.clock.now();
    const payment = Payment.receive({
      id,
      clientId: req.clientId,
      at: now,
      channel: req.channel,
      relatedTransactionId: extra.relatedTransactionId ?? null,
      ...details,
    });
    const stored = await this.intake.create(
      req,
      payment,
      { idempotency, uetr: details.uetr, msgIdEndToEndId: extra.uniquenessKey ?? `${details.msgId}|${details.endToEndId}` },
      [processJob(id)],
    );
    if (!stored.created) return stored.result;
    this.signal.notify();
    return { kind: 'accepted', transactionId: id, status: payment.status, messageType: parsed.messageType, replayed: false };
  }
}
