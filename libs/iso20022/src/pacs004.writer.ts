// SPDX-License-Identifier: Apache-2.0
import type { Pacs004Input } from './iso20022.types.js';
import { check, ISO_NS, writeAgent, writeAmount, writeGroupRef, writeReason } from './writer.helpers.js';
import { XmlBuilder } from './xml-writer.js';

export const PACS004_MESSAGE_ID = 'pacs.004.001.09';
export const SETTLEMENT_METHODS = ['INDA', 'INGA', 'COVE', 'CLRG'] as const;
export const CHARGE_BEARERS = ['DEBT', 'CRED', 'SHAR', 'SLEV'] as const;

function checkPacs004(input: Pacs004Input): void {
  check.id('msgId', input.msgId);
  check.reqDateTime('creationDateTime', input.creationDateTime);
  check.code('settlementMethod', input.settlementMethod ?? 'CLRG', SETTLEMENT_METHODS);
  check.agent('instructingAgent', input.instructingAgent);
  check.agent('instructedAgent', input.instructedAgent);
  check.optId('returnId', input.returnId);
  check.ref('original', input.original);
  check.group('original.group', input.original.group);
  check.amount('originalAmount', input.originalAmount);
  check.date('originalSettlementDate', input.originalSettlementDate);
  check.amount('returnedAmount', input.returnedAmount);
  check.date('settlementDate', input.settlementDate);
  if (input.chargeBearer !== null) check.code('chargeBearer', input.chargeBearer, CHARGE_BEARERS);
  check.reason('reason', input.reason);
}

/**
 * Writes a pacs.004.001.09 PmtRtr returning one settled payment: group header (one transaction,
 * settlement method, agents), and `TxInf` with the return id, the references of the original, the
 * returned amount and date, the charge bearer and the return reason.
 */
export function buildPacs004(input: Pacs004Input): string {
  checkPacs004(input);
  const o = input.original;
  const b = new XmlBuilder();
  b.open('Document', { xmlns: ISO_NS + PACS004_MESSAGE_ID }).open('PmtRtr');

  b.open('GrpHdr').leaf('MsgId', input.msgId).leaf('CreDtTm', input.creationDateTime).leaf('NbOfTxs', '1');
  b.open('SttlmInf')
    .leaf('SttlmMtd', input.settlementMethod ?? 'CLRG')
    .close();
  b.close();

  b.open('TxInf').leaf('RtrId', input.returnId);
  writeGroupRef(b, 'OrgnlGrpInf', o.group);
  b.leaf('OrgnlInstrId', o.instrId).leaf('OrgnlEndToEndId', o.endToEndId).leaf('OrgnlTxId', o.txId).leaf('OrgnlUETR', o.uetr);
  writeAmount(b, 'OrgnlIntrBkSttlmAmt', input.originalAmount);
  b.leaf('OrgnlIntrBkSttlmDt', input.originalSettlementDate);
  writeAmount(b, 'RtrdIntrBkSttlmAmt', input.returnedAmount);
  b.leaf('IntrBkSttlmDt', input.settlementDate).leaf('ChrgBr', input.chargeBearer);
  writeAgent(b, 'InstgAgt', input.instructingAgent);
  writeAgent(b, 'InstdAgt', input.instructedAgent);
  writeReason(b, 'RtrRsnInf', input.reason);
  b.close();

  b.close().close();
  return b.toString();
}
