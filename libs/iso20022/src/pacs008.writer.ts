// SPDX-License-Identifier: Apache-2.0
import type { AgentId, Pacs008Input, Pain001PaymentInformation, Pain001Transaction } from './iso20022.types.js';
import { CHARGE_BEARERS, SETTLEMENT_METHODS } from './pacs004.writer.js';
import { check, ISO_NS, splitNarrative, writeAccount, writeAgent, writeAmount, writeParty } from './writer.helpers.js';
import { XmlBuilder } from './xml-writer.js';

export const PACS008_OUT_MESSAGE_ID = 'pacs.008.001.08';
const MAX_USTRD = 140;

function checkPacs008(input: Pacs008Input): void {
  const t = input.transaction;
  check.id('msgId', input.msgId);
  check.reqDateTime('creationDateTime', input.creationDateTime);
  check.code('settlementMethod', input.settlementMethod, SETTLEMENT_METHODS);
  check.optText('clearingSystem', input.clearingSystem, 5);
  check.ref('transaction', { group: null, instrId: t.instrId, endToEndId: t.endToEndId, txId: t.txId, uetr: t.uetr });
  check.id('transaction.endToEndId', t.endToEndId);
  check.optText('transaction.paymentType.serviceLevel', t.paymentType?.serviceLevel, 4);
  check.optText('transaction.paymentType.localInstrument', t.paymentType?.localInstrument, 35);
  check.optText('transaction.paymentType.categoryPurpose', t.paymentType?.categoryPurpose, 4);
  check.amount('transaction.interbankSettlementAmount', t.interbankSettlementAmount);
  check.date('transaction.interbankSettlementDate', t.interbankSettlementDate);
  check.amount('transaction.instructedAmount', t.instructedAmount);
  check.code('transaction.chargeBearer', t.chargeBearer ?? '', CHARGE_BEARERS);
  check.agent('transaction.instructingAgent', t.instructingAgent);
  check.agent('transaction.instructedAgent', t.instructedAgent);
  check.party('transaction.debtor', t.debtor);
  check.account('transaction.debtorAccount', t.debtorAccount);
  if (t.debtorAgent === null) throw new RangeError('transaction.debtorAgent: required');
  check.agent('transaction.debtorAgent', t.debtorAgent);
  if (t.creditorAgent === null) throw new RangeError('transaction.creditorAgent: required');
  check.agent('transaction.creditorAgent', t.creditorAgent);
  check.party('transaction.creditor', t.creditor);
  check.account('transaction.creditorAccount', t.creditorAccount);
  if (t.remittanceInformation !== null) {
    const lines = t.remittanceInformation.split('\n').flatMap((l) => splitNarrative(l, MAX_USTRD));
    if (lines.length === 0 || lines.some((l) => l.length === 0)) {
      throw new RangeError('transaction.remittanceInformation: empty lines are not allowed');
    }
  }
}

/**
 * Writes a pacs.008.001.08 FIToFICstmrCdtTrf of one transaction (e.g. one transaction of a pain.001,
 * which the gateway releases as its own pacs.008). Remittance information is split on newlines into
 * `Ustrd` lines of at most 140 characters.
 */
