// SPDX-License-Identifier: Apache-2.0
import type { Pacs028Input } from './iso20022.types.js';
import { check, ISO_NS, writeAgent, writeGroupRef } from './writer.helpers.js';
import { XmlBuilder } from './xml-writer.js';

/** The 2019 generation's status request (the one that asks about a pacs.008.001.08). */
export const PACS028_MESSAGE_ID = 'pacs.028.001.03';

/** Refuses (RangeError, naming the field) an input that cannot make a schema-valid, useful request. */
export function checkPacs028(input: Pacs028Input): void {
  const o = input.original;
  check.id('msgId', input.msgId);
  check.reqDateTime('creationDateTime', input.creationDateTime);
  check.optId('statusRequestId', input.statusRequestId);
  check.ref('original', o);
  check.group('original.group', o.group);
  if (o.instrId === null && o.endToEndId === null && o.txId === null && o.uetr === null) {
    throw new RangeError('original: needs at least one of instrId, endToEndId, txId, uetr (the host must find the payment)');
  }
  check.agent('instructingAgent', input.instructingAgent);
  check.agent('instructedAgent', input.instructedAgent);
}

/**
 * Writes a pacs.028.001.03 FIToFIPmtStsReq asking for the status of one payment: the group header
 * (MsgId, CreDtTm) and one `TxInf` with the original's group (`OrgnlGrpInf`: its MsgId, MsgNmId and
 * CreDtTm) and references (`OrgnlInstrId`, `OrgnlEndToEndId`, `OrgnlTxId`, `OrgnlUETR`), and the agents,
 * elements in schema order. The original group is written inside `TxInf`, as Fedwire and CBPR+ do (the
 * readers also take it at message level).
 */
export function buildPacs028(input: Pacs028Input): string {
  checkPacs028(input);
  const o = input.original;
  const b = new XmlBuilder();
  b.open('Document', { xmlns: ISO_NS + PACS028_MESSAGE_ID }).open('FIToFIPmtStsReq');
  b.open('GrpHdr').leaf('MsgId', input.msgId).leaf('CreDtTm', input.creationDateTime).close();
  b.open('TxInf').leaf('StsReqId', input.statusRequestId);
  writeGroupRef(b, 'OrgnlGrpInf', o.group);
  b.leaf('OrgnlInstrId', o.instrId).leaf('OrgnlEndToEndId', o.endToEndId).leaf('OrgnlTxId', o.txId).leaf('OrgnlUETR', o.uetr);
  writeAgent(b, 'InstgAgt', input.instructingAgent);
  writeAgent(b, 'InstdAgt', input.instructedAgent);
  b.close();
  b.close().close();
  return b.toString();
}
