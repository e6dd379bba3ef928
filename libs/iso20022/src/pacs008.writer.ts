import type { Pacs008Input } from './iso20022.types.js';
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
