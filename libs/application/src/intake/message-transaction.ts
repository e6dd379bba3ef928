// SPDX-License-Identifier: Apache-2.0
import { Payment, type PaymentDetails, type PaymentSnapshot, type TransactionKind } from '#domain';
import type { OriginalTransactionRef, ParsedMessage } from '#iso20022';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import { storedAppHeader } from './stored-app-header.js';
import type { IntakeRequest } from './transaction-intake.js';

/** A message's details where it has none of a payment's (a message about a payment, a refused message). */
export const NO_DETAILS: Omit<PaymentDetails, 'messageType' | 'msgId' | 'endToEndId'> = {
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

/**
 * A message about another transaction (pacs.028, camt.056, inbound pacs.004) or a pain.001, as a transaction of
 * its own: an id, a status and an outbox for its answer; it never goes through the payment pipeline.
 */
export function messageTransaction(
  req: IntakeRequest,
  id: string,
  at: Date,
  parsed: ParsedMessage,
  kind: Exclude<TransactionKind, 'payment'>,
  ids: { msgId: string; creationDateTime: string | null; endToEndId: string },
  relatedTransactionId: string | null,
  extra: Partial<PaymentDetails> = {},
): Payment {
  return Payment.receiveMessage({
    ...NO_DETAILS,
    ...extra,
    id,
    clientId: req.clientId,
    at,
    channel: req.channel,
    relatedTransactionId,
    kind,
    messageType: parsed.messageType,
    ...ids,
    appHeader: storedAppHeader(parsed),
  });
}

/** The payment a message refers to, if this client has it: by its UETR, else by its MsgId + EndToEndId. */
export async function findOriginal(
  repository: TransactionRepository,
  clientId: string,
  ref: OriginalTransactionRef | null,
): Promise<PaymentSnapshot | null> {
  if (!ref) return null;
  let id: string | null = null;
  if (ref.uetr) id = await repository.findId({ clientId, uetr: ref.uetr });
  if (!id && ref.group?.msgId && ref.endToEndId) {
    id = await repository.findId({ clientId, msgIdEndToEndId: `${ref.group.msgId}|${ref.endToEndId}` });
  }
  if (!id) return null;
  const p = await repository.get(id);
  return p && p.clientId === clientId && (p.kind ?? 'payment') === 'payment' ? p : null;
}
