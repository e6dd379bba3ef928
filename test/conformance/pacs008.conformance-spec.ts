// SPDX-License-Identifier: Apache-2.0
/**
 * pacs.008.001.08 / pacs.002.001.10 conformance: the codec (with the project's own schemas in
 * config/schemas) must agree with the OFFICIAL ISO 20022 schemas on real sample messages, and what
 * Clearway writes must be valid under the official schemas.
 *
 * Needs ../shared/iso20022 beside the checkout (or ISO20022_REFERENCE_DIR). When it is missing the
 * suite FAILS with a message saying so; it never skips.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Iso20022Codec, Iso20022Error, type Pacs002Input, type Pacs008 } from '#iso20022';
import { buildPacs008 } from '../support/pacs008.factory.js';
import {
  disposeOfficialValidators,
  ISO_NS,
  officialVerdict,
  REPO_ROOT,
  referenceDir,
  referenceDirCandidate,
  sampleFiles,
  validateOfficially,
  xpathCount,
  xpathString,
} from '../support/reference.js';

const PACS008 = 'pacs.008.001.08';
const PACS002 = 'pacs.002.001.10';
const NS008 = ISO_NS + PACS008;
const NS002 = ISO_NS + PACS002;

/** Resolved at load time so the per-sample tests can be generated; a missing folder fails below. */
let missing: Error | null = null;
let pacs008Samples: string[] = [];
let pacs002Samples: string[] = [];
try {
  referenceDir();
  pacs008Samples = sampleFiles(PACS008);
  pacs002Samples = sampleFiles(PACS002);
} catch (e) {
  missing = e as Error;
}
const examples = readdirSync(join(REPO_ROOT, 'config/examples'))
  .filter((f) => f.endsWith('.xml'))
  .sort()
  .map((f) => join(REPO_ROOT, 'config/examples', f));

const read = (file: string): string => readFileSync(file, 'utf8');
const name = (file: string): string => basename(file);

/** The codec's verdict: null when accepted, else the error code. */
function codecVerdict(codec: Iso20022Codec, xml: string): string | null {
  try {
    codec.parse(xml);
    return null;
  } catch (e) {
    if (e instanceof Iso20022Error) return e.code;
    throw e;
  }
}

function statusInput(p: Pacs008, msgNmId: string, status: string, reason: string | null, i: number): Pacs002Input {
  const tx = p.transactions[0]!;
  return {
    msgId: `CLWY-CONF-${status}-${reason ?? 'NONE'}-${i}`,
    creationDateTime: '2025-03-14T10:00:00Z',
    // The original's instructed agent reports to its instructing agent.
    instructingAgent: tx.instructedAgent,
    instructedAgent: tx.instructingAgent,
    original: {
      msgId: p.groupHeader.msgId,
      msgNmId,
      creationDateTime: p.groupHeader.creationDateTime,
      instrId: tx.instrId,
      endToEndId: tx.endToEndId,
      txId: tx.txId,
      uetr: tx.uetr,
      amount: tx.interbankSettlementAmount,
      settlementDate: tx.interbankSettlementDate,
    },
    status,
    reason: reason === null ? null : { code: reason, text: reason === 'AC04' ? 'closed account' : 'invalid file format' },
    acceptanceDateTime: status === 'ACSC' ? '2025-03-14T10:00:00Z' : null,
  };
}

/**
 * Small edits that must get the same verdict from the codec (project schemas) and the official
 * schemas, whatever that verdict is. Each returns null when it does not apply to the text.
 */
