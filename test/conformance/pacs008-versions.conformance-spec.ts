// SPDX-License-Identifier: Apache-2.0
/**
 * pacs.008.001.10 / pacs.008.001.12 and head.001.001.04 conformance: the codec (with the project's own
 * schemas in config/schemas: the 2021 and 2023 generations) must give the same verdict as the OFFICIAL
 * ISO 20022 schemas on every real sample of those ids (Document and AppHdr each), on messages the test
 * factory builds in each version (there is no public pacs.008.001.10 sample), and on systematic edits of
 * all of them. And readPacs008 must read the same fields from every version.
 *
 * Needs ../shared/iso20022 beside the checkout (or ISO20022_REFERENCE_DIR). When it is missing the
 * suite FAILS with a message saying so; it never skips.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Iso20022Codec, Iso20022Error, type AgentId } from '#iso20022';
import { buildPacs008, type AppHeaderVersion, type Pacs008Version } from '../support/pacs008.factory.js';
import {
  disposeOfficialValidators,
  ISO_NS,
  officialVerdict,
  REPO_ROOT,
  referenceDir,
  referenceDirCandidate,
  sampleFiles,
  xpathCount,
  xpathString,
} from '../support/reference.js';
import { APPHDR_MUTATIONS, DOCUMENT_MUTATIONS, type Mutation } from '../support/schema-mutations.js';

const V08 = 'pacs.008.001.08';
const V10 = 'pacs.008.001.10';
const V12 = 'pacs.008.001.12';
const VERSIONS: Pacs008Version[] = [V08, V10, V12];
const HEADERS: AppHeaderVersion[] = ['head.001.001.02', 'head.001.001.04'];

let missing: Error | null = null;
let v12Samples: string[] = [];
let v10Samples: string[] = [];
let v08Samples: string[] = [];
try {
  referenceDir();
  v12Samples = sampleFiles(V12);
  v10Samples = sampleFiles(V10);
  v08Samples = sampleFiles(V08);
} catch (e) {
  missing = e as Error;
}

const read = (file: string): string => readFileSync(file, 'utf8');
const name = (file: string): string => basename(file);

/** The pacs.008 version a message text claims (first pacs.008 namespace in it). */
function versionOf(xml: string): string {
  const m = /urn:iso:std:iso:20022:tech:xsd:(pacs\.008\.001\.\d\d)/.exec(xml);
  if (m === null) throw new Error('no pacs.008 namespace in the message');
  return m[1]!;
}

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

/** Factory messages: every version, bare and with each header version. */
function factoryBases(): [string, string][] {
  const out: [string, string][] = [];
  for (const version of VERSIONS) {
    const common = { version, uetr: 'c5b81673-9bcf-4ed6-a394-b9d207705ecf', creationDateTime: '2025-03-14T09:30:00+01:00' };
    out.push([`factory ${version}`, buildPacs008(common)]);
    for (const appHeader of HEADERS) out.push([`factory ${version} + ${appHeader}`, buildPacs008({ ...common, appHeader })]);
  }
  return out;
}

