// SPDX-License-Identifier: Apache-2.0
import type { AgentId, Pacs008Input } from '#iso20022';
import { deterministicId } from '../answers/answer-header.js';
import { uuidFrom } from '../intake/transaction-intake.js';
import type { MerchantDirectory } from './merchant-directory.js';
import type { PaymentOrder } from './payment-order.js';

/** The channels beyond ISO 20022 XML, as stored on the payment (`channel`; routing rules match on it). */
export type PaymentChannel = 'json' | 'qr';

/** What the gateway adds to a JSON or QR payment; read from configuration by the composition root. */
export interface ChannelSettings {
  /** The debtor agent (and instructing agent) when the payer names none: the bank that runs the gateway. */
  debtorAgentBic: string | null;
  /** The merchants QR payments may pay (MERCHANT_DIRECTORY_FILE); empty: every QR payment is QR.MERCHANT_UNKNOWN. */
  merchants: MerchantDirectory;
}

/** Longest `Idempotency-Key` taken. */
export const MAX_IDEMPOTENCY_KEY = 64;

/**
 * The transaction id of a channel payment sent with an `Idempotency-Key`: a UUID (version 4 layout: version
 * nibble 4, variant bits 10) made of the SHA-256 of `channel-key|<client id>|<key>`. The same client with the
 * same key always gets the same id, and the built pacs.008 (whose MsgId, UETR and default EndToEndId derive
 * from that id) is the same, so a retry is answered from what is stored; another client's key never maps to it.
 */
export function channelTransactionId(clientId: string, idempotencyKey: string): string {
  return uuidFrom(`channel-key|${clientId}|${idempotencyKey}`);
}

/** What the pacs.008 of a channel payment is written with, besides the order. */
export interface ChannelMessageContext {
  transactionId: string;
  /** `GrpHdr/CreDtTm`: now for a new payment, the stored one for a retry (so the bytes are the same). */
  creationDateTime: string;
  /** The debtor agent when the order names none (ChannelSettings.debtorAgentBic). */
  debtorAgentBic: string;
}

const agent = (bic: string): AgentId => ({ bic, clearingSystem: null, memberId: null, name: null });

/**
 * The pacs.008.001.08 of one channel payment: as the pain.001 path writes its children (settlement INDA,
 * charges SLEV, the debtor agent instructing and the creditor agent instructed), with ids derived from the
 * transaction id (MsgId, UETR, the EndToEndId unless the order gives one), the settlement date the requested
 * execution date else the creation day, and the payment type (service level, local instrument, category
 * purpose) in `PmtTpInf`.
 */
export function pacs008FromOrder(order: PaymentOrder, ctx: ChannelMessageContext): Pacs008Input {
  const debtorAgent = agent(order.debtor.agentBic ?? ctx.debtorAgentBic);
  const creditorAgent = agent(order.creditor.agentBic);
  return {
    msgId: deterministicId(ctx.transactionId, 'pacs.008'),
    creationDateTime: ctx.creationDateTime,
    settlementMethod: 'INDA',
    clearingSystem: null,
    transaction: {
      instrId: null,
      endToEndId: order.endToEndId ?? ctx.transactionId.replace(/-/g, ''),
      txId: null,
      uetr: uuidFrom(`uetr|${ctx.transactionId}`),
      paymentType: {
        serviceLevel: order.serviceLevel,
        localInstrument: order.localInstrument,
        categoryPurpose: order.categoryPurpose,
      },
      interbankSettlementAmount: order.amount,
      interbankSettlementDate: order.requestedExecutionDate ?? ctx.creationDateTime.slice(0, 10),
      instructedAmount: order.amount,
      chargeBearer: 'SLEV',
      instructingAgent: debtorAgent,
      instructedAgent: creditorAgent,
      debtor: { name: order.debtor.name, country: order.debtor.country },
      debtorAccount: order.debtor.account,
      debtorAgent,
      creditorAgent,
      creditor: { name: order.creditor.name, country: order.creditor.country, addressLines: order.creditor.addressLines },
      creditorAccount: order.creditor.account,
      remittanceInformation: order.remittance,
    },
  };
}