const MUTATIONS: [string, (xml: string) => string | null][] = [
  ['MsgId of 36 characters', (s) => sub(s, /(<(?:\w+:)?MsgId>)[^<]*(<\/)/, `$1${'M'.repeat(36)}$2`)],
  ['MsgId of 35 characters', (s) => sub(s, /(<(?:\w+:)?MsgId>)[^<]*(<\/)/, `$1${'M'.repeat(35)}$2`)],
  ['malformed BIC', (s) => sub(s, /(<(?:\w+:)?BICFI>)[^<]*(<\/)/, '$1ABC$2')],
  ['BIC with branch code', (s) => sub(s, /(<(?:\w+:)?BICFI>)([A-Z0-9]{8})(<\/)/, '$1$2XXX$3')],
  ['upper-case UETR', (s) => sub(s, /(<(?:\w+:)?UETR>)([^<]*)(<\/)/, (_m, a: string, v: string, b: string) => a + v.toUpperCase() + b)],
  ['6 fraction digits', (s) => sub(s, /(<(?:\w+:)?IntrBkSttlmAmt Ccy="[A-Z]{3}">)[^<]*(<\/)/, '$11.123456$2')],
  ['19 total digits', (s) => sub(s, /(<(?:\w+:)?IntrBkSttlmAmt Ccy="[A-Z]{3}">)[^<]*(<\/)/, '$11234567890123456.78$2')],
  ['negative amount', (s) => sub(s, /(<(?:\w+:)?IntrBkSttlmAmt Ccy="[A-Z]{3}">)[^<]*(<\/)/, '$1-5.00$2')],
  ['lower-case currency', (s) => sub(s, /(<(?:\w+:)?IntrBkSttlmAmt Ccy=")[A-Z]{3}(")/, '$1eur$2')],
  ['unknown charge bearer', (s) => sub(s, /(<(?:\w+:)?ChrgBr>)[^<]*(<\/)/, '$1XXXX$2')],
  ['unknown settlement method', (s) => sub(s, /(<(?:\w+:)?SttlmMtd>)[^<]*(<\/)/, '$1ABCD$2')],
  ['impossible date', (s) => sub(s, /(<(?:\w+:)?IntrBkSttlmDt>)[^<]*(<\/)/, '$12025-13-01$2')],
  ['long country', (s) => sub(s, /(<(?:\w+:)?Ctry>)[^<]*(<\/)/, '$1Germany$2')],
  ['empty EndToEndId', (s) => sub(s, /(<(?:\w+:)?EndToEndId>)[^<]*(<\/)/, '$1$2')],
  ['missing NbOfTxs', (s) => sub(s, /\s*<(\w+:)?NbOfTxs>[^<]*<\/(\w+:)?NbOfTxs>/, '')],
  ['NbOfTxs not numeric', (s) => sub(s, /(<(?:\w+:)?NbOfTxs>)[^<]*(<\/)/, '$1one$2')],
  ['duplicate ChrgBr', (s) => sub(s, /(<(\w+:)?ChrgBr>[^<]*<\/(\w+:)?ChrgBr>)/, '$1$1')],
  ['unknown element', (s) => sub(s, /(<(\w+:)?ChrgBr>)/, '<$2Foo>1</$2Foo>$1')],
  ['AppHdr CreDt as a date', (s) => sub(s, /(<(?:\w+:)?CreDt>)[^<]*(<\/)/, '$12023-05-05$2')],
  ['AppHdr without BizMsgIdr', (s) => sub(s, /\s*<(\w+:)?BizMsgIdr>[^<]*<\/(\w+:)?BizMsgIdr>/, '')],
];

function sub(s: string, re: RegExp, replacement: string | ((...args: string[]) => string)): string | null {
  if (!re.test(s)) return null;
  const out = s.replace(re, replacement as string);
  return out === s ? null : out;
}

