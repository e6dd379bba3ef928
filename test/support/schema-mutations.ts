// SPDX-License-Identifier: Apache-2.0
/**
 * Small systematic edits of ISO 20022 messages for conformance tests: each one breaks (or, for the
 * boundary cases, just touches) one facet or one content-model rule. A conformance test applies them to
 * valid messages and checks that the project's schemas and the official ones give the same verdict,
 * whatever that verdict is. Each edit returns null when it does not apply to the text. The edits are
 * regular expressions on the text, tolerant of namespace prefixes (`<pacs:MsgId>` and `<MsgId>`).
 */

export type Mutation = readonly [label: string, mutate: (xml: string) => string | null];

/** `s` with the first match of `re` replaced, or null when nothing matched or nothing changed. */
export function sub(s: string, re: RegExp, replacement: string | ((...args: string[]) => string)): string | null {
  if (!re.test(s)) return null;
  const out = s.replace(re, replacement as string);
  return out === s ? null : out;
}

/** The text of the element `local` (any prefix), first occurrence: a regexp with groups open, text, close. */
const leaf = (local: string): RegExp => new RegExp(`(<(?:\\w+:)?${local}(?:\\s[^>]*)?>)([^<]*)(</(?:\\w+:)?${local}>)`);
/** Same, the last occurrence. */
const lastLeaf = (local: string): RegExp =>
  new RegExp(`(<(?:\\w+:)?${local}(?:\\s[^>]*)?>)([^<]*)(</(?:\\w+:)?${local}>)(?![\\s\\S]*<(?:\\w+:)?${local}[\\s>])`);
const setLeaf = (local: string, value: string) => (s: string) => sub(s, leaf(local), `$1${value}$3`);
const setLastLeaf = (local: string, value: string) => (s: string) => sub(s, lastLeaf(local), `$1${value}$3`);
/** Drops the first element `local` with everything in it (it must not nest an element of the same name). */
const drop = (local: string) => (s: string) => sub(s, new RegExp(`\\s*<(\\w+:)?${local}(?:\\s[^>]*)?>[\\s\\S]*?</(?:\\w+:)?${local}>`), '');
/** Repeats the first element `local`. */
const twice = (local: string) => (s: string) =>
  sub(s, new RegExp(`(<(\\w+:)?${local}(?:\\s[^>]*)?>[\\s\\S]*?</(?:\\w+:)?${local}>)`), '$1$1');
/** The prefix (with colon) the first element `local` is written with. */
const prefixOf = (s: string, local: string): string | null => {
  const m = new RegExp(`<(\\w+:)?${local}[\\s>]`).exec(s);
  return m === null ? null : (m[1] ?? '');
};
/** Inserts `<p:name>value</p:name>` right after the start tag of the first element `parent`. */
const insertFirst = (parent: string, name: string, value: string) => (s: string) => {
  const p = prefixOf(s, parent);
  if (p === null) return null;
  return sub(s, new RegExp(`(<(?:\\w+:)?${parent}(?:\\s[^>]*)?>)`), `$1<${p}${name}>${value}</${p}${name}>`);
};
/** Inserts `<p:name>value</p:name>` right after the first element `after`. */
const insertAfter = (after: string, name: string, value: string) => (s: string) => {
  const p = prefixOf(s, after);
  if (p === null) return null;
  return sub(s, new RegExp(`(</(?:\\w+:)?${after}>)`), `$1<${p}${name}>${value}</${p}${name}>`);
};
/** Inserts `<p:name>value</p:name>` right after the last element `after`. */
const insertAfterLast = (after: string, name: string, value: string) => (s: string) => {
  const p = prefixOf(s, after);
  if (p === null) return null;
  return sub(s, new RegExp(`(</(?:\\w+:)?${after}>)(?![\\s\\S]*</(?:\\w+:)?${after}>)`), `$1<${p}${name}>${value}</${p}${name}>`);
};
/** A transaction-level `PmtTpInf/InstrPrty` (right after `PmtId`), when the transaction has no PmtTpInf. */
const priority = (code: string) => (s: string) => {
  const p = prefixOf(s, 'PmtId');
  if (p === null || new RegExp(`</(?:\\w+:)?PmtId>\\s*<(?:\\w+:)?PmtTpInf`).test(s)) return null;
  return sub(s, /(<\/(?:\w+:)?PmtId>)/, `$1<${p}PmtTpInf><${p}InstrPrty>${code}</${p}InstrPrty></${p}PmtTpInf>`);
};
const amount = (value: string) => (s: string) => sub(s, /(<(?:\w+:)?IntrBkSttlmAmt Ccy="[A-Z]{3}">)[^<]*(<\/)/, `$1${value}$2`);

