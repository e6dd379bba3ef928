// SPDX-License-Identifier: Apache-2.0
import type { Pacs002Input, Pacs002Version } from './iso20022.types.js';
import { check, ISO_NS, writeAgent, writeAmount, writeReason } from './writer.helpers.js';
import { XmlBuilder } from './xml-writer.js';

export { splitNarrative } from './writer.helpers.js';

/** The default version (the answer to pacs.008.001.08). */
export const PACS002_MESSAGE_ID = 'pacs.002.001.10';
export const PACS002_NAMESPACE = `${ISO_NS}${PACS002_MESSAGE_ID}`;
export const PACS002_VERSIONS: readonly Pacs002Version[] = ['pacs.002.001.10', 'pacs.002.001.12', 'pacs.002.001.14'];

const ANSWER_TO: Record<string, Pacs002Version> = {
  'pacs.008.001.08': 'pacs.002.001.10',
  'pacs.008.001.10': 'pacs.002.001.12',
  'pacs.008.001.12': 'pacs.002.001.14',
};

/**
 * The pacs.002 version that answers a pacs.008 of this version (the same generation of the standard):
 * .08 -> pacs.002.001.10, .10 -> .12, .12 -> .14. Anything else (including a non-pacs.008) gets the
 * default, pacs.002.001.10.
 */
export function pacs002VersionFor(pacs008MessageType: string): Pacs002Version {
  return ANSWER_TO[pacs008MessageType] ?? PACS002_MESSAGE_ID;
}

/** Refuses (RangeError, naming the field) an input that cannot make a schema-valid report. */
export function checkPacs002(input: Pacs002Input): Pacs002Version {
  const version = input.version ?? PACS002_MESSAGE_ID;
  if (!PACS002_VERSIONS.includes(version)) throw new RangeError(`version: must be one of ${PACS002_VERSIONS.join(', ')}`);
  const o = input.original;
  check.id('msgId', input.msgId);
  check.reqDateTime('creationDateTime', input.creationDateTime);
  check.agent('instructingAgent', input.instructingAgent);
  check.agent('instructedAgent', input.instructedAgent);
  check.group('original', { msgId: o.msgId, msgNmId: o.msgNmId, creationDateTime: o.creationDateTime });
  check.ref('original', { group: null, instrId: o.instrId, endToEndId: o.endToEndId, txId: o.txId, uetr: o.uetr });
  check.amount('original.amount', o.amount);
  check.date('original.settlementDate', o.settlementDate);
  check.code('status', input.status);
  check.reason('reason', input.reason);
  check.dateTime('acceptanceDateTime', input.acceptanceDateTime);
  return version;
}

/**
 * Writes a pacs.002 FIToFIPmtStsRpt (.10, .12 or .14: the elements written here are the same in the
 * three) for one transaction, elements in schema order (GroupHeader, OriginalGroupHeader,
 * PaymentTransaction). Optional inputs that are null are left out.
 */
export function buildPacs002(input: Pacs002Input): string {
  const version = checkPacs002(input);
  const o = input.original;
  const b = new XmlBuilder();
  b.open('Document', { xmlns: ISO_NS + version }).open('FIToFIPmtStsRpt');

  b.open('GrpHdr').leaf('MsgId', input.msgId).leaf('CreDtTm', input.creationDateTime);
  writeAgent(b, 'InstgAgt', input.instructingAgent);
  writeAgent(b, 'InstdAgt', input.instructedAgent);
  b.close();

  b.open('OrgnlGrpInfAndSts').leaf('OrgnlMsgId', o.msgId).leaf('OrgnlMsgNmId', o.msgNmId).leaf('OrgnlCreDtTm', o.creationDateTime).close();

  b.open('TxInfAndSts')
    .leaf('OrgnlInstrId', o.instrId)
    .leaf('OrgnlEndToEndId', o.endToEndId)
    .leaf('OrgnlTxId', o.txId)
    .leaf('OrgnlUETR', o.uetr)
    .leaf('TxSts', input.status);
  writeReason(b, 'StsRsnInf', input.reason);
  b.leaf('AccptncDtTm', input.acceptanceDateTime);
  if (o.amount !== null || o.settlementDate !== null) {
    b.open('OrgnlTxRef');
    writeAmount(b, 'IntrBkSttlmAmt', o.amount);
    b.leaf('IntrBkSttlmDt', o.settlementDate);
    b.close();
  }
  b.close();

  b.close().close();
  return b.toString();
}
