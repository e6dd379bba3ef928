// SPDX-License-Identifier: Apache-2.0
/**
 * Conformance of the messages Clearway writes and of the readers of the messages around a payment's
 * life (issue 3 points 1 and 8):
 *  (a) every writer's output — each version, with and without its optional parts, alone and with an
 *      AppHdr head.001.001.02 / .04 in an envelope — is valid under the OFFICIAL XSD of its version,
 *      and carries the references it must (checked by XPath, evaluated by libxml2);
 *  (b) the readers read the official samples (pacs.028, camt.056, camt.029, pacs.004, pain.001): the
 *      values they give are the ones XPath finds in the sample.
 *
 * The codec under test is created on the official XSD directory (the project's own XSDs for these
 * messages are written elsewhere); the referee (test/support/reference.ts) shares no code with it.
 * Needs ../shared/iso20022 (or ISO20022_REFERENCE_DIR); fails, never skips, without it.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  Iso20022Codec,
  pacs002VersionFor,
  pacs008FromPain001,
  PACS002_VERSIONS,
  type AgentId,
  type AppHeader,
  type Camt029Input,
  type Camt056Input,
  type Pacs002Input,
  type Pacs004Input,
  type Pacs008Input,
  type Pacs028Input,
  type Pain002Input,
  type ParsedMessage,
} from '#iso20022';
import {
  disposeOfficialValidators,
  ISO_NS,
  officialVerdict,
  referenceDir,
  sampleFiles,
  validateOfficially,
  xpathCount,
  xpathString,
} from '../support/reference.js';

let missing: Error | null = null;
const samples: Record<string, string[]> = {};
const SAMPLE_IDS = [
  'pacs.002.001.12',
  'pacs.002.001.14',
  'pacs.008.001.08',
  'pacs.008.001.12',
  'pacs.028.001.03',
  'camt.056.001.08',
  'camt.029.001.09',
  'pacs.004.001.09',
  'pain.001.001.09',
] as const;
try {
  referenceDir();
  for (const id of SAMPLE_IDS) samples[id] = sampleFiles(id);
} catch (e) {
  missing = e as Error;
  for (const id of SAMPLE_IDS) samples[id] = [];
}
const read = (file: string): string => readFileSync(file, 'utf8');
const cases = (id: string): [string, string][] => (samples[id] ?? []).map((f) => [basename(f), f]);

const UETR = 'c5b81673-9bcf-4ed6-a394-b9d207705ecf';
const BIC_A: AgentId = { bic: 'CLWYDEFF', clearingSystem: null, memberId: null, name: null };
const BIC_B: AgentId = { bic: 'CLWYNL2AXXX', clearingSystem: null, memberId: null, name: 'Clearway Test Bank NL' };
const ABA: AgentId = { bic: null, clearingSystem: 'USABA', memberId: '021000021', name: null };
const ORIGINAL_GROUP = { msgId: 'CLWY-MSG-0001', msgNmId: 'pacs.008.001.08', creationDateTime: '2025-03-14T09:30:00Z' };
const ORIGINAL = { group: ORIGINAL_GROUP, instrId: 'CLWY-INSTR-1', endToEndId: 'CLWY-E2E-1', txId: 'CLWY-TX-1', uetr: UETR };
const MINIMAL_ORIGINAL = {
  group: { ...ORIGINAL_GROUP, creationDateTime: null },
  instrId: null,
  endToEndId: 'CLWY-E2E-1',
  txId: null,
  uetr: null,
};

function pacs002(version: Pacs002Input['version'], full: boolean): Pacs002Input {
  return {
    version,
    msgId: 'CLWY-STS-1',
    creationDateTime: '2025-03-14T10:00:00Z',
    instructingAgent: full ? BIC_B : null,
    instructedAgent: full ? ABA : null,
    original: full
      ? {
          msgId: 'CLWY-MSG-0001',
          msgNmId: 'pacs.008.001.10',
          creationDateTime: '2025-03-14T09:30:00+01:00',
          instrId: 'I',
          endToEndId: 'E',
          txId: 'T',
          uetr: UETR,
          amount: { value: '1250.5', currency: 'EUR' },
          settlementDate: '2025-03-14',
        }
      : {
          msgId: 'CLWY-MSG-0001',
          msgNmId: 'pacs.008.001.08',
          creationDateTime: null,
          instrId: null,
          endToEndId: null,
          txId: null,
          uetr: null,
          amount: null,
          settlementDate: null,
        },
    status: full ? 'RJCT' : 'ACSC',
    reason: full ? { code: 'AC04', text: `closed account ${'x'.repeat(150)}` } : null,
    acceptanceDateTime: full ? '2025-03-14T10:00:00.123+01:00' : null,
  };
}

function camt029(status: 'CNCL' | 'RJCR', full: boolean): Camt029Input {
  return {
    assignmentId: 'CLWY-CXR-1',
    creationDateTime: '2025-03-14T11:00:00Z',
    assigner: BIC_B,
    assignee: full ? ABA : BIC_A,
    resolvedCase: full ? { id: 'CASE-1', creator: BIC_A } : null,
    status,
    cancellationStatusId: full ? 'CXL-1' : null,
    original: full ? ORIGINAL : MINIMAL_ORIGINAL,
    reason: status === 'RJCR' ? { code: full ? 'LEGL' : 'NOOR', text: full ? 'older than the cancellation window' : null } : null,
    originalAmount: full ? { value: '1250.00', currency: 'EUR' } : null,
    originalSettlementDate: full ? '2025-03-14' : null,
  };
}

function camt056(full: boolean): Camt056Input {
  return {
    assignmentId: 'CLWY-CXL-1',
    creationDateTime: '2025-03-14T11:00:00Z',
    assigner: BIC_A,
    assignee: full ? ABA : BIC_B,
    caseId: full ? 'CASE-1' : null,
    cancellationId: full ? 'CXL-1' : null,
    original: full ? ORIGINAL : MINIMAL_ORIGINAL,
    amount: full ? { value: '1250.00', currency: 'EUR' } : null,
    settlementDate: full ? '2025-03-14' : null,
    reason: { code: full ? 'DUPL' : 'CUST', text: full ? 'sent twice' : null },
  };
}

function pacs004(full: boolean): Pacs004Input {
  return {
    msgId: 'CLWY-RTR-1',
    creationDateTime: '2025-03-15T08:00:00Z',
    ...(full ? { settlementMethod: 'INDA' } : {}),
    instructingAgent: full ? BIC_B : null,
    instructedAgent: full ? ABA : null,
    returnId: full ? 'RTR-1' : null,
    original: full ? ORIGINAL : MINIMAL_ORIGINAL,
    originalAmount: full ? { value: '1250.00', currency: 'EUR' } : null,
    originalSettlementDate: full ? '2025-03-14' : null,
    returnedAmount: { value: full ? '1250.00' : '0.01', currency: 'EUR' },
    settlementDate: full ? '2025-03-15' : null,
    chargeBearer: full ? 'SHAR' : null,
    reason: { code: full ? 'AC04' : 'CUST', text: full ? 'closed account' : null },
  };
}

function pain002(full: boolean): Pain002Input {
  return {
    msgId: 'CLWY-PST-1',
    creationDateTime: '2025-03-14T10:00:00Z',
    initiatingParty: full ? { name: 'Clearway', country: 'DE' } : null,
    original: {
      msgId: 'PAIN-1',
      msgNmId: 'pain.001.001.09',
      creationDateTime: full ? '2025-03-14T09:00:00Z' : null,
      numberOfTransactions: full ? 2 : null,
    },
    groupStatus: full ? 'PART' : null,
    groupReason: full ? { code: 'NARR', text: 'one of two rejected' } : null,
    paymentInformation: full
      ? [
          {
            pmtInfId: 'PMTINF-1',
            status: 'PART',
            transactions: [
              { instrId: 'I-1', endToEndId: 'E2E-1', uetr: UETR, status: 'ACSP', reason: null },
              { instrId: null, endToEndId: 'E2E-2', uetr: null, status: 'RJCT', reason: { code: 'AM04', text: 'insufficient funds' } },
            ],
          },
        ]
      : [],
  };
}

function pacs008(full: boolean): Pacs008Input {
  return {
    msgId: 'CLWY-OUT-1',
    creationDateTime: '2025-03-14T09:30:00Z',
    settlementMethod: full ? 'CLRG' : 'INDA',
    clearingSystem: full ? 'TGT' : null,
    transaction: {
      instrId: full ? 'I-1' : null,
      endToEndId: 'E2E-1',
      txId: full ? 'T-1' : null,
      uetr: full ? UETR : null,
      interbankSettlementAmount: { value: '1250.00', currency: 'EUR' },
      interbankSettlementDate: full ? '2025-03-14' : null,
      instructedAmount: full ? { value: '1250.00', currency: 'EUR' } : null,
      chargeBearer: 'SLEV',
      instructingAgent: full ? BIC_A : null,
      instructedAgent: full ? BIC_B : null,
      debtor: { name: full ? 'Debtor GmbH' : null, country: full ? 'DE' : null },
      debtorAccount: full ? { iban: 'DE12500105170648489890', other: null } : null,
      debtorAgent: BIC_A,
      creditorAgent: full ? ABA : BIC_B,
      creditor: { name: 'Creditor BV', country: null },
      creditorAccount: full ? { iban: null, other: '000123456789' } : null,
      remittanceInformation: full ? `invoice 1\n${'r'.repeat(200)}` : null,
    },
  };
}

function pacs028(full: boolean): Pacs028Input {
  return {
    msgId: 'CLWY-STSREQ-1',
    creationDateTime: '2025-03-14T12:00:00Z',
    statusRequestId: full ? 'SR-1' : null,
    original: full ? ORIGINAL : { ...MINIMAL_ORIGINAL, endToEndId: null, uetr: UETR },
    instructingAgent: full ? BIC_A : null,
    instructedAgent: full ? ABA : null,
  };
}

describe('what Clearway writes, and the readers, against the official ISO 20022 schemas and samples', () => {
  let codec: Iso20022Codec;

  beforeAll(async () => {
    if (missing) throw missing;
    codec = await Iso20022Codec.create({ schemaDir: join(referenceDir(), 'xsd') });
  });
  afterAll(() => {
    codec?.dispose();
    disposeOfficialValidators();
  });

  /** Asserts the official verdict on a standalone Document and returns an XPath helper on it. */
  function officiallyValid(messageId: string, xml: string): (path: string) => string {
    const result = validateOfficially(messageId, xml);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    return (path) => xpathString(xml, ISO_NS + messageId, path);
  }

  describe('(a) writers', () => {
    it('pacs002VersionFor answers each pacs.008 generation with its pacs.002', () => {
      expect(pacs002VersionFor('pacs.008.001.08')).toBe('pacs.002.001.10');
      expect(pacs002VersionFor('pacs.008.001.10')).toBe('pacs.002.001.12');
      expect(pacs002VersionFor('pacs.008.001.12')).toBe('pacs.002.001.14');
      expect(pacs002VersionFor('pain.001.001.09')).toBe('pacs.002.001.10');
    });

    describe.each(PACS002_VERSIONS.map((v) => [v]))('pacs.002 %s', (version) => {
      it.each([
        ['with every optional part', true],
        ['minimal', false],
      ])('%s', (_label, full) => {
        const input = pacs002(version, full as boolean);
        const xml = codec.writePacs002(input);
        const q = officiallyValid(version, xml);
        expect(q('/d:Document/d:FIToFIPmtStsRpt/d:OrgnlGrpInfAndSts/d:OrgnlMsgId')).toBe('CLWY-MSG-0001');
        expect(q('/d:Document/d:FIToFIPmtStsRpt/d:OrgnlGrpInfAndSts/d:OrgnlMsgNmId')).toBe(input.original.msgNmId);
        expect(q('/d:Document/d:FIToFIPmtStsRpt/d:TxInfAndSts/d:TxSts')).toBe(input.status);
        expect(q('/d:Document/d:FIToFIPmtStsRpt/d:TxInfAndSts/d:OrgnlUETR')).toBe(full ? UETR : '');
        expect(q('count(/d:Document/d:FIToFIPmtStsRpt/d:TxInfAndSts/d:StsRsnInf/d:AddtlInf)')).toBe(full ? '2' : '0');
        const status = codec.readPacs002(codec.parse(xml));
        expect(status).toEqual({
          originalMsgId: 'CLWY-MSG-0001',
          originalEndToEndId: input.original.endToEndId,
          originalUetr: input.original.uetr,
          status: input.status,
          reasonCode: input.reason?.code ?? null,
          reasonText: input.reason?.text ?? null,
        });
      });
    });

    it.each([
      ['CNCL, with every optional part', 'CNCL', true],
      ['CNCL, minimal', 'CNCL', false],
      ['RJCR, with every optional part', 'RJCR', true],
      ['RJCR NOOR, minimal', 'RJCR', false],
    ] as const)('camt.029.001.09 %s', (_label, status, full) => {
      const input = camt029(status, full);
      const xml = codec.writeCamt029(input);
      const q = officiallyValid('camt.029.001.09', xml);
      const tx = '/d:Document/d:RsltnOfInvstgtn/d:CxlDtls/d:TxInfAndSts';
      expect(q('/d:Document/d:RsltnOfInvstgtn/d:Assgnmt/d:Id')).toBe('CLWY-CXR-1');
      expect(q('/d:Document/d:RsltnOfInvstgtn/d:Sts/d:Conf')).toBe(status);
      expect(q('/d:Document/d:RsltnOfInvstgtn/d:RslvdCase/d:Id')).toBe(full ? 'CASE-1' : '');
      expect(q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgId`)).toBe('CLWY-MSG-0001');
      expect(q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgNmId`)).toBe('pacs.008.001.08');
      expect(q(`${tx}/d:OrgnlEndToEndId`)).toBe('CLWY-E2E-1');
      expect(q(`${tx}/d:OrgnlUETR`)).toBe(full ? UETR : '');
      expect(q(`${tx}/d:CxlStsRsnInf/d:Rsn/d:Cd`)).toBe(input.reason?.code ?? '');
      const back = codec.readCamt029(codec.parse(xml));
      expect(back).toMatchObject({ status, reasonCode: input.reason?.code ?? null, reasonText: input.reason?.text ?? null });
      expect(back.original).toEqual(input.original);
    });

    it.each([
      ['with every optional part', true],
      ['minimal', false],
    ])('camt.056.001.08 %s', (_label, full) => {
      const input = camt056(full as boolean);
      const xml = codec.writeCamt056(input);
      const q = officiallyValid('camt.056.001.08', xml);
      const tx = '/d:Document/d:FIToFIPmtCxlReq/d:Undrlyg/d:TxInf';
      expect(q('/d:Document/d:FIToFIPmtCxlReq/d:Assgnmt/d:Assgnr/d:Agt/d:FinInstnId/d:BICFI')).toBe('CLWYDEFF');
      expect(q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgId`)).toBe('CLWY-MSG-0001');
      expect(q(`${tx}/d:OrgnlEndToEndId`)).toBe('CLWY-E2E-1');
      expect(q(`${tx}/d:OrgnlUETR`)).toBe(full ? UETR : '');
      expect(q(`${tx}/d:OrgnlIntrBkSttlmAmt`)).toBe(full ? '1250.00' : '');
      expect(q(`${tx}/d:CxlRsnInf/d:Rsn/d:Cd`)).toBe(input.reason.code);
      const back = codec.readCamt056(codec.parse(xml));
      expect(back.caseId).toBe(input.caseId);
      expect(back.transaction).toMatchObject({
        ...input.original,
        cancellationId: input.cancellationId,
        interbankSettlementAmount: input.amount,
      });
      expect(back.transaction?.reason).toEqual({ code: input.reason.code, proprietary: null, text: input.reason.text });
    });

    it.each([
      ['with every optional part', true],
      ['minimal', false],
    ])('pacs.004.001.09 %s', (_label, full) => {
      const input = pacs004(full as boolean);
      const xml = codec.writePacs004(input);
      const q = officiallyValid('pacs.004.001.09', xml);
      const tx = '/d:Document/d:PmtRtr/d:TxInf';
      expect(q('/d:Document/d:PmtRtr/d:GrpHdr/d:NbOfTxs')).toBe('1');
      expect(q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgId`)).toBe('CLWY-MSG-0001');
      expect(q(`${tx}/d:OrgnlEndToEndId`)).toBe('CLWY-E2E-1');
      expect(q(`${tx}/d:OrgnlUETR`)).toBe(full ? UETR : '');
      expect(q(`${tx}/d:RtrdIntrBkSttlmAmt`)).toBe(input.returnedAmount.value);
      expect(q(`${tx}/d:RtrRsnInf/d:Rsn/d:Cd`)).toBe(input.reason.code);
      const back = codec.readPacs004(codec.parse(xml));
      expect(back.transactions).toHaveLength(1);
      expect(back.transactions[0]).toMatchObject({ ...input.original, returnedAmount: input.returnedAmount, returnId: input.returnId });
    });

    it.each([
      ['with every optional part', true],
      ['minimal', false],
    ])('pacs.028.001.03 %s', (_label, full) => {
      const input = pacs028(full as boolean);
      const xml = codec.writePacs028(input);
      const q = officiallyValid('pacs.028.001.03', xml);
      const tx = '/d:Document/d:FIToFIPmtStsReq/d:TxInf';
      expect(q('/d:Document/d:FIToFIPmtStsReq/d:GrpHdr/d:MsgId')).toBe('CLWY-STSREQ-1');
      expect(q('/d:Document/d:FIToFIPmtStsReq/d:GrpHdr/d:CreDtTm')).toBe('2025-03-14T12:00:00Z');
      expect(q('count(/d:Document/d:FIToFIPmtStsReq/d:TxInf)')).toBe('1');
      expect(q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgId`)).toBe('CLWY-MSG-0001');
      expect(q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgNmId`)).toBe('pacs.008.001.08');
      expect(q(`${tx}/d:OrgnlGrpInf/d:OrgnlCreDtTm`)).toBe(full ? '2025-03-14T09:30:00Z' : '');
      expect(q(`${tx}/d:OrgnlInstrId`)).toBe(full ? 'CLWY-INSTR-1' : '');
      expect(q(`${tx}/d:OrgnlEndToEndId`)).toBe(full ? 'CLWY-E2E-1' : '');
      expect(q(`${tx}/d:OrgnlTxId`)).toBe(full ? 'CLWY-TX-1' : '');
      expect(q(`${tx}/d:OrgnlUETR`)).toBe(UETR);
      expect(q(`${tx}/d:InstdAgt/d:FinInstnId/d:ClrSysMmbId/d:MmbId`)).toBe(full ? '021000021' : '');
      const back = codec.readPacs028(codec.parse(xml));
      expect(back).toEqual({
        messageType: 'pacs.028.001.03',
        msgId: input.msgId,
        creationDateTime: input.creationDateTime,
        transaction: input.original,
      });
    });

    it.each([
      ['with every optional part', true],
      ['minimal', false],
    ])('pain.002.001.10 %s', (_label, full) => {
      const input = pain002(full as boolean);
      const xml = codec.writePain002(input);
      const q = officiallyValid('pain.002.001.10', xml);
      expect(q('/d:Document/d:CstmrPmtStsRpt/d:OrgnlGrpInfAndSts/d:OrgnlMsgId')).toBe('PAIN-1');
      expect(q('/d:Document/d:CstmrPmtStsRpt/d:OrgnlGrpInfAndSts/d:OrgnlMsgNmId')).toBe('pain.001.001.09');
      expect(q('/d:Document/d:CstmrPmtStsRpt/d:OrgnlGrpInfAndSts/d:GrpSts')).toBe(full ? 'PART' : '');
      expect(q('count(//d:TxInfAndSts)')).toBe(full ? '2' : '0');
      if (full) {
        expect(q('//d:TxInfAndSts[d:OrgnlEndToEndId="E2E-2"]/d:TxSts')).toBe('RJCT');
        expect(q('//d:TxInfAndSts[d:OrgnlEndToEndId="E2E-2"]/d:StsRsnInf/d:Rsn/d:Cd')).toBe('AM04');
      }
      expect(codec.parse(xml).messageType).toBe('pain.002.001.10');
    });

    it.each([
      ['with every optional part', true],
      ['minimal', false],
    ])('pacs.008.001.08 %s', (_label, full) => {
      const input = pacs008(full as boolean);
      const xml = codec.writePacs008(input);
      const q = officiallyValid('pacs.008.001.08', xml);
      expect(q('/d:Document/d:FIToFICstmrCdtTrf/d:CdtTrfTxInf/d:PmtId/d:EndToEndId')).toBe('E2E-1');
      expect(q('count(//d:Ustrd)')).toBe(full ? '3' : '0');
      const back = codec.readPacs008(codec.parse(xml));
      const { interbankSettlementDate, ...rest } = input.transaction;
      expect(back.transactions[0]).toMatchObject({
        ...rest,
        remittanceInformation: full ? `invoice 1\n${'r'.repeat(140)}\n${'r'.repeat(60)}` : null,
      });
      expect(back.transactions[0]!.interbankSettlementDate).toBe(interbankSettlementDate);
    });

    it.each(cases('pain.001.001.09'))('pacs.008.001.08 for every transaction of the official pain.001 %s', (_n, file) => {
      const pain = codec.readPain001(codec.parse(read(file)));
      let written = 0;
      pain.paymentInformation.forEach((pmtInf, i) =>
        pmtInf.transactions.forEach((tx, j) => {
          const ctx = {
            msgId: `CLWY-P1-${i}-${j}`,
            creationDateTime: '2025-03-14T10:00:00Z',
            uetr: UETR,
            settlementMethod: 'INDA',
            clearingSystem: null,
            interbankSettlementDate: '2025-03-14',
            instructingAgent: pmtInf.debtorAgent,
            instructedAgent: tx.creditorAgent,
          };
          if (tx.creditorAgent === null) {
            expect(() => pacs008FromPain001(pmtInf, tx, ctx)).toThrow(/no creditor agent/);
            return;
          }
          const xml = codec.writePacs008(pacs008FromPain001(pmtInf, tx, ctx));
          const q = officiallyValid('pacs.008.001.08', xml);
          const t = '/d:Document/d:FIToFICstmrCdtTrf/d:CdtTrfTxInf';
          expect(q(`${t}/d:PmtId/d:EndToEndId`)).toBe(tx.endToEndId);
          expect(q(`${t}/d:PmtId/d:UETR`)).toBe(tx.uetr ?? UETR);
          const amount = tx.instructedAmount ?? tx.equivalentAmount!;
          expect(q(`${t}/d:IntrBkSttlmAmt`)).toBe(amount.value);
          expect(q(`${t}/d:IntrBkSttlmAmt/@Ccy`)).toBe(amount.currency);
          expect(q(`${t}/d:ChrgBr`)).toBe(tx.chargeBearer ?? pmtInf.chargeBearer ?? 'SLEV');
          expect(q(`${t}/d:Cdtr/d:Nm`)).toBe(tx.creditor.name ?? '');
          expect(q(`${t}/d:DbtrAcct/d:Id/d:IBAN | ${t}/d:DbtrAcct/d:Id/d:Othr/d:Id`)).toBe(
            pmtInf.debtorAccount?.iban ?? pmtInf.debtorAccount?.other ?? '',
          );
          written++;
        }),
      );
      expect(written).toBeGreaterThan(0);
    });

    it('writes the same bytes for the same input', () => {
      expect(codec.writeCamt056(camt056(true))).toBe(codec.writeCamt056(camt056(true)));
      expect(codec.writePacs004(pacs004(true))).toBe(codec.writePacs004(pacs004(true)));
      expect(codec.writePacs002(pacs002('pacs.002.001.14', true))).toBe(codec.writePacs002(pacs002('pacs.002.001.14', true)));
    });

    it.each([
      ['pacs.002', () => codec.writePacs002({ ...pacs002('pacs.002.001.12', true), msgId: 'M'.repeat(36) }), /^msgId/],
      [
        'camt.029',
        () => codec.writeCamt029({ ...camt029('RJCR', true), original: { ...ORIGINAL, uetr: UETR.toUpperCase() } }),
        /^original\.uetr/,
      ],
      ['camt.056', () => codec.writeCamt056({ ...camt056(true), assigner: { ...BIC_A, bic: 'CLWYDE' } }), /^assigner\.bic/],
      [
        'pacs.004',
        () => codec.writePacs004({ ...pacs004(true), returnedAmount: { value: '1.123456', currency: 'EUR' } }),
        /^returnedAmount\.value/,
      ],
      ['pain.002', () => codec.writePain002({ ...pain002(true), creationDateTime: '2025-02-30T10:00:00Z' }), /^creationDateTime/],
      ['pacs.008', () => codec.writePacs008({ ...pacs008(true), msgId: 'bad\u0001' }), /XML 1\.0/],
      [
        'AppHdr',
        () =>
          codec.writeAppHdr({
            version: 'head.001.001.04',
            from: 'CLWYDEFF',
            to: 'x'.repeat(36),
            bizMsgIdr: 'B',
            msgDefIdr: 'pacs.002.001.10',
            bizSvc: null,
            creationDate: '2025-03-14T10:00:00Z',
            related: null,
          }),
        /^to\.otherId/,
      ],
    ])('%s refuses an input that would not validate with a RangeError naming the field', (_m, write, message) => {
      expect(write).toThrow(RangeError);
      expect(write).toThrow(message as RegExp);
    });

    describe('the input checks refuse exactly what the official schema refuses', () => {
      /**
       * For each edge value: the writer refuses it (RangeError) if and only if the official schema refuses
       * the same message with that value put in by hand. `path` selects the one element to change.
       */
      const BASE = pacs002('pacs.002.001.10', true);
      const EDGES: [string, string, (v: string) => Pacs002Input, string[]][] = [
        [
          'creationDateTime',
          '/d:Document/d:FIToFIPmtStsRpt/d:GrpHdr/d:CreDtTm',
          (v) => ({ ...BASE, creationDateTime: v }),
          [
            '2025-03-14T10:00:00',
            '2025-03-14T10:00:00.123456789+14:00',
            '2025-03-14T24:00:00Z',
            '12025-03-14T10:00:00Z',
            '2024-02-29T10:00:00-12:00',
            '2025-02-29T10:00:00Z',
            '2025-03-14T10:00:60Z',
            '2025-03-14T10:00Z',
            '2025-03-14T10:00:00+14:01',
            '2025-03-14 10:00:00Z',
            ' 2025-03-14T10:00:00Z',
          ],
        ],
        [
          'settlementDate',
          '/d:Document/d:FIToFIPmtStsRpt/d:TxInfAndSts/d:OrgnlTxRef/d:IntrBkSttlmDt',
          (v) => ({ ...BASE, original: { ...BASE.original, settlementDate: v } }),
          ['2025-03-14', '2025-03-14Z', '2025-03-14+01:00', '2025-13-01', '2025-04-31', '25-03-14', '2025-3-14'],
        ],
        [
          'amount',
          '/d:Document/d:FIToFIPmtStsRpt/d:TxInfAndSts/d:OrgnlTxRef/d:IntrBkSttlmAmt',
          (v) => ({ ...BASE, original: { ...BASE.original, amount: { value: v, currency: 'EUR' } } }),
          [
            '0',
            '0.00000',
            '1.123456',
            '1.123450',
            '1.1234500000',
            '123456789012345678',
            '1234567890123456789',
            '123456789012345678.0',
            '0000000000000000001.5',
            '0001.5',
            '-0',
            '-0.00',
            '-1',
            '1.',
            '.5',
            '+1',
            '.',
            '',
            '1e3',
            '1,5',
          ],
        ],
        [
          'msgId',
          '/d:Document/d:FIToFIPmtStsRpt/d:GrpHdr/d:MsgId',
          (v) => ({ ...BASE, msgId: v }),
          ['M'.repeat(35), 'M'.repeat(36), '😀'.repeat(35), ' ', 'a b'],
        ],
        [
          'uetr',
          '/d:Document/d:FIToFIPmtStsRpt/d:TxInfAndSts/d:OrgnlUETR',
          (v) => ({ ...BASE, original: { ...BASE.original, uetr: v } }),
          [UETR, UETR.toUpperCase(), 'c5b81673-9bcf-3ed6-a394-b9d207705ecf', 'c5b81673-9bcf-4ed6-c394-b9d207705ecf'],
        ],
        [
          'bic',
          '/d:Document/d:FIToFIPmtStsRpt/d:GrpHdr/d:InstgAgt/d:FinInstnId/d:BICFI',
          (v) => ({ ...BASE, instructingAgent: { ...BIC_B, bic: v } }),
          ['CLWYNL2A', 'CLWYNL2AXXX', '1234NL2A', 'CLWY1L2A', 'clwynl2a', 'CLWYNL2AXX'],
        ],
      ];

      /** The base report with the element at `path` given `value` (escaped), by libxml2-free text surgery. */
      function substituted(path: string, value: string): string {
        const base = codec.writePacs002(BASE);
        const leaf = path.slice(path.lastIndexOf(':') + 1);
        const current = xpathString(base, ISO_NS + 'pacs.002.001.10', path);
        expect(current).not.toBe('');
        const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;');
        const re = new RegExp(`(<${leaf}(?: [^>]*)?>)${current.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(</${leaf}>)`);
        expect(re.test(base)).toBe(true);
        return base.replace(re, (_m, open: string, close: string) => `${open}${escaped}${close}`);
      }

      it.each(EDGES.map(([field, path, make, values]) => [field, path, make, values] as const))('%s', (_field, path, make, values) => {
        const disagreements: string[] = [];
        let refused = 0;
        for (const value of values) {
          const official = validateOfficially('pacs.002.001.10', substituted(path, value)).valid;
          let mine: boolean;
          try {
            codec.writePacs002(make(value));
            mine = true;
          } catch (e) {
            if (!(e instanceof RangeError)) throw e;
            mine = false;
            refused++;
          }
          if (mine !== official)
            disagreements.push(
              `${JSON.stringify(value)}: official ${official ? 'valid' : 'invalid'}, writer ${mine ? 'wrote it' : 'refused it'}`,
            );
        }
        expect(disagreements).toEqual([]);
        // each list holds values on both sides of the line
        expect(refused).toBeGreaterThan(0);
        expect(refused).toBeLessThan(values.length);
      });
    });

    describe('AppHdr of an answer, in the envelope the original used', () => {
      /** Originals with a header: the official samples that carry one (both versions), read by the codec. */
      const originals = (): { name: string; msg: ParsedMessage }[] => {
        const out: { name: string; msg: ParsedMessage }[] = [];
        for (const id of ['pacs.008.001.08', 'pacs.008.001.12'] as const) {
          for (const f of samples[id] ?? []) {
            const xml = read(f);
            if (!officialVerdict(id, xml).valid) continue;
            const msg = codec.parse(xml);
            if (msg.appHeader !== null) out.push({ name: basename(f), msg });
          }
        }
        return out;
      };

      it('covers head.001.001.02 and head.001.001.04', () => {
        const versions = new Set(originals().map((o) => o.msg.appHeader!.version));
        expect([...versions].sort()).toEqual(['head.001.001.02', 'head.001.001.04']);
      });

      it('answers each enveloped sample with a pacs.002 of its generation under a swapped, related AppHdr', () => {
        const seen = originals();
        expect(seen.length).toBeGreaterThan(0);
        for (const { msg } of seen) {
          const original = msg.appHeader as AppHeader;
          const p = codec.readPacs008(msg);
          const version = pacs002VersionFor(msg.messageType);
          const doc = codec.writePacs002({
            ...pacs002(version, false),
            original: {
              ...pacs002(version, false).original,
              msgId: p.groupHeader.msgId,
              msgNmId: msg.messageType,
              uetr: p.transactions[0]!.uetr,
            },
          });
          const header = codec.replyAppHdr(original, { bizMsgIdr: 'CLWY-BAH-1', msgDefIdr: version, creationDate: '2025-03-14T10:00:00Z' });
          const wrapped = codec.wrapWithAppHdr(doc, header, msg.envelope);
          const verdict = officialVerdict(version, wrapped);
          expect(verdict.errors).toEqual([]);
          expect(verdict.valid).toBe(true);
          expect(verdict.appHdrVersion).toBe(original.version);

          const hdrNs = ISO_NS + original.version;
          const h = (path: string): string => xpathString(wrapped, hdrNs, path);
          const env = msg.envelope ?? 'Envelope';
          expect(xpathCount(wrapped, hdrNs, `/${env}/d:AppHdr`)).toBe(1);
          expect(h(`/${env}/d:AppHdr/d:Fr//d:BICFI | /${env}/d:AppHdr/d:Fr//d:AnyBIC`)).toBe(original.to ?? '');
          expect(h(`/${env}/d:AppHdr/d:To//d:BICFI | /${env}/d:AppHdr/d:To//d:AnyBIC`)).toBe(original.from ?? '');
          expect(h(`/${env}/d:AppHdr/d:BizMsgIdr`)).toBe('CLWY-BAH-1');
          expect(h(`/${env}/d:AppHdr/d:MsgDefIdr`)).toBe(version);
          expect(h(`/${env}/d:AppHdr/d:BizSvc`)).toBe(original.bizSvc ?? '');
          expect(h(`/${env}/d:AppHdr/d:Rltd/d:BizMsgIdr`)).toBe(original.bizMsgIdr);
          expect(h(`/${env}/d:AppHdr/d:Rltd/d:MsgDefIdr`)).toBe(original.msgDefIdr);
          expect(h(`/${env}/d:AppHdr/d:Rltd/d:CreDt`)).toBe(original.creationDate);
          expect(h(`/${env}/d:AppHdr/d:Rltd/d:Fr//d:BICFI | /${env}/d:AppHdr/d:Rltd/d:Fr//d:AnyBIC`)).toBe(original.from ?? '');

          // and the codec reads the answer back: AppHdr + Document
          const back = codec.parse(wrapped);
          expect(back.envelope).toBe(env);
          expect(back.messageType).toBe(version);
          expect(back.appHeader).toMatchObject({
            version: original.version,
            from: original.to,
            to: original.from,
            bizMsgIdr: 'CLWY-BAH-1',
            msgDefIdr: version,
          });
          expect(codec.readPacs002(back).originalMsgId).toBe(p.groupHeader.msgId);
        }
      });

      it.each([['head.001.001.02'], ['head.001.001.04']] as const)(
        'every other writer under a %s AppHdr in the default Envelope (member-id and organisation parties)',
        (version) => {
          const original: AppHeader = {
            version,
            from: '021000021',
            to: 'CLWYDEFF',
            fromParty: {
              kind: 'FIId',
              bic: null,
              clearingSystem: 'USABA',
              memberId: '021000021',
              lei: null,
              name: 'First Example Bank',
              otherId: null,
            },
            toParty: { kind: 'OrgId', bic: 'CLWYDEFF', clearingSystem: null, memberId: null, lei: null, name: 'Clearway', otherId: null },
            bizMsgIdr: 'ORIG-BAH-1',
            msgDefIdr: 'camt.056.001.08',
            bizSvc: null,
            creationDate: '2025-03-14T09:00:00Z',
          };
          const docs: [string, string][] = [
            ['camt.029.001.09', codec.writeCamt029(camt029('CNCL', true))],
            ['camt.056.001.08', codec.writeCamt056(camt056(true))],
            ['pacs.004.001.09', codec.writePacs004(pacs004(false))],
            ['pacs.028.001.03', codec.writePacs028(pacs028(true))],
            ['pain.002.001.10', codec.writePain002(pain002(true))],
            ['pacs.008.001.08', codec.writePacs008(pacs008(false))],
          ];
          for (const [id, doc] of docs) {
            const header = codec.replyAppHdr(original, {
              bizMsgIdr: `CLWY-${id}`,
              msgDefIdr: id,
              creationDate: '2025-03-14T10:00:00+01:00',
            });
            const wrapped = codec.wrapWithAppHdr(doc, header);
            const verdict = officialVerdict(id, wrapped);
            expect(verdict.errors).toEqual([]);
            expect(verdict.appHdrVersion).toBe(version);
            const h = (path: string): string => xpathString(wrapped, ISO_NS + version, path);
            expect(h('/Envelope/d:AppHdr/d:Fr/d:OrgId/d:Id/d:OrgId/d:AnyBIC')).toBe('CLWYDEFF');
            expect(h('/Envelope/d:AppHdr/d:To/d:FIId/d:FinInstnId/d:ClrSysMmbId/d:MmbId')).toBe('021000021');
            expect(h('/Envelope/d:AppHdr/d:Rltd/d:Fr/d:FIId/d:FinInstnId/d:ClrSysMmbId/d:MmbId')).toBe('021000021');
            expect(h('/Envelope/d:AppHdr/d:Rltd/d:BizMsgIdr')).toBe('ORIG-BAH-1');
            expect(xpathCount(wrapped, ISO_NS + version, '/Envelope/d:AppHdr/d:BizSvc')).toBe(0);
            const back = codec.parse(wrapped);
            expect(back.appHeader).toMatchObject({ version, from: 'CLWYDEFF', to: '021000021', msgDefIdr: id });
          }
        },
      );
    });
  });

  describe('(b) readers on the official samples', () => {
    function parsedSample(id: string, file: string): { msg: ParsedMessage; q: (p: string) => string } {
      const xml = read(file);
      const verdict = officialVerdict(id, xml);
      expect(verdict.errors).toEqual([]);
      const msg = codec.parse(xml);
      expect(msg.messageType).toBe(id);
      return { msg, q: (p) => xpathString(verdict.document!, ISO_NS + id, p) };
    }
    const orNull = (s: string): string | null => (s === '' ? null : s);

    it('has samples of every message read here', () => {
      if (missing) throw missing;
      for (const id of SAMPLE_IDS) expect(samples[id]!.length).toBeGreaterThan(0);
    });

    it.each([...cases('pacs.002.001.12'), ...cases('pacs.002.001.14')])('pacs.002 %s (the .12 and .14 generations)', (_n, file) => {
      const id = file.includes('pacs.002.001.12') ? 'pacs.002.001.12' : 'pacs.002.001.14';
      const { msg, q } = parsedSample(id, file);
      const r = codec.readPacs002(msg);
      const root = '/d:Document/d:FIToFIPmtStsRpt';
      const txSts = q(`${root}/d:TxInfAndSts[1]/d:TxSts`);
      expect(r.status).toBe(txSts !== '' ? txSts : q(`${root}/d:OrgnlGrpInfAndSts[1]/d:GrpSts`));
      expect(r.status).not.toBeNull();
      expect(r.originalMsgId).toBe(q(`${root}/d:OrgnlGrpInfAndSts[1]/d:OrgnlMsgId | ${root}/d:TxInfAndSts[1]/d:OrgnlGrpInf/d:OrgnlMsgId`));
      expect(r.originalUetr).toBe(orNull(q(`${root}/d:TxInfAndSts[1]/d:OrgnlUETR`)));
      const cd = q(`${root}/d:TxInfAndSts[1]/d:StsRsnInf[1]/d:Rsn/d:Cd`);
      if (cd !== '') expect(r.reasonCode).toBe(cd);
      if (r.status === 'RJCT') expect(r.reasonCode).not.toBeNull();
    });

    it.each(cases('pacs.028.001.03'))('pacs.028.001.03 %s', (_n, file) => {
      const { msg, q } = parsedSample('pacs.028.001.03', file);
      const r = codec.readPacs028(msg);
      const tx = '/d:Document/d:FIToFIPmtStsReq/d:TxInf[1]';
      expect(r.msgId).toBe(q('/d:Document/d:FIToFIPmtStsReq/d:GrpHdr/d:MsgId'));
      expect(r.creationDateTime).toBe(q('normalize-space(/d:Document/d:FIToFIPmtStsReq/d:GrpHdr/d:CreDtTm)'));
      expect(r.transaction).toEqual({
        group: {
          msgId: q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgId`),
          msgNmId: q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgNmId`),
          creationDateTime: orNull(q(`${tx}/d:OrgnlGrpInf/d:OrgnlCreDtTm`)),
        },
        instrId: orNull(q(`${tx}/d:OrgnlInstrId`)),
        endToEndId: orNull(q(`${tx}/d:OrgnlEndToEndId`)),
        txId: orNull(q(`${tx}/d:OrgnlTxId`)),
        uetr: orNull(q(`${tx}/d:OrgnlUETR`)),
      });
      expect(r.transaction!.group!.msgNmId).toMatch(/^[a-z]{4}\.\d{3}\.\d{3}\.\d{2}$/);
    });

    it.each(cases('camt.056.001.08'))('camt.056.001.08 %s', (_n, file) => {
      const { msg, q } = parsedSample('camt.056.001.08', file);
      const r = codec.readCamt056(msg);
      const root = '/d:Document/d:FIToFIPmtCxlReq';
      const tx = `${root}/d:Undrlyg[1]/d:TxInf[1]`;
      expect(r.assignment.id).toBe(q(`${root}/d:Assgnmt/d:Id`));
      expect(r.assignment.creationDateTime).toBe(q(`${root}/d:Assgnmt/d:CreDtTm`));
      expect(r.assignment.assigner.agent?.memberId ?? r.assignment.assigner.agent?.bic).toBe(
        q(`${root}/d:Assgnmt/d:Assgnr/d:Agt/d:FinInstnId/d:ClrSysMmbId/d:MmbId | ${root}/d:Assgnmt/d:Assgnr/d:Agt/d:FinInstnId/d:BICFI`),
      );
      expect(r.assignment.assignee.agent?.memberId ?? r.assignment.assignee.agent?.bic).toBe(
        q(`${root}/d:Assgnmt/d:Assgne/d:Agt/d:FinInstnId/d:ClrSysMmbId/d:MmbId | ${root}/d:Assgnmt/d:Assgne/d:Agt/d:FinInstnId/d:BICFI`),
      );
      expect(r.caseId).toBe(orNull(q(`${root}/d:Case/d:Id`)));
      const t = r.transaction!;
      expect(t.group?.msgId).toBe(q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgId`));
      expect(t.group?.msgNmId).toBe(q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgNmId`));
      expect(t.cancellationId).toBe(orNull(q(`${tx}/d:CxlId`)));
      expect(t.instrId).toBe(orNull(q(`${tx}/d:OrgnlInstrId`)));
      expect(t.endToEndId).toBe(orNull(q(`${tx}/d:OrgnlEndToEndId`)));
      expect(t.txId).toBe(orNull(q(`${tx}/d:OrgnlTxId`)));
      expect(t.uetr).toBe(orNull(q(`${tx}/d:OrgnlUETR`)));
      expect(t.interbankSettlementAmount).toEqual({
        value: q(`normalize-space(${tx}/d:OrgnlIntrBkSttlmAmt)`),
        currency: q(`${tx}/d:OrgnlIntrBkSttlmAmt/@Ccy`),
      });
      expect(t.reason?.code).toBe(q(`${tx}/d:CxlRsnInf[1]/d:Rsn/d:Cd`));
      expect(t.reason?.code).toMatch(/^(CUST|DUPL)$/);
      expect(t.reason?.text).toBe(orNull(q(`${tx}/d:CxlRsnInf[1]/d:AddtlInf[1]`)));
    });

    it.each(cases('camt.029.001.09'))('camt.029.001.09 %s', (n, file) => {
      const { msg, q } = parsedSample('camt.029.001.09', file);
      const r = codec.readCamt029(msg);
      const root = '/d:Document/d:RsltnOfInvstgtn';
      const tx = `${root}/d:CxlDtls[1]/d:TxInfAndSts[1]`;
      expect(r.assignmentId).toBe(q(`${root}/d:Assgnmt/d:Id`));
      expect(r.confirmation).toBe(q(`${root}/d:Sts/d:Conf`));
      expect(r.status).toBe(n.includes('rjcr') ? 'RJCR' : 'CNCL');
      expect(r.caseId).toBe(orNull(q(`${root}/d:RslvdCase/d:Id`)));
      expect(r.original?.endToEndId).toBe(q(`${tx}/d:OrgnlEndToEndId`));
      expect(r.original?.uetr).toBe(q(`${tx}/d:OrgnlUETR`));
      expect(r.original?.group?.msgId).toBe(q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgId`));
      expect(r.reasonCode).toBe(orNull(q(`${tx}/d:CxlStsRsnInf[1]/d:Rsn/d:Cd`)));
      expect(r.reasonText).toBe(orNull(q(`${tx}/d:CxlStsRsnInf[1]/d:AddtlInf[1]`)));
    });

    it.each(cases('pacs.004.001.09'))('pacs.004.001.09 %s', (_n, file) => {
      const { msg, q } = parsedSample('pacs.004.001.09', file);
      const r = codec.readPacs004(msg);
      const root = '/d:Document/d:PmtRtr';
      expect(r.msgId).toBe(q(`${root}/d:GrpHdr/d:MsgId`));
      expect(r.creationDateTime).toBe(q(`normalize-space(${root}/d:GrpHdr/d:CreDtTm)`));
      expect(r.transactions).toHaveLength(Number(q(`count(${root}/d:TxInf)`)));
      r.transactions.forEach((t, i) => {
        const tx = `${root}/d:TxInf[${i + 1}]`;
        expect(t.returnId).toBe(orNull(q(`${tx}/d:RtrId`)));
        expect(t.group?.msgId).toBe(q(`${tx}/d:OrgnlGrpInf/d:OrgnlMsgId | ${root}/d:OrgnlGrpInf/d:OrgnlMsgId`));
        expect(t.instrId).toBe(orNull(q(`${tx}/d:OrgnlInstrId`)));
        expect(t.endToEndId).toBe(orNull(q(`${tx}/d:OrgnlEndToEndId`)));
        expect(t.txId).toBe(orNull(q(`${tx}/d:OrgnlTxId`)));
        expect(t.uetr).toBe(orNull(q(`${tx}/d:OrgnlUETR`)));
        expect(t.returnedAmount).toEqual({
          value: q(`normalize-space(${tx}/d:RtrdIntrBkSttlmAmt)`),
          currency: q(`${tx}/d:RtrdIntrBkSttlmAmt/@Ccy`),
        });
        expect(t.reason?.code ?? null).toBe(orNull(q(`${tx}/d:RtrRsnInf[1]/d:Rsn/d:Cd`)));
        expect(t.reason?.text ?? null).toBe(orNull(q(`${tx}/d:RtrRsnInf[1]/d:AddtlInf[1]`)));
      });
    });

    it.each(cases('pain.001.001.09'))('pain.001.001.09 %s', (_n, file) => {
      const { msg, q } = parsedSample('pain.001.001.09', file);
      const r = codec.readPain001(msg);
      const root = '/d:Document/d:CstmrCdtTrfInitn';
      expect(r.groupHeader.msgId).toBe(q(`${root}/d:GrpHdr/d:MsgId`));
      expect(r.groupHeader.numberOfTransactions).toBe(Number(q(`${root}/d:GrpHdr/d:NbOfTxs`)));
      expect(r.groupHeader.initiatingParty.name).toBe(orNull(q(`${root}/d:GrpHdr/d:InitgPty/d:Nm`)));
      expect(r.paymentInformation).toHaveLength(Number(q(`count(${root}/d:PmtInf)`)));
      const txCount = r.paymentInformation.reduce((n, p) => n + p.transactions.length, 0);
      expect(txCount).toBe(Number(q(`count(${root}/d:PmtInf/d:CdtTrfTxInf)`)));
      r.paymentInformation.forEach((p, i) => {
        const pi = `${root}/d:PmtInf[${i + 1}]`;
        expect(p.pmtInfId).toBe(q(`${pi}/d:PmtInfId`));
        expect(p.requestedExecutionDate).toBe(q(`normalize-space(${pi}/d:ReqdExctnDt/*)`));
        expect(p.debtor.name).toBe(orNull(q(`${pi}/d:Dbtr/d:Nm`)));
        expect(p.debtorAccount?.iban ?? p.debtorAccount?.other).toBe(q(`${pi}/d:DbtrAcct/d:Id/d:IBAN | ${pi}/d:DbtrAcct/d:Id/d:Othr/d:Id`));
        expect(p.debtorAgent?.bic ?? null).toBe(orNull(q(`${pi}/d:DbtrAgt/d:FinInstnId/d:BICFI`)));
        expect(p.chargeBearer).toBe(orNull(q(`${pi}/d:ChrgBr`)));
        p.transactions.forEach((t, j) => {
          const tx = `${pi}/d:CdtTrfTxInf[${j + 1}]`;
          expect(t.endToEndId).toBe(q(`${tx}/d:PmtId/d:EndToEndId`));
          expect(t.instrId).toBe(orNull(q(`${tx}/d:PmtId/d:InstrId`)));
          expect(t.uetr).toBe(orNull(q(`${tx}/d:PmtId/d:UETR`)));
          const instd = q(`${tx}/d:Amt/d:InstdAmt/@Ccy`);
          if (instd !== '') expect(t.instructedAmount).toEqual({ value: q(`normalize-space(${tx}/d:Amt/d:InstdAmt)`), currency: instd });
          else expect(t.equivalentAmount?.currency).toBe(q(`${tx}/d:Amt/d:EqvtAmt/d:Amt/@Ccy`));
          expect(t.creditor.name).toBe(orNull(q(`${tx}/d:Cdtr/d:Nm`)));
          expect(t.creditorAgent?.bic ?? null).toBe(orNull(q(`${tx}/d:CdtrAgt/d:FinInstnId/d:BICFI`)));
          expect(t.creditorAccount?.iban ?? t.creditorAccount?.other ?? null).toBe(
            orNull(q(`${tx}/d:CdtrAcct/d:Id/d:IBAN | ${tx}/d:CdtrAcct/d:Id/d:Othr/d:Id`)),
          );
          expect(t.remittanceInformation?.split('\n')[0] ?? null).toBe(orNull(q(`${tx}/d:RmtInf/d:Ustrd[1]`)));
        });
      });
    });
  });
});
