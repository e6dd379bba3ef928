// SPDX-License-Identifier: Apache-2.0
import type { Pain002Input } from './iso20022.types.js';
import { check, ISO_NS, writeReason } from './writer.helpers.js';
import { XmlBuilder } from './xml-writer.js';

export const PAIN002_MESSAGE_ID = 'pain.002.001.10';

function checkPain002(input: Pain002Input): void {
  check.id('msgId', input.msgId);
  check.reqDateTime('creationDateTime', input.creationDateTime);
  check.party('initiatingParty', input.initiatingParty);
  const o = input.original;
  check.group('original', { msgId: o.msgId, msgNmId: o.msgNmId, creationDateTime: o.creationDateTime });
  if (o.numberOfTransactions !== null && !(Number.isSafeInteger(o.numberOfTransactions) && o.numberOfTransactions >= 0)) {
    throw new RangeError('original.numberOfTransactions: must be a non-negative integer');
  }
  if (input.groupStatus !== null) check.code('groupStatus', input.groupStatus);
  check.reason('groupReason', input.groupReason);
  input.paymentInformation.forEach((p, i) => {
    check.id(`paymentInformation[${i}].pmtInfId`, p.pmtInfId);
    if (p.status !== null) check.code(`paymentInformation[${i}].status`, p.status);
    p.transactions.forEach((t, j) => {
      const f = `paymentInformation[${i}].transactions[${j}]`;
      check.optId(`${f}.instrId`, t.instrId);
      check.id(`${f}.endToEndId`, t.endToEndId);
      check.uetr(`${f}.uetr`, t.uetr);
      check.code(`${f}.status`, t.status);
      check.reason(`${f}.reason`, t.reason);
    });
  });
}

/**
 * Writes a pain.002.001.10 CstmrPmtStsRpt: the status of a pain.001 as a whole (`OrgnlGrpInfAndSts`) and
 * per payment information block and transaction (`OrgnlPmtInfAndSts/TxInfAndSts`).
 */
export function buildPain002(input: Pain002Input): string {
  checkPain002(input);
  const o = input.original;
  const b = new XmlBuilder();
  b.open('Document', { xmlns: ISO_NS + PAIN002_MESSAGE_ID }).open('CstmrPmtStsRpt');

  b.open('GrpHdr').leaf('MsgId', input.msgId).leaf('CreDtTm', input.creationDateTime);
  if (input.initiatingParty !== null) {
    b.open('InitgPty').leaf('Nm', input.initiatingParty.name);
    if (input.initiatingParty.country !== null) b.open('PstlAdr').leaf('Ctry', input.initiatingParty.country).close();
    b.close();
  }
  b.close();

  b.open('OrgnlGrpInfAndSts')
    .leaf('OrgnlMsgId', o.msgId)
    .leaf('OrgnlMsgNmId', o.msgNmId)
    .leaf('OrgnlCreDtTm', o.creationDateTime)
    .leaf('OrgnlNbOfTxs', o.numberOfTransactions === null ? null : String(o.numberOfTransactions))
    .leaf('GrpSts', input.groupStatus);
  writeReason(b, 'StsRsnInf', input.groupReason);
  b.close();

  for (const p of input.paymentInformation) {
    b.open('OrgnlPmtInfAndSts').leaf('OrgnlPmtInfId', p.pmtInfId).leaf('PmtInfSts', p.status);
    for (const t of p.transactions) {
      b.open('TxInfAndSts')
        .leaf('OrgnlInstrId', t.instrId)
        .leaf('OrgnlEndToEndId', t.endToEndId)
        .leaf('OrgnlUETR', t.uetr)
        .leaf('TxSts', t.status);
      writeReason(b, 'StsRsnInf', t.reason);
      b.close();
    }
    b.close();
  }

  b.close().close();
  return b.toString();
}