export function buildPacs008(input: Pacs008Input): string {
  checkPacs008(input);
  const t = input.transaction;
  const b = new XmlBuilder();
  b.open('Document', { xmlns: ISO_NS + PACS008_OUT_MESSAGE_ID }).open('FIToFICstmrCdtTrf');

  b.open('GrpHdr').leaf('MsgId', input.msgId).leaf('CreDtTm', input.creationDateTime).leaf('NbOfTxs', '1');
  b.open('SttlmInf').leaf('SttlmMtd', input.settlementMethod);
  if (input.clearingSystem !== null) b.open('ClrSys').leaf('Cd', input.clearingSystem).close();
  b.close().close();

  b.open('CdtTrfTxInf');
  b.open('PmtId').leaf('InstrId', t.instrId).leaf('EndToEndId', t.endToEndId).leaf('TxId', t.txId).leaf('UETR', t.uetr).close();
  const pt = t.paymentType;
  if (pt && (pt.serviceLevel !== null || pt.localInstrument !== null || pt.categoryPurpose !== null)) {
    b.open('PmtTpInf');
    if (pt.serviceLevel !== null) b.open('SvcLvl').leaf('Cd', pt.serviceLevel).close();
    if (pt.localInstrument !== null) b.open('LclInstrm').leaf('Cd', pt.localInstrument).close();
    if (pt.categoryPurpose !== null) b.open('CtgyPurp').leaf('Cd', pt.categoryPurpose).close();
    b.close();
  }
  writeAmount(b, 'IntrBkSttlmAmt', t.interbankSettlementAmount);
  b.leaf('IntrBkSttlmDt', t.interbankSettlementDate);
  writeAmount(b, 'InstdAmt', t.instructedAmount);
  b.leaf('ChrgBr', t.chargeBearer);
  writeAgent(b, 'InstgAgt', t.instructingAgent);
  writeAgent(b, 'InstdAgt', t.instructedAgent);
  writeParty(b, 'Dbtr', t.debtor);
  writeAccount(b, 'DbtrAcct', t.debtorAccount);
  writeAgent(b, 'DbtrAgt', t.debtorAgent);
  writeAgent(b, 'CdtrAgt', t.creditorAgent);
  writeParty(b, 'Cdtr', t.creditor);
  writeAccount(b, 'CdtrAcct', t.creditorAccount);
  if (t.remittanceInformation !== null) {
    b.open('RmtInf');
    for (const line of t.remittanceInformation.split('\n').flatMap((l) => splitNarrative(l, MAX_USTRD))) b.leaf('Ustrd', line);
    b.close();
  }
  b.close();

  b.close().close();
  return b.toString();
}

/** What the gateway adds to a pain.001 transaction to release it as a pacs.008. */
export interface Pain001ReleaseContext {
  msgId: string;
  creationDateTime: string;
  /** A UETR for the payment when the pain.001 transaction has none. */
  uetr: string | null;
  settlementMethod: string;
  clearingSystem: string | null;
  interbankSettlementDate: string | null;
  instructingAgent: AgentId | null;
  instructedAgent: AgentId | null;
}

/**
 * Maps one pain.001 transaction (with its payment information block) to the input of a pacs.008.001.08:
 * ids (`InstrId`, `EndToEndId`, the UETR of the transaction or of `ctx`), the instructed amount as the
 * interbank settlement amount (the equivalent amount when only `EqvtAmt` is given), the charge bearer of
 * the transaction, else of the block, else SLEV, the debtor side from the block and the creditor side
 * from the transaction. Refuses (RangeError) a transaction without a creditor agent: a pacs.008 needs one.
 */
export function pacs008FromPain001(pmtInf: Pain001PaymentInformation, tx: Pain001Transaction, ctx: Pain001ReleaseContext): Pacs008Input {
  const amount = tx.instructedAmount ?? tx.equivalentAmount;
  if (amount === null) throw new RangeError(`transaction ${tx.endToEndId}: no amount`);
  if (tx.creditorAgent === null) throw new RangeError(`transaction ${tx.endToEndId}: no creditor agent (CdtrAgt), a pacs.008 needs one`);
  return {
    msgId: ctx.msgId,
    creationDateTime: ctx.creationDateTime,
    settlementMethod: ctx.settlementMethod,
    clearingSystem: ctx.clearingSystem,
    transaction: {
      instrId: tx.instrId,
      endToEndId: tx.endToEndId,
      txId: null,
      uetr: tx.uetr ?? ctx.uetr,
      interbankSettlementAmount: amount,
      interbankSettlementDate: ctx.interbankSettlementDate,
      instructedAmount: tx.instructedAmount,
      chargeBearer: tx.chargeBearer ?? pmtInf.chargeBearer ?? 'SLEV',
      instructingAgent: ctx.instructingAgent,
      instructedAgent: ctx.instructedAgent,
      debtor: pmtInf.debtor,
      debtorAccount: pmtInf.debtorAccount,
      debtorAgent: pmtInf.debtorAgent,
      creditorAgent: tx.creditorAgent,
      creditor: tx.creditor,
      creditorAccount: tx.creditorAccount,
      remittanceInformation: tx.remittanceInformation,
    },
  };
}
