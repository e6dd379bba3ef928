// SPDX-License-Identifier: Apache-2.0
import type { Camt056Input } from './iso20022.types.js';
import { check, ISO_NS, writeAgent, writeAmount, writeAssignment, writeGroupRef, writeReason } from './writer.helpers.js';
import { XmlBuilder } from './xml-writer.js';

export const CAMT056_MESSAGE_ID = 'camt.056.001.08';

function checkCamt056(input: Camt056Input): void {
  check.id('assignmentId', input.assignmentId);
  check.reqDateTime('creationDateTime', input.creationDateTime);
  check.agent('assigner', input.assigner);
  check.agent('assignee', input.assignee);
  check.optId('caseId', input.caseId);
  check.optId('cancellationId', input.cancellationId);
  check.ref('original', input.original);
  check.group('original.group', input.original.group);
  check.amount('amount', input.amount);
  check.date('settlementDate', input.settlementDate);
  check.reason('reason', input.reason);
}

/**
 * Writes a camt.056.001.08 FIToFIPmtCxlReq asking to cancel one payment: the assignment (from us to the
 * agent we released the payment to), the case (created by the assigner) and `Undrlyg/TxInf` with the
 * references and amount of the original and the cancellation reason.
 */
export function buildCamt056(input: Camt056Input): string {
  checkCamt056(input);
  const o = input.original;
  const b = new XmlBuilder();
  b.open('Document', { xmlns: ISO_NS + CAMT056_MESSAGE_ID }).open('FIToFIPmtCxlReq');

  writeAssignment(b, input);

  if (input.caseId !== null) {
    b.open('Case').leaf('Id', input.caseId).open('Cretr');
    writeAgent(b, 'Agt', input.assigner);
    b.close().close();
  }

  b.open('Undrlyg').open('TxInf').leaf('CxlId', input.cancellationId);
  writeGroupRef(b, 'OrgnlGrpInf', o.group);
  b.leaf('OrgnlInstrId', o.instrId).leaf('OrgnlEndToEndId', o.endToEndId).leaf('OrgnlTxId', o.txId).leaf('OrgnlUETR', o.uetr);
  writeAmount(b, 'OrgnlIntrBkSttlmAmt', input.amount);
  b.leaf('OrgnlIntrBkSttlmDt', input.settlementDate);
  writeReason(b, 'CxlRsnInf', input.reason);
  b.close().close();

  b.close().close();
  return b.toString();
}
