// SPDX-License-Identifier: Apache-2.0
import type { AppHdrInput, AppHdrVersion, AppHeader, HeaderParty } from './iso20022.types.js';
import { check, ISO_NS } from './writer.helpers.js';
import { XmlBuilder } from './xml-writer.js';

export const APP_HDR_VERSIONS: readonly AppHdrVersion[] = ['head.001.001.02', 'head.001.001.04'];
const BIC = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;
const ENVELOPE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const XML_DECLARATION = /^\s*<\?xml[^?]*\?>\s*/;

/** A party given as a plain string: a BIC when it looks like one, else an `Othr/Id`. */
export function headerParty(id: string): HeaderParty {
  const isBic = BIC.test(id);
  return { kind: 'FIId', bic: isBic ? id : null, clearingSystem: null, memberId: null, lei: null, name: null, otherId: isBic ? null : id };
}

function partyOf(p: HeaderParty | string | null | undefined, fallback: string | null): HeaderParty | null {
  if (typeof p === 'string') return headerParty(p);
  if (p) return p;
  return fallback === null ? null : headerParty(fallback);
}

function checkParty(field: string, p: HeaderParty): void {
  if (p.bic !== null) check.bic(`${field}.bic`, p.bic);
  if (p.lei !== null) check.lei(`${field}.lei`, p.lei);
  check.optText(`${field}.clearingSystem`, p.clearingSystem, 5);
  check.optId(`${field}.memberId`, p.memberId);
  if (p.clearingSystem !== null && p.memberId === null) throw new RangeError(`${field}.memberId: required with a clearing system`);
  if (p.kind === 'OrgId' && p.memberId !== null)
    throw new RangeError(`${field}.memberId: an organisation has no clearing-system member id`);
  check.optText(`${field}.name`, p.name, 140);
  check.optId(`${field}.otherId`, p.otherId);
  if (p.bic === null && p.memberId === null && p.lei === null && p.name === null && p.otherId === null) {
    throw new RangeError(`${field}: identifies nobody`);
  }
}

function writeParty(b: XmlBuilder, name: string, p: HeaderParty): void {
  b.open(name);
  if (p.kind === 'FIId') {
    b.open('FIId').open('FinInstnId').leaf('BICFI', p.bic);
    if (p.memberId !== null) {
      b.open('ClrSysMmbId');
      if (p.clearingSystem !== null) b.open('ClrSysId').leaf('Cd', p.clearingSystem).close();
      b.leaf('MmbId', p.memberId).close();
    }
    b.leaf('LEI', p.lei).leaf('Nm', p.name);
    if (p.otherId !== null) b.open('Othr').leaf('Id', p.otherId).close();
    b.close().close();
  } else {
    b.open('OrgId').leaf('Nm', p.name);
    if (p.bic !== null || p.lei !== null || p.otherId !== null) {
      b.open('Id').open('OrgId').leaf('AnyBIC', p.bic).leaf('LEI', p.lei);
      if (p.otherId !== null) b.open('Othr').leaf('Id', p.otherId).close();
      b.close().close();
    }
    b.close();
  }
  b.close();
}

/**
 * Writes a business application header (head.001.001.02 or .04) `AppHdr`, with a `Rltd` block for the
 * header of the message it answers. Refuses (RangeError) what the schema would refuse.
 */
export function buildAppHdr(input: AppHdrInput): string {
  if (!APP_HDR_VERSIONS.includes(input.version)) throw new RangeError(`version: must be one of ${APP_HDR_VERSIONS.join(', ')}`);
  const from = partyOf(input.from, null)!;
  const to = partyOf(input.to, null)!;
  checkParty('from', from);
  checkParty('to', to);
  check.id('bizMsgIdr', input.bizMsgIdr);
  check.id('msgDefIdr', input.msgDefIdr);
  check.optId('bizSvc', input.bizSvc);
  check.reqDateTime('creationDate', input.creationDate);
  const r = input.related;
  let relFrom: HeaderParty | null = null;
  let relTo: HeaderParty | null = null;
  if (r !== null) {
    relFrom = partyOf(r.fromParty, r.from);
    relTo = partyOf(r.toParty, r.to);
    if (relFrom === null || relTo === null) throw new RangeError('related: needs its Fr and To');
    checkParty('related.from', relFrom);
    checkParty('related.to', relTo);
    check.id('related.bizMsgIdr', r.bizMsgIdr);
    check.id('related.msgDefIdr', r.msgDefIdr);
    check.optId('related.bizSvc', r.bizSvc);
    check.reqDateTime('related.creationDate', r.creationDate);
  }

  const b = new XmlBuilder();
  b.open('AppHdr', { xmlns: ISO_NS + input.version });
  writeParty(b, 'Fr', from);
  writeParty(b, 'To', to);
  b.leaf('BizMsgIdr', input.bizMsgIdr).leaf('MsgDefIdr', input.msgDefIdr).leaf('BizSvc', input.bizSvc).leaf('CreDt', input.creationDate);
  if (r !== null) {
    b.open('Rltd');
    writeParty(b, 'Fr', relFrom!);
    writeParty(b, 'To', relTo!);
    b.leaf('BizMsgIdr', r.bizMsgIdr).leaf('MsgDefIdr', r.msgDefIdr).leaf('BizSvc', r.bizSvc).leaf('CreDt', r.creationDate);
    b.close();
  }
  b.close();
  return b.toString();
}

/**
 * The header of an answer to a message that came with `original`: same version, `Fr`/`To` swapped,
 * its own `BizMsgIdr`, `MsgDefIdr` = the answer's message id, `BizSvc` copied, and `Rltd` = the original.
 */
export function replyAppHdrInput(original: AppHeader, reply: { bizMsgIdr: string; msgDefIdr: string; creationDate: string }): AppHdrInput {
  const version = original.version as AppHdrVersion;
  if (!APP_HDR_VERSIONS.includes(version)) throw new RangeError(`original.version: cannot answer a ${original.version} header`);
  const from = partyOf(original.toParty, original.to);
  const to = partyOf(original.fromParty, original.from);
  if (from === null || to === null) throw new RangeError('original: needs its Fr and To');
  return { version, from, to, ...reply, bizSvc: original.bizSvc, related: original };
}

function stripDeclaration(xml: string): string {
  return xml.replace(XML_DECLARATION, '').trimEnd();
}

/**
 * Puts an `AppHdr` and a `Document` (each a standalone XML text, with or without an XML declaration) in
 * an envelope element without a namespace: `<Envelope>` unless `envelope` names another local name
 * (e.g. the one the incoming message used, `ParsedMessage.envelope`).
 */
export function wrapWithAppHdr(documentXml: string, appHdrXml: string, envelope: string | null = null): string {
  const name = envelope ?? 'Envelope';
  if (!ENVELOPE_NAME.test(name)) throw new RangeError(`envelope: not an XML local name: ${JSON.stringify(name)}`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${name}>\n${stripDeclaration(appHdrXml)}\n${stripDeclaration(documentXml)}\n</${name}>\n`;
}
