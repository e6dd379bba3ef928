// SPDX-License-Identifier: Apache-2.0
/**
 * Builds valid pacs.008 Documents (pacs.008.001.08 by default; .10 and .12 on request) for end-to-end
 * tests, crash tests and benchmarks: one transaction, EUR by default, IBAN accounts (or `Othr/Id`), BIC
 * agents, SttlmMtd INDA, ChrgBr SHAR. The elements used have the same names and places in all three
 * versions, so only the namespace differs. Optionally wrapped with a business application header
 * (head.001.001.02 or .04) in a transport `Envelope`. Ids are random unless given. A string template
 * with escaping: cheap enough to call in a hot loop. All defaults are made up; the default IBANs pass
 * the mod-97 check.
 */
import { randomUUID } from 'node:crypto';

export interface Pacs008FactoryOptions {
  msgId?: string;
  endToEndId?: string;
  /** Lower-case UUID v4. */
  uetr?: string;
  /** Decimal string, e.g. `"100.00"`. */
  amount?: string;
  currency?: string;
  creditorIban?: string;
  /** Debtor account IBAN; DEFAULT_DEBTOR_IBAN unless given. */
  debtorIban?: string;
  /** Creditor account as `Othr/Id` instead of an IBAN (wins over `creditorIban`). */
  creditorAccountOther?: string;
  debtorBic?: string;
  creditorBic?: string;
  /** ISO date-time; its date is also the interbank settlement date. Default: now (UTC). */
  creationDateTime?: string;
  /** Message version; default `pacs.008.001.08`. */
  version?: Pacs008Version;
  /**
   * Wrap the Document in `<Envelope xmlns="urn:swift:xsd:envelope">` with an AppHdr of this version
   * (Fr = debtor BIC, To = creditor BIC, BizMsgIdr = MsgId, MsgDefIdr = the pacs.008 version). Default: a
   * bare Document.
   */
  appHeader?: AppHeaderVersion;
}

export type Pacs008Version = 'pacs.008.001.08' | 'pacs.008.001.10' | 'pacs.008.001.12';
export type AppHeaderVersion = 'head.001.001.02' | 'head.001.001.04';

const ISO_NS = 'urn:iso:std:iso:20022:tech:xsd:';
/** Namespace of the default version. */
export const PACS008_NAMESPACE = `${ISO_NS}pacs.008.001.08`;
export const DEFAULT_DEBTOR_IBAN = 'DE12500105170648489890';
export const DEFAULT_CREDITOR_IBAN = 'NL29CLWY0417164300';
export const DEFAULT_DEBTOR_BIC = 'CLWYDEFF';
export const DEFAULT_CREDITOR_BIC = 'CLWYNL2A';

const SPECIAL = /[&<>"]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const x = (v: string): string => v.replace(SPECIAL, (c) => ENTITY[c]!);

/** A random id of at most 35 characters (Max35Text) with a readable prefix. */
function randomId(prefix: string): string {
  return `${prefix}-${randomUUID().replace(/-/g, '')}`.slice(0, 35);
}

export function buildPacs008(opts: Pacs008FactoryOptions = {}): string {
  const msgId = opts.msgId ?? randomId('MSG');
  const endToEndId = opts.endToEndId ?? randomId('E2E');
  const uetr = opts.uetr ?? randomUUID();
  const amount = opts.amount ?? '100.00';
  const currency = opts.currency ?? 'EUR';
  const created = opts.creationDateTime ?? new Date().toISOString();
  const settlementDate = created.slice(0, 10);
  const debtorBic = opts.debtorBic ?? DEFAULT_DEBTOR_BIC;
  const creditorBic = opts.creditorBic ?? DEFAULT_CREDITOR_BIC;
  const creditorAccount =
    opts.creditorAccountOther !== undefined
      ? `<Othr><Id>${x(opts.creditorAccountOther)}</Id></Othr>`
      : `<IBAN>${x(opts.creditorIban ?? DEFAULT_CREDITOR_IBAN)}</IBAN>`;
  const version = opts.version ?? 'pacs.008.001.08';
  const document = `<Document xmlns="${ISO_NS}${version}">
  <FIToFICstmrCdtTrf>
    <GrpHdr>
      <MsgId>${x(msgId)}</MsgId>
      <CreDtTm>${x(created)}</CreDtTm>
      <NbOfTxs>1</NbOfTxs>
      <SttlmInf><SttlmMtd>INDA</SttlmMtd></SttlmInf>
    </GrpHdr>
    <CdtTrfTxInf>
      <PmtId>
        <InstrId>${x(msgId)}</InstrId>
        <EndToEndId>${x(endToEndId)}</EndToEndId>
        <TxId>${x(msgId)}</TxId>
        <UETR>${x(uetr)}</UETR>
      </PmtId>
      <IntrBkSttlmAmt Ccy="${x(currency)}">${x(amount)}</IntrBkSttlmAmt>
      <IntrBkSttlmDt>${x(settlementDate)}</IntrBkSttlmDt>
      <ChrgBr>SHAR</ChrgBr>
      <InstgAgt><FinInstnId><BICFI>${x(debtorBic)}</BICFI></FinInstnId></InstgAgt>
      <InstdAgt><FinInstnId><BICFI>${x(creditorBic)}</BICFI></FinInstnId></InstdAgt>
      <Dbtr><Nm>Muster Maschinenbau GmbH</Nm><PstlAdr><TwnNm>Frankfurt am Main</TwnNm><Ctry>DE</Ctry></PstlAdr></Dbtr>
      <DbtrAcct><Id><IBAN>${x(opts.debtorIban ?? DEFAULT_DEBTOR_IBAN)}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BICFI>${x(debtorBic)}</BICFI></FinInstnId></DbtrAgt>
      <CdtrAgt><FinInstnId><BICFI>${x(creditorBic)}</BICFI></FinInstnId></CdtrAgt>
      <Cdtr><Nm>Voorbeeld Handel B.V.</Nm><PstlAdr><TwnNm>Amsterdam</TwnNm><Ctry>NL</Ctry></PstlAdr></Cdtr>
      <CdtrAcct><Id>${creditorAccount}</Id></CdtrAcct>
      <RmtInf><Ustrd>Clearway test payment ${x(endToEndId)}</Ustrd></RmtInf>
    </CdtTrfTxInf>
  </FIToFICstmrCdtTrf>
</Document>`;
  if (opts.appHeader === undefined) return `<?xml version="1.0" encoding="UTF-8"?>\n${document}\n`;
  const fi = (bic: string): string => `<FIId><FinInstnId><BICFI>${x(bic)}</BICFI></FinInstnId></FIId>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="urn:swift:xsd:envelope">
<AppHdr xmlns="${ISO_NS}${opts.appHeader}">
  <Fr>${fi(debtorBic)}</Fr>
  <To>${fi(creditorBic)}</To>
  <BizMsgIdr>${x(msgId)}</BizMsgIdr>
  <MsgDefIdr>${version}</MsgDefIdr>
  <CreDt>${x(created)}</CreDt>
</AppHdr>
${document}
</Envelope>
`;
}
