// SPDX-License-Identifier: Apache-2.0
import type { Camt029Input } from './iso20022.types.js';
import { check, ISO_NS, writeAgent, writeAmount, writeAssignment, writeGroupRef, writeReason } from './writer.helpers.js';
import { XmlBuilder } from './xml-writer.js';

export const CAMT029_MESSAGE_ID = 'camt.029.001.09';

function checkCamt029(input: Camt029Input): void {
  check.id('assignmentId', input.assignmentId);
  check.reqDateTime('creationDateTime', input.creationDateTime);
  check.agent('assigner', input.assigner);
  check.agent('assignee', input.assignee);
  if (input.resolvedCase !== null) {
    check.id('resolvedCase.id', input.resolvedCase.id);
    check.agent('resolvedCase.creator', input.resolvedCase.creator);
  }
  check.code('status', input.status, ['CNCL', 'RJCR']);
  check.optId('cancellationStatusId', input.cancellationStatusId);
  check.ref('original', input.original);
  check.reason('reason', input.reason);
  if (input.status === 'CNCL' && input.reason !== null) throw new RangeError('reason: only a refusal (RJCR) carries a reason');
  check.amount('originalAmount', input.originalAmount);
  check.date('originalSettlementDate', input.originalSettlementDate);
}

/**
 * Writes a camt.029.001.09 RsltnOfInvstgtn answering a camt.056 for one transaction: `Sts/Conf` CNCL
 * (cancelled) or RJCR (refused; then also `TxCxlSts` RJCR and the reason in `CxlStsRsnInf`), the
 * resolved case, and the references of the original payment in `CxlDtls/TxInfAndSts`.
 */
export function buildCamt029(input: Camt029Input): string {
  checkCamt029(input);
  const o = input.original;
  const b = new XmlBuilder();
  b.open('Document', { xmlns: ISO_NS + CAMT029_MESSAGE_ID }).open('RsltnOfInvstgtn');

  writeAssignment(b, input);

  if (input.resolvedCase !== null) {
    b.open('RslvdCase').leaf('Id', input.resolvedCase.id).open('Cretr');
    writeAgent(b, 'Agt', input.resolvedCase.creator);
    b.close().close();
  }

  b.open('Sts').leaf('Conf', input.status).close();

  b.open('CxlDtls').open('TxInfAndSts').leaf('CxlStsId', input.cancellationStatusId);
  writeGroupRef(b, 'OrgnlGrpInf', o.group);
  b.leaf('OrgnlInstrId', o.instrId).leaf('OrgnlEndToEndId', o.endToEndId).leaf('OrgnlTxId', o.txId).leaf('OrgnlUETR', o.uetr);
  if (input.status === 'RJCR') b.leaf('TxCxlSts', 'RJCR');
  writeReason(b, 'CxlStsRsnInf', input.reason);
  writeAmount(b, 'OrgnlIntrBkSttlmAmt', input.originalAmount);
  b.leaf('OrgnlIntrBkSttlmDt', input.originalSettlementDate);
  b.close().close();

  b.close().close();
  return b.toString();
}