/** Edits of the business content (group header, transaction, agents, parties, accounts, amounts). */
export const DOCUMENT_MUTATIONS: Mutation[] = [
  // text lengths
  ['MsgId of 36 characters', setLeaf('MsgId', 'M'.repeat(36))],
  ['MsgId of 35 characters', setLeaf('MsgId', 'M'.repeat(35))],
  ['empty EndToEndId', setLeaf('EndToEndId', '')],
  ['EndToEndId of 36 characters', setLeaf('EndToEndId', 'E'.repeat(36))],
  ['party name of 141 characters', setLeaf('Nm', 'N'.repeat(141))],
  ['party name of 140 characters', setLeaf('Nm', 'N'.repeat(140))],
  ['town name of 36 characters', setLeaf('TwnNm', 'T'.repeat(36))],
  ['unstructured remittance of 141 characters', setLeaf('Ustrd', 'R'.repeat(141))],
  // identifiers by pattern
  ['malformed BIC (first)', setLeaf('BICFI', 'ABC')],
  ['malformed BIC (last)', setLastLeaf('BICFI', 'ABC')],
  ['lower-case BIC', (s) => sub(s, leaf('BICFI'), (_m, a: string, v: string, b: string) => a + v.toLowerCase() + b)],
  ['BIC with branch code', (s) => sub(s, /(<(?:\w+:)?BICFI>)([A-Z0-9]{8})(<\/)/, '$1$2XXX$3')],
  ['empty BIC', setLastLeaf('BICFI', '')],
  [
    'IBAN with a lower-case country',
    (s) => sub(s, leaf('IBAN'), (_m, a: string, v: string, b: string) => a + v.slice(0, 2).toLowerCase() + v.slice(2) + b),
  ],
  ['IBAN of 35 characters', setLeaf('IBAN', `DE89${'3'.repeat(31)}`)],
  ['IBAN of 34 characters', setLeaf('IBAN', `DE89${'3'.repeat(30)}`)],
  ['upper-case UETR', (s) => sub(s, leaf('UETR'), (_m, a: string, v: string, b: string) => a + v.toUpperCase() + b)],
  ['UETR that is not version 4', setLeaf('UETR', 'c5b81673-9bcf-1ed6-a394-b9d207705ecf')],
  ['long country', setLeaf('Ctry', 'Germany')],
  ['lower-case country', setLeaf('Ctry', 'de')],
  ['agent LEI of 20 characters', insertAfterLast('BICFI', 'LEI', '5299009QN4YV5Z4MK3W6')],
  ['agent LEI of 19 characters', insertAfterLast('BICFI', 'LEI', '5299009QN4YV5Z4MK3W')],
  // amounts
  ['6 fraction digits', amount('1.123456')],
  ['5 fraction digits', amount('1.12345')],
  ['19 total digits', amount('1234567890123456.78')],
  ['18 total digits', amount('123456789012345.678')],
  ['negative amount', amount('-5.00')],
  ['zero amount', amount('0')],
  ['amount with an exponent', amount('1E3')],
  ['lower-case currency', (s) => sub(s, /(<(?:\w+:)?IntrBkSttlmAmt Ccy=")[A-Z]{3}(")/, '$1eur$2')],
  ['amount without currency', (s) => sub(s, /(<(?:\w+:)?IntrBkSttlmAmt) Ccy="[A-Z]{3}"/, '$1')],
  // codes
  ['unknown charge bearer', setLeaf('ChrgBr', 'XXXX')],
  ['unknown settlement method', setLeaf('SttlmMtd', 'ABCD')],
  ['clearing system code of 6 characters', setLeaf('Cd', 'ABCDEF')],
  ['instruction priority HIGH', priority('HIGH')],
  ['unknown instruction priority', priority('FAST')],
  // dates and numbers
  ['impossible date', setLeaf('IntrBkSttlmDt', '2025-13-01')],
  ['creation date without time', setLeaf('CreDtTm', '2025-03-14')],
  ['NbOfTxs not numeric', setLeaf('NbOfTxs', 'one')],
  ['NbOfTxs of 16 digits', setLeaf('NbOfTxs', '1'.repeat(16))],
  // content model
  ['missing NbOfTxs', drop('NbOfTxs')],
  ['missing SttlmInf', drop('SttlmInf')],
  ['missing EndToEndId', drop('EndToEndId')],
  ['missing IntrBkSttlmAmt', drop('IntrBkSttlmAmt')],
  ['missing ChrgBr', drop('ChrgBr')],
  ['missing Dbtr', drop('Dbtr')],
  ['missing DbtrAgt', drop('DbtrAgt')],
  ['missing CdtrAgt', drop('CdtrAgt')],
  ['missing Cdtr', drop('Cdtr')],
  ['duplicate ChrgBr', twice('ChrgBr')],
  ['duplicate CdtrAgt', twice('CdtrAgt')],
  ['unknown element', (s) => sub(s, /(<(\w+:)?ChrgBr>)/, '<$2Foo>1</$2Foo>$1')],
  [
    'ChrgBr before IntrBkSttlmAmt',
    (s) => {
      const m = /\s*<(\w+:)?ChrgBr>[^<]*<\/(\w+:)?ChrgBr>/.exec(s);
      if (m === null) return null;
      const without = s.replace(m[0], '');
      return sub(without, /(<(?:\w+:)?IntrBkSttlmAmt )/, `${m[0].trim()}$1`);
    },
  ],
  [
    'UETR before EndToEndId',
    (s) => {
      const m = /\s*<(\w+:)?UETR>[^<]*<\/(\w+:)?UETR>/.exec(s);
      if (m === null) return null;
      return sub(s.replace(m[0], ''), /(<(?:\w+:)?EndToEndId>)/, `${m[0].trim()}$1`);
    },
  ],
  // elements only some versions have
  ['postal address with CareOf (2023)', insertFirst('PstlAdr', 'CareOf', 'Finance department')],
  ['postal address with Flr', insertAfter('TwnNm', 'Flr', '3')],
  ['Document namespace of pacs.008.001.10', (s) => sub(s, /pacs\.008\.001\.(08|12)"/g, 'pacs.008.001.10"')],
  ['Document namespace of pacs.008.001.12', (s) => sub(s, /pacs\.008\.001\.(08|10)"/g, 'pacs.008.001.12"')],
  ['Document namespace of pacs.008.001.08', (s) => sub(s, /pacs\.008\.001\.(10|12)"/g, 'pacs.008.001.08"')],
];

/** Edits of the business application header (for messages that carry one). */
export const APPHDR_MUTATIONS: Mutation[] = [
  ['AppHdr CreDt as a date', setLeaf('CreDt', '2023-05-05')],
  ['AppHdr without BizMsgIdr', drop('BizMsgIdr')],
  ['AppHdr without MsgDefIdr', drop('MsgDefIdr')],
  ['AppHdr without Fr', drop('Fr')],
  ['AppHdr BizMsgIdr of 36 characters', setLeaf('BizMsgIdr', 'B'.repeat(36))],
  ['AppHdr BizSvc of 36 characters', (s) => sub(s, leaf('BizSvc'), `$1${'S'.repeat(36)}$3`)],
  ['AppHdr with CpyDplct COPY', insertAfter('CreDt', 'CpyDplct', 'COPY')],
  ['AppHdr with an unknown CpyDplct', insertAfter('CreDt', 'CpyDplct', 'XXXX')],
  ['AppHdr with PssblDplct not a boolean', insertAfter('CreDt', 'PssblDplct', 'maybe')],
  [
    'AppHdr with a Rltd block',
    (s) => {
      const hdr = /<((\w+:)?)AppHdr[\s>][\s\S]*?<\/(\w+:)?AppHdr>/.exec(s);
      if (hdr === null) return null;
      const p = hdr[1]!;
      const part = (local: string): string | null =>
        new RegExp(`<(?:\\w+:)?${local}(?:\\s[^>]*)?>[\\s\\S]*?</(?:\\w+:)?${local}>`).exec(hdr[0])?.[0] ?? null;
      const pieces = ['Fr', 'To', 'BizMsgIdr', 'MsgDefIdr', 'CreDt'].map(part);
      if (pieces.some((x) => x === null)) return null;
      const rltd = `<${p}Rltd>${pieces.join('')}</${p}Rltd>`;
      return sub(s, /(<\/(?:\w+:)?AppHdr>)/, `${rltd}$1`);
    },
  ],
  ['AppHdr sender by a malformed BIC', (s) => sub(s, /(<(?:\w+:)?Fr>[\s\S]*?<(?:\w+:)?BICFI>)[^<]*(<\/)/, '$1XX$2')],
  [
    'AppHdr sender by LEI',
    (s) => sub(s, /(<(?:\w+:)?Fr>[\s\S]*?<((?:\w+:)?)BICFI>)[^<]*(<\/(?:\w+:)?BICFI>)/, '$1CLWYDEFF$3<$2LEI>5299009QN4YV5Z4MK3W6</$2LEI>'),
  ],
  ['AppHdr namespace of head.001.001.04', (s) => sub(s, /head\.001\.001\.02"/, 'head.001.001.04"')],
  ['AppHdr namespace of head.001.001.02', (s) => sub(s, /head\.001\.001\.04"/, 'head.001.001.02"')],
];

const anyAmount = (value: string) => (s: string) => sub(s, /(<(?:\w+:)?\w+ Ccy="[A-Z]{3}">)[^<]*(<\/)/, `$1${value}$2`);

/**
 * Edits that apply to most ISO 20022 payment messages (status reports, returns, cancellation requests):
 * the first amount of any kind, and the references, codes and blocks those messages have.
 */
export const GENERIC_MUTATIONS: Mutation[] = [
  ['first amount with 6 fraction digits', anyAmount('10.123456')],
  ['first amount with 19 total digits', anyAmount('1234567890123456.78')],
  ['first amount negative', anyAmount('-1.00')],
  ['first amount not a number', anyAmount('ten')],
  ['first currency lower-case', (s) => sub(s, /(<(?:\w+:)?\w+ Ccy=")[A-Z]{3}(")/, '$1usd$2')],
  ...[
    'Id',
    'OrgnlMsgId',
    'OrgnlEndToEndId',
    'OrgnlTxId',
    'OrgnlInstrId',
    'RtrId',
    'StsId',
    'CxlId',
    'CxlStsId',
    'OrgnlMsgNmId',
    'MmbId',
  ].flatMap((local): Mutation[] => [
    [`${local} of 36 characters`, setLeaf(local, 'X'.repeat(36))],
    [`empty ${local}`, setLeaf(local, '')],
  ]),
  ['AddtlInf of 106 characters', setLeaf('AddtlInf', 'A'.repeat(106))],
  ['AddtlInf of 105 characters', setLeaf('AddtlInf', 'A'.repeat(105))],
  ['upper-case OrgnlUETR', (s) => sub(s, leaf('OrgnlUETR'), (_m, a: string, v: string, b: string) => a + v.toUpperCase() + b)],
  ['OrgnlUETR without dashes', (s) => sub(s, leaf('OrgnlUETR'), (_m, a: string, v: string, b: string) => a + v.replace(/-/g, '') + b)],
  ['TxSts of 5 characters', setLeaf('TxSts', 'ACSCX')],
  ['unknown cancellation status', setLeaf('TxCxlSts', 'XXXX')],
  ['investigation status code of 5 characters', (s) => sub(s, /(<(?:\w+:)?Conf>)[^<]*(<\/)/, '$1CNCLX$2')],
  ['reason code of 5 characters', (s) => sub(s, /(<(?:\w+:)?Rsn>\s*<(?:\w+:)?Cd>)[^<]*(<\/)/, '$1AC04X$2')],
  ['unknown charge bearer', setLeaf('ChrgBr', 'XXXX')],
  ['impossible settlement date', setLeaf('IntrBkSttlmDt', '2025-02-30')],
  ['creation date-time without time', setLeaf('CreDtTm', '2025-03-14')],
  ['Assgnmt CreDtTm without time', (s) => sub(s, /(<(?:\w+:)?Assgnmt>[\s\S]*?<(?:\w+:)?CreDtTm>)[^<]*(<\/)/, '$12025-03-14$2')],
  ...[
    'GrpHdr',
    'Assgnmt',
    'Undrlyg',
    'OrgnlGrpInf',
    'OrgnlGrpInfAndSts',
    'TxInf',
    'TxInfAndSts',
    'RtrRsnInf',
    'CxlRsnInf',
    'RtrdIntrBkSttlmAmt',
    'OrgnlMsgNmId',
    'OrgnlMsgId',
    'MsgId',
    'Assgnr',
    'Assgne',
    'Case',
    'Cretr',
    'TxSts',
    'RtrChain',
    'StsRsnInf',
    'Sts',
    'RslvdCase',
    'CxlDtls',
    'TxCxlSts',
  ].map((local): Mutation => [`missing ${local}`, drop(local)]),
  ...['OrgnlGrpInf', 'Assgnmt', 'GrpHdr', 'Case', 'RtrdIntrBkSttlmAmt', 'TxSts'].map((local): Mutation => [
    `duplicate ${local}`,
    twice(local),
  ]),
  ['malformed BIC (first)', setLeaf('BICFI', 'ABC')],
  ['malformed BIC (last)', setLastLeaf('BICFI', 'ABC')],
  ['BIC with branch code', (s) => sub(s, /(<(?:\w+:)?BICFI>)([A-Z0-9]{8})(<\/)/, '$1$2XXX$3')],
  ['malformed AnyBIC', setLeaf('AnyBIC', 'AB')],
  ['long country', setLeaf('Ctry', 'Germany')],
  ['party name of 141 characters', setLeaf('Nm', 'N'.repeat(141))],
  ['unknown element first in the group header', (s) => sub(s, /(<(\w+:)?GrpHdr>)/, '$1<$2Foo>1</$2Foo>')],
];
