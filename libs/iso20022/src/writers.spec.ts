// SPDX-License-Identifier: Apache-2.0
import { join, resolve } from 'node:path';
import { Iso20022Codec } from './iso20022.codec.js';
import type { AgentId, AppHeader, Camt029Input, Pacs028Input, ParsedMessage } from './iso20022.types.js';
import { pacs002VersionFor } from './pacs002.writer.js';
import { check } from './writer.helpers.js';
import { headerParty, wrapWithAppHdr } from './app-header.writer.js';

const schemaDir = join(resolve(import.meta.dirname, '../../..'), 'config/schemas');
const BIC: AgentId = { bic: 'CLWYDEFF', clearingSystem: null, memberId: null, name: null };
const UETR = 'c5b81673-9bcf-4ed6-a394-b9d207705ecf';

function camt029(overrides: Partial<Camt029Input> = {}): Camt029Input {
  return {
    assignmentId: 'A-1',
    creationDateTime: '2025-03-14T11:00:00Z',
    assigner: BIC,
    assignee: BIC,
    resolvedCase: null,
    status: 'RJCR',
    cancellationStatusId: null,
    original: {
      group: { msgId: 'M-1', msgNmId: 'pacs.008.001.08', creationDateTime: null },
      instrId: null,
      endToEndId: 'E-1',
      txId: null,
      uetr: UETR,
    },
    reason: { code: 'LEGL', text: null },
    originalAmount: null,
    originalSettlementDate: null,
    ...overrides,
  };
}

/** A ParsedMessage of a bare Document (readers do not need the schema: they read validated text). */
const parsed = (messageType: string, document: string): ParsedMessage => ({
  messageType,
  namespace: `urn:iso:std:iso:20022:tech:xsd:${messageType}`,
  xml: document,
  document,
  appHeader: null,
  envelope: null,
});