describe('pacs.008.001.08 conformance with the official ISO 20022 schemas', () => {
  let codec: Iso20022Codec;

  beforeAll(async () => {
    if (missing) throw missing;
    codec = await Iso20022Codec.create({ schemaDir: join(REPO_ROOT, 'config/schemas') });
  });
  afterAll(() => {
    codec?.dispose();
    disposeOfficialValidators();
  });

  it('has the reference data (official XSDs and samples)', () => {
    if (missing) throw new Error(`${missing.message} (looked at ${referenceDirCandidate()})`);
    expect(pacs008Samples.length).toBeGreaterThan(0);
    expect(pacs008Samples.some((f) => name(f).startsWith('invalid-'))).toBe(true);
    expect(pacs002Samples.length).toBeGreaterThan(0);
  });

  it('the referee agrees with samples/SOURCES.md on how many samples are valid', () => {
    const sources = readFileSync(join(referenceDir(), 'samples/SOURCES.md'), 'utf8');
    for (const [id, files] of [
      [PACS008, pacs008Samples],
      [PACS002, pacs002Samples],
    ] as const) {
      const row = new RegExp(`^\\| ${id.replace(/\./g, '\\.')} \\| (\\d+) \\| (\\d+) \\|`, 'm').exec(sources);
      expect(row).not.toBeNull();
      const valid = files.filter((f) => officialVerdict(id, read(f)).valid).length;
      expect([files.length, valid]).toEqual([Number(row![1]), Number(row![2])]);
    }
  });

  describe('(a) the codec agrees with the official verdict on every pacs.008.001.08 sample', () => {
    it.each(pacs008Samples.map((f) => [name(f), f]))('%s', (_n, file) => {
      const xml = read(file);
      const official = officialVerdict(PACS008, xml);
      if (name(file).startsWith('invalid-')) {
        expect(official.valid).toBe(false);
        let err: unknown = null;
        try {
          codec.parse(xml);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(Iso20022Error);
        expect((err as Iso20022Error).code).toBe('ISO20022.SCHEMA_INVALID');
        expect((err as Iso20022Error).issues.length).toBeGreaterThan(0);
        return;
      }
      if (!official.valid) {
        // Officially invalid without being an `invalid-*` fixture (e.g. the AWS sample whose Document is
        // in no namespace): the codec must refuse it as well.
        expect(['ISO20022.SCHEMA_INVALID', 'ISO20022.UNSUPPORTED_MESSAGE']).toContain(codecVerdict(codec, xml));
        return;
      }
      const msg = codec.parse(xml);
      expect(msg.messageType).toBe(PACS008);
      const p = codec.readPacs008(msg);
      const doc = official.document!;
      const tx = '/d:Document/d:FIToFICstmrCdtTrf/d:CdtTrfTxInf[1]';
      expect(p.groupHeader.msgId).toBe(xpathString(doc, NS008, '/d:Document/d:FIToFICstmrCdtTrf/d:GrpHdr/d:MsgId'));
      expect(p.transactions).toHaveLength(xpathCount(doc, NS008, '/d:Document/d:FIToFICstmrCdtTrf/d:CdtTrfTxInf'));
      expect(p.transactions[0]!.endToEndId).toBe(xpathString(doc, NS008, `${tx}/d:PmtId/d:EndToEndId`));
      expect(p.transactions[0]!.interbankSettlementAmount).toEqual({
        value: xpathString(doc, NS008, `normalize-space(${tx}/d:IntrBkSttlmAmt)`),
        currency: xpathString(doc, NS008, `${tx}/d:IntrBkSttlmAmt/@Ccy`),
      });
      const uetr = xpathString(doc, NS008, `${tx}/d:PmtId/d:UETR`);
      expect(p.transactions[0]!.uetr).toBe(uetr === '' ? null : uetr);
      // Routing facts (the Fedwire samples carry SvcLvl, LclInstrm, CtgyPurp and ClrSys): the transaction's own
      // payment type field, else the group header's.
      const q = (path: string): string | null => xpathString(doc, NS008, `normalize-space(${path})`) || null;
      const pmtTp = (name: string): string | null =>
        q(`${tx}/d:PmtTpInf/d:${name}[1]/d:Cd`) ??
        q(`${tx}/d:PmtTpInf/d:${name}[1]/d:Prtry`) ??
        q(`/d:Document/d:FIToFICstmrCdtTrf/d:GrpHdr/d:PmtTpInf/d:${name}[1]/d:Cd`) ??
        q(`/d:Document/d:FIToFICstmrCdtTrf/d:GrpHdr/d:PmtTpInf/d:${name}[1]/d:Prtry`);
      expect(p.transactions[0]).toMatchObject({
        serviceLevel: pmtTp('SvcLvl'),
        localInstrument: pmtTp('LclInstrm'),
        categoryPurpose: pmtTp('CtgyPurp'),
        clearingSystem:
          q(`${tx}/d:CdtrAgt/d:FinInstnId/d:ClrSysMmbId/d:ClrSysId/d:Cd`) ??
          q('/d:Document/d:FIToFICstmrCdtTrf/d:GrpHdr/d:SttlmInf/d:ClrSys/d:Cd') ??
          q('/d:Document/d:FIToFICstmrCdtTrf/d:GrpHdr/d:SttlmInf/d:ClrSys/d:Prtry'),
      });
      expect(p.transactions[0]!.creditorAgent?.memberId ?? null).toBe(q(`${tx}/d:CdtrAgt/d:FinInstnId/d:ClrSysMmbId/d:MmbId`));
      if (official.appHdrVersion !== null) expect(msg.appHeader?.version).toBe(official.appHdrVersion);
      else expect(msg.appHeader).toBeNull();
    });
  });

  describe('(a2) small edits of valid messages get the same verdict from both schema sets', () => {
    const bases = () => [
      ...pacs008Samples.filter((f) => !name(f).startsWith('invalid-')).map((f) => [name(f), read(f)] as const),
      ['factory', buildPacs008({ uetr: 'c5b81673-9bcf-4ed6-a394-b9d207705ecf' })] as const,
    ];
    it.each(MUTATIONS.map(([label, fn]) => [label, fn]))('%s', (_label, mutate) => {
      let compared = 0;
      const disagreements: string[] = [];
      for (const [base, xml] of bases()) {
        if (!officialVerdict(PACS008, xml).valid) continue;
        const mutated = (mutate as (s: string) => string | null)(xml);
        if (mutated === null) continue;
        compared++;
        const official = officialVerdict(PACS008, mutated);
        const mine = codecVerdict(codec, mutated);
        const agree = official.valid ? mine === null : mine === 'ISO20022.SCHEMA_INVALID';
        if (!agree)
          disagreements.push(
            `${base}: official ${official.valid ? 'valid' : `invalid (${official.errors[0]})`}, codec ${mine ?? 'accepted'}`,
          );
      }
      expect(disagreements).toEqual([]);
      expect(compared).toBeGreaterThan(0);
    });
  });

  describe('(b) the pacs.002 written for each valid sample is valid under the official pacs.002.001.10', () => {
    const cases: [string, string, string | null][] = [
      ['ACSC', 'ACSC', null],
      ['RJCT FF01', 'RJCT', 'FF01'],
      ['RJCT AC04', 'RJCT', 'AC04'],
    ];
    it.each(pacs008Samples.map((f) => [name(f), f]))('%s', (_n, file) => {
      const xml = read(file);
      if (!officialVerdict(PACS008, xml).valid) return; // only valid originals get a status report
      const msg = codec.parse(xml);
      const p = codec.readPacs008(msg);
      const tx = p.transactions[0]!;
      cases.forEach(([, status, reason], i) => {
        const report = codec.writePacs002(statusInput(p, msg.messageType, status, reason, i));
        const official = validateOfficially(PACS002, report);
        expect(official.errors).toEqual([]);
        expect(official.valid).toBe(true);
        const q = (path: string): string => xpathString(report, NS002, `/d:Document/d:FIToFIPmtStsRpt/${path}`);
        expect(q('d:OrgnlGrpInfAndSts/d:OrgnlMsgId')).toBe(p.groupHeader.msgId);
        expect(q('d:OrgnlGrpInfAndSts/d:OrgnlMsgNmId')).toBe(PACS008);
        expect(q('d:TxInfAndSts/d:OrgnlEndToEndId')).toBe(tx.endToEndId);
        if (tx.uetr !== null) expect(q('d:TxInfAndSts/d:OrgnlUETR')).toBe(tx.uetr);
        else expect(xpathCount(report, NS002, '/d:Document/d:FIToFIPmtStsRpt/d:TxInfAndSts/d:OrgnlUETR')).toBe(0);
        expect(q('d:TxInfAndSts/d:TxSts')).toBe(status);
        if (reason !== null) expect(q('d:TxInfAndSts/d:StsRsnInf/d:Rsn/d:Cd')).toBe(reason);
        else expect(xpathCount(report, NS002, '/d:Document/d:FIToFIPmtStsRpt/d:TxInfAndSts/d:StsRsnInf')).toBe(0);
        // and the codec reads back what it wrote
        expect(codec.readPacs002(codec.parse(report))).toMatchObject({ status, reasonCode: reason, originalEndToEndId: tx.endToEndId });
      });
    });
  });

  describe('(c) the official pacs.002.001.10 samples are accepted and their status is read', () => {
    it.each(pacs002Samples.map((f) => [name(f), f]))('%s', (_n, file) => {
      const xml = read(file);
      const official = officialVerdict(PACS002, xml);
      expect(official.errors).toEqual([]);
      expect(official.valid).toBe(true);
      const msg = codec.parse(xml);
      expect(msg.messageType).toBe(PACS002);
      const status = codec.readPacs002(msg);
      const doc = official.document!;
      const txSts = xpathString(doc, NS002, '/d:Document/d:FIToFIPmtStsRpt/d:TxInfAndSts[1]/d:TxSts');
      expect(txSts).not.toBe('');
      expect(status.status).toBe(txSts);
      const uetr = xpathString(doc, NS002, '/d:Document/d:FIToFIPmtStsRpt/d:TxInfAndSts[1]/d:OrgnlUETR');
      expect(status.originalUetr).toBe(uetr === '' ? null : uetr);
    });
  });

  describe('(d) the project examples are valid under the official schemas', () => {
    it.each(examples.map((f) => [name(f), f]))('%s', (_n, file) => {
      const xml = read(file);
      expect(xml.trimStart().startsWith('<!--')).toBe(true);
      const official = officialVerdict(PACS008, xml);
      expect(official.errors).toEqual([]);
      expect(official.valid).toBe(true);
      expect(codec.parse(xml).messageType).toBe(PACS008);
    });

    it('the test factory builds officially valid messages', () => {
      for (const xml of [
        buildPacs008(),
        buildPacs008({ amount: '0.01', currency: 'USD', creditorAccountOther: '000123456789', debtorBic: 'CLWYUS33XXX' }),
        buildPacs008({ msgId: 'A&B<C>', endToEndId: 'E2E "1"', creationDateTime: '2025-03-14T09:30:00+01:00' }),
      ]) {
        const official = officialVerdict(PACS008, xml);
        expect(official.errors).toEqual([]);
        expect(codec.parse(xml).messageType).toBe(PACS008);
      }
    });
  });
});