describe('pacs.008.001.10/.12 and head.001.001.04 conformance with the official ISO 20022 schemas', () => {
  let codec: Iso20022Codec;

  beforeAll(async () => {
    if (missing) throw missing;
    codec = await Iso20022Codec.create({ schemaDir: join(REPO_ROOT, 'config/schemas') });
  });
  afterAll(() => {
    codec?.dispose();
    disposeOfficialValidators();
  });

  it('has the reference data and the codec takes the new versions', () => {
    if (missing) throw new Error(`${missing.message} (looked at ${referenceDirCandidate()})`);
    expect(v12Samples.length).toBeGreaterThan(0);
    expect(codec.supportedMessages()).toEqual(expect.arrayContaining([V08, V10, V12]));
    expect(codec.supportedHeaders()).toEqual(expect.arrayContaining(['head.001.001.02', 'head.001.001.04']));
  });

  it('the referee agrees with samples/SOURCES.md on how many pacs.008.001.12 samples are valid', () => {
    const sources = readFileSync(join(referenceDir(), 'samples/SOURCES.md'), 'utf8');
    const row = /^\| pacs\.008\.001\.12 \| (\d+) \| (\d+) \|/m.exec(sources);
    expect(row).not.toBeNull();
    const valid = v12Samples.filter((f) => officialVerdict(V12, read(f)).valid).length;
    expect([v12Samples.length, valid]).toEqual([Number(row![1]), Number(row![2])]);
  });

  describe('(a) every pacs.008.001.10/.12 sample: same verdict, the same ids and amounts read', () => {
    it.each([...v10Samples, ...v12Samples].map((f) => [name(f), f]))('%s', (_n, file) => {
      const xml = read(file);
      const version = versionOf(xml);
      const official = officialVerdict(version, xml);
      if (!official.valid) {
        expect(['ISO20022.SCHEMA_INVALID', 'ISO20022.UNSUPPORTED_MESSAGE']).toContain(codecVerdict(codec, xml));
        return;
      }
      expect(official.errors).toEqual([]);
      const msg = codec.parse(xml);
      expect(msg.messageType).toBe(version);
      // the AppHdr was validated and read in its own version
      if (official.appHdrVersion !== null) {
        expect(msg.appHeader?.version).toBe(official.appHdrVersion);
        const hdr = /<(?:\w+:)?AppHdr[\s>][\s\S]*?<\/(?:\w+:)?AppHdr>/.exec(xml)![0];
        expect(msg.appHeader?.bizMsgIdr).toBe(/<(?:\w+:)?BizMsgIdr>([^<]*)</.exec(hdr)![1]);
        expect(msg.appHeader?.msgDefIdr).toBe(/<(?:\w+:)?MsgDefIdr>([^<]*)</.exec(hdr)![1]!.trim());
        expect(msg.appHeader?.from).toMatch(/^[A-Z0-9]{8}([A-Z0-9]{3})?$/);
      } else {
        expect(msg.appHeader).toBeNull();
      }
    });
  });

  describe('(b) readPacs008 reads the pacs.008.001.12 samples like the official document says', () => {
    it.each(v12Samples.map((f) => [name(f), f]))('%s', (_n, file) => {
      const xml = read(file);
      const official = officialVerdict(V12, xml);
      expect(official.valid).toBe(true);
      const p = codec.readPacs008(codec.parse(xml));
      const doc = official.document!;
      const ns = ISO_NS + V12;
      const q = (path: string): string | null => {
        const v = xpathString(doc, ns, `normalize-space(/d:Document/d:FIToFICstmrCdtTrf/${path})`);
        return v === '' ? null : v;
      };
      const tx = 'd:CdtTrfTxInf[1]';
      const agentAt = (path: string): AgentId | null =>
        xpathCount(doc, ns, `/d:Document/d:FIToFICstmrCdtTrf/${path}`) === 0
          ? null
          : {
              bic: q(`${path}/d:FinInstnId/d:BICFI`),
              clearingSystem:
                q(`${path}/d:FinInstnId/d:ClrSysMmbId/d:ClrSysId/d:Cd`) ?? q(`${path}/d:FinInstnId/d:ClrSysMmbId/d:ClrSysId/d:Prtry`),
              memberId: q(`${path}/d:FinInstnId/d:ClrSysMmbId/d:MmbId`),
              name: q(`${path}/d:FinInstnId/d:Nm`),
            };
      expect(p.messageType).toBe(V12);
      expect(p.groupHeader).toEqual({
        msgId: q('d:GrpHdr/d:MsgId'),
        creationDateTime: q('d:GrpHdr/d:CreDtTm'),
        numberOfTransactions: Number(q('d:GrpHdr/d:NbOfTxs')),
        settlementMethod: q('d:GrpHdr/d:SttlmInf/d:SttlmMtd'),
        clearingSystem: q('d:GrpHdr/d:SttlmInf/d:ClrSys/d:Cd') ?? q('d:GrpHdr/d:SttlmInf/d:ClrSys/d:Prtry'),
        totalInterbankSettlementAmount:
          q('d:GrpHdr/d:TtlIntrBkSttlmAmt') === null
            ? null
            : { value: q('d:GrpHdr/d:TtlIntrBkSttlmAmt'), currency: q('d:GrpHdr/d:TtlIntrBkSttlmAmt/@Ccy') },
        interbankSettlementDate: q('d:GrpHdr/d:IntrBkSttlmDt'),
        instructingAgent: agentAt('d:GrpHdr/d:InstgAgt'),
        instructedAgent: agentAt('d:GrpHdr/d:InstdAgt'),
      });
      expect(p.transactions).toHaveLength(xpathCount(doc, ns, '/d:Document/d:FIToFICstmrCdtTrf/d:CdtTrfTxInf'));
      const t = p.transactions[0]!;
      expect(t).toMatchObject({
        instrId: q(`${tx}/d:PmtId/d:InstrId`),
        endToEndId: q(`${tx}/d:PmtId/d:EndToEndId`),
        txId: q(`${tx}/d:PmtId/d:TxId`),
        uetr: q(`${tx}/d:PmtId/d:UETR`),
        interbankSettlementAmount: { value: q(`${tx}/d:IntrBkSttlmAmt`), currency: q(`${tx}/d:IntrBkSttlmAmt/@Ccy`) },
        interbankSettlementDate: q(`${tx}/d:IntrBkSttlmDt`) ?? q('d:GrpHdr/d:IntrBkSttlmDt'),
        chargeBearer: q(`${tx}/d:ChrgBr`),
        debtor: { name: q(`${tx}/d:Dbtr/d:Nm`), country: q(`${tx}/d:Dbtr/d:PstlAdr/d:Ctry`) },
        creditor: { name: q(`${tx}/d:Cdtr/d:Nm`), country: q(`${tx}/d:Cdtr/d:PstlAdr/d:Ctry`) },
        debtorAgent: agentAt(`${tx}/d:DbtrAgt`),
        creditorAgent: agentAt(`${tx}/d:CdtrAgt`),
        instructingAgent: agentAt(`${tx}/d:InstgAgt`) ?? agentAt('d:GrpHdr/d:InstgAgt'),
        instructedAgent: agentAt(`${tx}/d:InstdAgt`) ?? agentAt('d:GrpHdr/d:InstdAgt'),
      });
      // Routing facts: each payment type field the transaction's own, else the group header's.
      const pmtTp = (name: string): string | null =>
        q(`${tx}/d:PmtTpInf/d:${name}[1]/d:Cd`) ??
        q(`${tx}/d:PmtTpInf/d:${name}[1]/d:Prtry`) ??
        q(`d:GrpHdr/d:PmtTpInf/d:${name}[1]/d:Cd`) ??
        q(`d:GrpHdr/d:PmtTpInf/d:${name}[1]/d:Prtry`);
      expect(t).toMatchObject({
        serviceLevel: pmtTp('SvcLvl'),
        localInstrument: pmtTp('LclInstrm'),
        categoryPurpose: pmtTp('CtgyPurp'),
        clearingSystem:
          q(`${tx}/d:CdtrAgt/d:FinInstnId/d:ClrSysMmbId/d:ClrSysId/d:Cd`) ??
          q('d:GrpHdr/d:SttlmInf/d:ClrSys/d:Cd') ??
          q('d:GrpHdr/d:SttlmInf/d:ClrSys/d:Prtry'),
      });
      for (const [field, el] of [
        ['debtorAccount', 'DbtrAcct'],
        ['creditorAccount', 'CdtrAcct'],
      ] as const) {
        const present = xpathCount(doc, ns, `/d:Document/d:FIToFICstmrCdtTrf/${tx}/d:${el}`) > 0;
        expect(t[field]).toEqual(present ? { iban: q(`${tx}/d:${el}/d:Id/d:IBAN`), other: q(`${tx}/d:${el}/d:Id/d:Othr/d:Id`) } : null);
      }
      // the samples carry real values for what the pipeline needs
      expect(t.endToEndId).not.toBeNull();
      expect(t.uetr).toMatch(/^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/);
      expect(t.interbankSettlementAmount.value).toMatch(/^\d+(\.\d+)?$/);
      expect(t.debtorAgent?.bic ?? t.debtorAgent?.memberId).toBeTruthy();
      expect(t.creditorAgent?.bic ?? t.creditorAgent?.memberId).toBeTruthy();
    });
  });

  describe('(c) the factory builds officially valid messages in every version, and they read the same', () => {
    it.each(factoryBases())('%s', (_n, xml) => {
      const version = versionOf(xml);
      const official = officialVerdict(version, xml);
      expect(official.errors).toEqual([]);
      expect(official.valid).toBe(true);
      const msg = codec.parse(xml);
      expect(msg.messageType).toBe(version);
      const p = codec.readPacs008(msg);
      expect(p.groupHeader).toMatchObject({
        creationDateTime: '2025-03-14T09:30:00+01:00',
        numberOfTransactions: 1,
        settlementMethod: 'INDA',
      });
      expect(p.transactions[0]).toMatchObject({
        uetr: 'c5b81673-9bcf-4ed6-a394-b9d207705ecf',
        interbankSettlementAmount: { value: '100.00', currency: 'EUR' },
        interbankSettlementDate: '2025-03-14',
        chargeBearer: 'SHAR',
        debtorAgent: { bic: 'CLWYDEFF', clearingSystem: null, memberId: null, name: null },
        creditorAgent: { bic: 'CLWYNL2A', clearingSystem: null, memberId: null, name: null },
        instructingAgent: { bic: 'CLWYDEFF' },
        instructedAgent: { bic: 'CLWYNL2A' },
        debtor: { name: 'Muster Maschinenbau GmbH', country: 'DE' },
        creditor: { name: 'Voorbeeld Handel B.V.', country: 'NL' },
        debtorAccount: { iban: 'DE12500105170648489890', other: null },
        creditorAccount: { iban: 'NL29CLWY0417164300', other: null },
      });
      if (official.appHdrVersion === null) expect(msg.appHeader).toBeNull();
      else expect(msg.appHeader).toMatchObject({ version: official.appHdrVersion, from: 'CLWYDEFF', to: 'CLWYNL2A', msgDefIdr: version });
    });
  });

  it('the versions really differ where their definitions do (each generation has its own types)', () => {
    const verdicts = (edit: (xml: string) => string): (string | null)[] =>
      VERSIONS.map((version) => {
        const xml = edit(buildPacs008({ version }));
        const official = officialVerdict(version, xml).valid;
        const mine = codecVerdict(codec, xml);
        expect({ version, official }).toEqual({ version, official: mine === null });
        return mine;
      });
    // PostalAddress27 (2023) has CareOf; PostalAddress24 (2019, 2021) has not
    expect(verdicts((x) => x.replace('<Dbtr><Nm>Muster Maschinenbau GmbH</Nm><PstlAdr>', '$&<CareOf>Treasury</CareOf>'))).toEqual([
      'ISO20022.SCHEMA_INVALID',
      'ISO20022.SCHEMA_INVALID',
      null,
    ]);
    // CashAccount40 (2021, 2023) may be identified by a proxy alone; CashAccount38 (2019) needs an Id
    expect(verdicts((x) => x.replace(/<CdtrAcct>.*<\/CdtrAcct>/, '<CdtrAcct><Prxy><Id>+31-612345678</Id></Prxy></CdtrAcct>'))).toEqual([
      'ISO20022.SCHEMA_INVALID',
      null,
      null,
    ]);
  });

  describe('(d) systematic edits get the same verdict from both schema sets', () => {
    /** Valid bases: the .10/.12 samples, the factory messages, and the .08 envelope samples (for their AppHdr). */
    const bases = (): [string, string][] => [
      ...[...v10Samples, ...v12Samples].map((f): [string, string] => [name(f), read(f)]),
      ...factoryBases(),
    ];
    const headerBases = (): [string, string][] => [
      ...bases().filter(([, xml]) => /AppHdr/.test(xml)),
      ...v08Samples.filter((f) => /AppHdr/.test(read(f))).map((f): [string, string] => [name(f), read(f)]),
    ];
    const check = (mutate: Mutation[1], from: [string, string][]): void => {
      let compared = 0;
      const disagreements: string[] = [];
      for (const [base, xml] of from) {
        if (!officialVerdict(versionOf(xml), xml).valid) continue;
        const mutated = mutate(xml);
        if (mutated === null) continue;
        compared++;
        const official = officialVerdict(versionOf(mutated), mutated);
        const mine = codecVerdict(codec, mutated);
        const agree = official.valid ? mine === null : mine === 'ISO20022.SCHEMA_INVALID';
        if (!agree)
          disagreements.push(
            `${base}: official ${official.valid ? 'valid' : `invalid (${official.errors[0]})`}, codec ${mine ?? 'accepted'}`,
          );
      }
      expect(disagreements).toEqual([]);
      expect(compared).toBeGreaterThan(0);
    };
    it.each(DOCUMENT_MUTATIONS.map(([label, fn]) => [label, fn]))('%s', (_label, mutate) => check(mutate, bases()));
    it.each(APPHDR_MUTATIONS.map(([label, fn]) => [label, fn]))('%s', (_label, mutate) => check(mutate, headerBases()));

    it('the edits are not all harmless: most of them are refused', () => {
      let refused = 0;
      let total = 0;
      for (const [, mutate] of [...DOCUMENT_MUTATIONS, ...APPHDR_MUTATIONS]) {
        const mutated = mutate(buildPacs008({ version: V12, appHeader: 'head.001.001.04' }));
        if (mutated === null) continue;
        total++;
        if (codecVerdict(codec, mutated) !== null) refused++;
      }
      expect(total).toBeGreaterThan(50);
      expect(refused).toBeGreaterThan(total / 2);
    });
  });
});