describe('writers: mapping details', () => {
  let codec: Iso20022Codec;
  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir });
  });
  afterAll(() => codec.dispose());

  describe('input checks', () => {
    it('knows dates and date-times that do not exist', () => {
      expect(check.date('d', '2024-02-29')).toBe('2024-02-29');
      expect(() => check.date('d', '2025-02-29')).toThrow('d: not an ISO date');
      expect(check.dateTime('t', '2025-03-14T23:59:59.5-05:00')).toBe('2025-03-14T23:59:59.5-05:00');
      expect(() => check.dateTime('t', '2025-03-14 10:00:00Z')).toThrow(RangeError);
      expect(() => check.dateTime('t', '2025-03-14T24:00:01Z')).toThrow(RangeError);
      expect(() => check.dateTime('t', '2025-03-14T10:00:00+15:00')).toThrow(RangeError);
    });

    it('counts the digits of an amount as the schema does, and never takes a float-looking value', () => {
      expect(check.amount('a', { value: '0000000000000000001.12345', currency: 'EUR' })).not.toBeNull();
      expect(() => check.amount('a', { value: '1234567890123456.789', currency: 'EUR' })).toThrow('a.value: more than 18 digits');
      expect(() => check.amount('a', { value: '1e3', currency: 'EUR' })).toThrow(RangeError);
      expect(() => check.amount('a', { value: '-1.00', currency: 'EUR' })).toThrow('a.value: negative');
      expect(check.amount('a', { value: '1.1234500', currency: 'EUR' })).not.toBeNull();
      expect(() => check.amount('a', { value: '1.00', currency: 'eur' })).toThrow('a.currency');
    });

    it('counts characters as code points (an emoji is one character)', () => {
      expect(check.text('n', '😀'.repeat(35), 35)).toHaveLength(70);
      expect(() => check.text('n', '', 35)).toThrow('n: must be 1 to 35 characters, got 0');
    });
  });

  it('pacs002VersionFor defaults to pacs.002.001.10', () => {
    expect(pacs002VersionFor('pacs.008.001.12')).toBe('pacs.002.001.14');
    expect(pacs002VersionFor('pacs.008.001.99')).toBe('pacs.002.001.10');
  });

  describe('camt.029', () => {
    it('puts a reason code longer than four characters in Prtry and cuts the narrative in 105-character lines', () => {
      const xml = codec.writeCamt029(camt029({ reason: { code: 'LONGCODE', text: 'x'.repeat(106) } }));
      expect(xml).toContain('<Prtry>LONGCODE</Prtry>');
      expect(xml.match(/<AddtlInf>/g)).toHaveLength(2);
      expect(xml).toContain('<TxCxlSts>RJCR</TxCxlSts>');
    });

    it('a CNCL carries no TxCxlSts and refuses a reason', () => {
      const xml = codec.writeCamt029(camt029({ status: 'CNCL', reason: null }));
      expect(xml).toContain('<Conf>CNCL</Conf>');
      expect(xml).not.toContain('TxCxlSts');
      expect(() => codec.writeCamt029(camt029({ status: 'CNCL' }))).toThrow('reason: only a refusal (RJCR) carries a reason');
      expect(() => codec.writeCamt029(camt029({ status: 'ACCR' as 'CNCL' }))).toThrow('status: must be one of CNCL, RJCR');
    });
  });

  describe('pacs.028', () => {
    const request = (overrides: Partial<Pacs028Input> = {}): Pacs028Input => ({
      msgId: 'STS-1',
      creationDateTime: '2025-03-14T12:00:00Z',
      statusRequestId: null,
      original: {
        group: { msgId: 'M-1', msgNmId: 'pacs.008.001.08', creationDateTime: '2025-03-14T09:30:00Z' },
        instrId: 'I-1',
        endToEndId: 'E-1',
        txId: 'T-1',
        uetr: UETR,
      },
      instructingAgent: null,
      instructedAgent: null,
      ...overrides,
    });

    it('writes the group header and one TxInf with the original group and references, valid on the loaded schema, and readPacs028 reads it back', () => {
      const xml = codec.writePacs028(
        request({ statusRequestId: 'SR-1', instructingAgent: BIC, instructedAgent: { ...BIC, bic: 'CLWYNL2A' } }),
      );
      const msg = codec.parse(xml);
      expect(msg.messageType).toBe('pacs.028.001.03');
      expect(xml.indexOf('<StsReqId>SR-1</StsReqId>')).toBeLessThan(xml.indexOf('<OrgnlGrpInf>'));
      expect(xml.indexOf('<OrgnlUETR>')).toBeLessThan(xml.indexOf('<InstgAgt>'));
      expect(codec.readPacs028(msg)).toEqual({
        messageType: 'pacs.028.001.03',
        msgId: 'STS-1',
        creationDateTime: '2025-03-14T12:00:00Z',
        transaction: request().original,
      });
    });

    it('refuses a request the host could not match to a payment, and a bad UETR', () => {
      expect(() =>
        codec.writePacs028(
          request({
            original: {
              group: { msgId: 'M-1', msgNmId: 'pacs.008.001.08', creationDateTime: null },
              instrId: null,
              endToEndId: null,
              txId: null,
              uetr: null,
            },
          }),
        ),
      ).toThrow('original: needs at least one of');
      expect(() =>
        codec.writePacs028(request({ original: { ...request().original, uetr: 'C5B81673-9BCF-4ED6-A394-B9D207705ECF' } })),
      ).toThrow('original.uetr: not a UETR');
      expect(() => codec.writePacs028(request({ msgId: 'x'.repeat(36) }))).toThrow('msgId: must be 1 to 35 characters');
    });
  });

  describe('readCamt029', () => {
    const doc = (sts: string, tx: string): string =>
      `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.029.001.09"><RsltnOfInvstgtn><Assgnmt><Id>A</Id><CreDtTm>2025-03-14T11:00:00Z</CreDtTm></Assgnmt>${sts}<CxlDtls><TxInfAndSts><OrgnlEndToEndId>E-1</OrgnlEndToEndId>${tx}</TxInfAndSts></CxlDtls></RsltnOfInvstgtn></Document>`;

    it('maps TxCxlSts ACCR to CNCL and lets TxCxlSts win over Sts/Conf', () => {
      const accr = codec.readCamt029(parsed('camt.029.001.09', doc('<Sts><Conf>CNCL</Conf></Sts>', '<TxCxlSts>ACCR</TxCxlSts>')));
      expect(accr).toMatchObject({ status: 'CNCL', confirmation: 'CNCL', transactionStatus: 'ACCR' });
      const pdcr = codec.readCamt029(parsed('camt.029.001.09', doc('<Sts><Conf>CNCL</Conf></Sts>', '<TxCxlSts>PDCR</TxCxlSts>')));
      expect(pdcr.status).toBe('PDCR');
    });

    it('reads a proprietary reason and joins AddtlInf lines', () => {
      const r = codec.readCamt029(
        parsed(
          'camt.029.001.09',
          doc(
            '<Sts><Conf>RJCR</Conf></Sts>',
            '<CxlStsRsnInf><Rsn><Prtry>X-99</Prtry></Rsn><AddtlInf>ab</AddtlInf><AddtlInf>cd</AddtlInf></CxlStsRsnInf>',
          ),
        ),
      );
      expect(r).toMatchObject({ status: 'RJCR', reasonCode: 'X-99', reasonText: 'abcd', original: { endToEndId: 'E-1', group: null } });
    });

    it('refuses another message type', () => {
      expect(() => codec.readCamt029(parsed('camt.056.001.08', '<Document/>'))).toThrow('expected a camt.029, got camt.056.001.08');
    });
  });

  describe('AppHdr', () => {
    const original: AppHeader = {
      version: 'head.001.001.02',
      from: 'CLWYNL2A',
      to: 'CLWYDEFF',
      bizMsgIdr: 'B-1',
      msgDefIdr: 'pacs.008.001.08',
      bizSvc: 'swift.cbprplus.02',
      creationDate: '2025-03-14T09:00:00Z',
    };

    it('answers with Fr/To swapped, BizSvc copied and Rltd, and validates against the loaded head.001.001.02', () => {
      const input = codec.replyAppHdr(original, { bizMsgIdr: 'B-2', msgDefIdr: 'pacs.002.001.10', creationDate: '2025-03-14T10:00:00Z' });
      expect(input).toMatchObject({
        version: 'head.001.001.02',
        from: headerParty('CLWYDEFF'),
        to: headerParty('CLWYNL2A'),
        bizSvc: 'swift.cbprplus.02',
        related: original,
      });
      const xml = codec.writeAppHdr(input);
      expect(xml.indexOf('<BizMsgIdr>B-2</BizMsgIdr>')).toBeLessThan(xml.indexOf('<Rltd>'));
      expect(xml.slice(xml.indexOf('<Rltd>'))).toContain('<BizMsgIdr>B-1</BizMsgIdr>');
    });

    it('a non-BIC id becomes Othr/Id; an unknown header version cannot be answered', () => {
      expect(headerParty('021000021')).toMatchObject({ bic: null, otherId: '021000021' });
      expect(() =>
        codec.replyAppHdr(
          { ...original, version: 'head.001.001.03' },
          { bizMsgIdr: 'B', msgDefIdr: 'x', creationDate: '2025-03-14T10:00:00Z' },
        ),
      ).toThrow(RangeError);
    });

    it('wraps without the inner XML declarations, in the envelope asked for, and parse() reads it back', () => {
      const doc = codec.writePacs002({
        msgId: 'S-1',
        creationDateTime: '2025-03-14T10:00:00Z',
        instructingAgent: null,
        instructedAgent: null,
        original: {
          msgId: 'M-1',
          msgNmId: 'pacs.008.001.08',
          creationDateTime: null,
          instrId: null,
          endToEndId: 'E-1',
          txId: null,
          uetr: null,
          amount: null,
          settlementDate: null,
        },
        status: 'ACSC',
        reason: null,
        acceptanceDateTime: null,
      });
      const hdr = codec.writeAppHdr(
        codec.replyAppHdr(original, { bizMsgIdr: 'B-2', msgDefIdr: 'pacs.002.001.10', creationDate: '2025-03-14T10:00:00Z' }),
      );
      const wrapped = codec.wrapWithAppHdr(doc, hdr, 'RequestPayload');
      expect(wrapped.match(/<\?xml/g)).toHaveLength(1);
      const back = codec.parse(wrapped);
      expect(back).toMatchObject({
        envelope: 'RequestPayload',
        messageType: 'pacs.002.001.10',
        appHeader: { from: 'CLWYDEFF', to: 'CLWYNL2A', bizMsgIdr: 'B-2' },
      });
      expect(() => wrapWithAppHdr(doc, hdr, 'bad name')).toThrow(RangeError);
    });
  });
});
