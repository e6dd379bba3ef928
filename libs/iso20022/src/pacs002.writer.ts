import type { AgentId, Pacs002Input } from './iso20022.types.js';
import { XmlBuilder } from './xml-writer.js';

export const PACS002_MESSAGE_ID = 'pacs.002.001.10';
export const PACS002_NAMESPACE = `urn:iso:std:iso:20022:tech:xsd:${PACS002_MESSAGE_ID}`;

/** ExternalStatusReason1Code is 1 to 4 characters; anything longer goes to `Prtry` (Max35Text). */
const MAX_REASON_CODE = 4;
const MAX_ADDTL_INF = 105;

function writeAgent(b: XmlBuilder, name: string, a: AgentId | null): void {
  if (a === null) return;
  b.open(name).open('FinInstnId');
  b.leaf('BICFI', a.bic);
  if (a.memberId !== null) {
    b.open('ClrSysMmbId');
    if (a.clearingSystem !== null) b.open('ClrSysId').leaf('Cd', a.clearingSystem).close();
    b.leaf('MmbId', a.memberId).close();
  }
  b.leaf('Nm', a.name);
  b.close().close();
}

/** Cuts a narrative in pieces of at most 105 characters (code points, as XSD counts them). */
export function splitNarrative(text: string, max = MAX_ADDTL_INF): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += max) out.push(chars.slice(i, i + max).join(''));
  return out;
}

/**
 * Writes a pacs.002.001.10 FIToFIPmtStsRpt for one transaction, elements in schema order
 * (GroupHeader91, OriginalGroupHeader17, PaymentTransaction110). Optional inputs that are null are
 * left out. Validation against the schema is the caller's job (the codec does it).
 */
export function buildPacs002(input: Pacs002Input): string {
  const o = input.original;
  const b = new XmlBuilder();
  b.open('Document', { xmlns: PACS002_NAMESPACE }).open('FIToFIPmtStsRpt');

  b.open('GrpHdr').leaf('MsgId', input.msgId).leaf('CreDtTm', input.creationDateTime);
  writeAgent(b, 'InstgAgt', input.instructingAgent);
  writeAgent(b, 'InstdAgt', input.instructedAgent);
  b.close();

  b.open('OrgnlGrpInfAndSts')
    .leaf('OrgnlMsgId', o.msgId)
    .leaf('OrgnlMsgNmId', o.msgNmId)
    .leaf('OrgnlCreDtTm', o.creationDateTime)
    .close();

  b.open('TxInfAndSts')
    .leaf('OrgnlInstrId', o.instrId)
    .leaf('OrgnlEndToEndId', o.endToEndId)
    .leaf('OrgnlTxId', o.txId)
    .leaf('OrgnlUETR', o.uetr)
    .leaf('TxSts', input.status);
  if (input.reason !== null) {
    b.open('StsRsnInf').open('Rsn');
    if (Array.from(input.reason.code).length <= MAX_REASON_CODE) b.leaf('Cd', input.reason.code);
    else b.leaf('Prtry', input.reason.code);
    b.close();
    if (input.reason.text) for (const line of splitNarrative(input.reason.text)) b.leaf('AddtlInf', line);
    b.close();
  }
  b.leaf('AccptncDtTm', input.acceptanceDateTime);
  if (o.amount !== null || o.settlementDate !== null) {
    b.open('OrgnlTxRef');
    if (o.amount !== null) b.leaf('IntrBkSttlmAmt', o.amount.value, { Ccy: o.amount.currency });
    b.leaf('IntrBkSttlmDt', o.settlementDate);
    b.close();
  }
  b.close();

  b.close().close();
  return b.toString();
}
