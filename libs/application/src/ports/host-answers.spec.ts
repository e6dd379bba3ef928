// SPDX-License-Identifier: Apache-2.0
import { Iso20022Codec, type Camt029, type Pacs002Status } from '#iso20022';
import { hostReport } from '../../../../test/support/host-reports.js';
import {
  answerKindOf,
  cancellationOutcomeFromCamt029,
  HostProtocolError,
  outcomeFromPacs002,
  readHostAnswer,
  returnOutcomeFromPacs002,
  statusOutcomeFromPacs002,
} from './host-answers.js';
import { statusRequestKey } from './legacy-host.port.js';

const UETR = '8a562c67-ca16-48ba-b074-65581be6f011';
const report = (over: Partial<Pacs002Status>): Pacs002Status => ({
  originalMsgId: 'M1',
  originalEndToEndId: 'E1',
  originalUetr: UETR,
  status: 'ACSC',
  reasonCode: null,
  reasonText: null,
  ...over,
});

describe('outcomeFromPacs002', () => {
  it('maps ACSC to settled and keeps the report', () => {
    expect(outcomeFromPacs002(report({}), '<xml/>', UETR)).toEqual({ kind: 'settled', statusReport: '<xml/>' });
  });

  it('maps RJCT with its reason code and text', () => {
    expect(outcomeFromPacs002(report({ status: 'RJCT', reasonCode: 'AC04', reasonText: 'closed account' }), 'x', UETR)).toEqual({
      kind: 'rejected',
      reasonCode: 'AC04',
      reasonText: 'closed account',
      statusReport: 'x',
    });
  });

  it('gives a rejection without a code the NARR code', () => {
    const out = outcomeFromPacs002(report({ status: 'RJCT' }), 'x', null);
    expect(out).toMatchObject({ kind: 'rejected', reasonCode: 'NARR' });
  });

  it.each(['ACSP', 'ACTC', 'PDNG', 'RCVD'])('maps %s to pending', (status) => {
    expect(outcomeFromPacs002(report({ status }), 'x', UETR)).toEqual({ kind: 'pending', statusReport: 'x' });
  });

  it('refuses an unknown or missing status and a report about another UETR', () => {
    expect(() => outcomeFromPacs002(report({ status: 'XXXX' }), 'x', UETR)).toThrow(HostProtocolError);
    expect(() => outcomeFromPacs002(report({ status: null }), 'x', UETR)).toThrow(HostProtocolError);
    expect(() => outcomeFromPacs002(report({}), 'x', 'eb6305c9-1f7f-49de-aed0-16487c27b42d')).toThrow(/not eb6305c9/);
    // case of the UETR does not matter
    expect(outcomeFromPacs002(report({}), 'x', UETR.toUpperCase()).kind).toBe('settled');
  });
});

describe('returnOutcomeFromPacs002', () => {
  it('maps ACSC to accepted, RJCT to rejected, and checks the UETR', () => {
    expect(returnOutcomeFromPacs002(report({}), 'r', UETR)).toEqual({ kind: 'accepted', statusReport: 'r' });
    expect(returnOutcomeFromPacs002(report({ status: 'RJCT', reasonCode: 'AC04' }), 'r', UETR)).toMatchObject({
      kind: 'rejected',
      reasonCode: 'AC04',
    });
    expect(returnOutcomeFromPacs002(report({ status: 'ACSP' }), 'r', UETR)).toEqual({ kind: 'pending', statusReport: 'r' });
    expect(() => returnOutcomeFromPacs002(report({}), 'r', 'eb6305c9-1f7f-49de-aed0-16487c27b42d')).toThrow(HostProtocolError);
  });
});

describe('cancellationOutcomeFromCamt029', () => {
  const resolution = (over: Partial<Camt029>): Camt029 => ({
    messageType: 'camt.029.001.09',
    assignmentId: 'A',
    creationDateTime: '2025-03-14T10:00:00Z',
    caseId: null,
    status: 'CNCL',
    confirmation: 'CNCL',
    transactionStatus: null,
    reasonCode: null,
    reasonText: null,
    original: { group: null, instrId: null, endToEndId: 'E1', txId: null, uetr: UETR },
    ...over,
  });

  it('maps CNCL, RJCR (with its reason) and PDCR, keeping the camt.029', () => {
    expect(cancellationOutcomeFromCamt029(resolution({}), '<c/>', UETR)).toEqual({ kind: 'cancelled', resolution: '<c/>' });
    expect(
      cancellationOutcomeFromCamt029(resolution({ status: 'RJCR', reasonCode: 'CUST', reasonText: 'too late' }), '<c/>', UETR),
    ).toEqual({
      kind: 'refused',
      reasonCode: 'CUST',
      reasonText: 'too late',
      resolution: '<c/>',
    });
    expect(cancellationOutcomeFromCamt029(resolution({ status: 'PDCR' }), '<c/>', null)).toEqual({ kind: 'pending', resolution: '<c/>' });
  });

  it('refuses another status or a camt.029 about another payment', () => {
    expect(() => cancellationOutcomeFromCamt029(resolution({ status: 'MODI' }), 'x', UETR)).toThrow(/"MODI"/);
    expect(() => cancellationOutcomeFromCamt029(resolution({ status: null }), 'x', UETR)).toThrow(/no status/);
    expect(() => cancellationOutcomeFromCamt029(resolution({}), 'x', 'eb6305c9-1f7f-49de-aed0-16487c27b42d')).toThrow(/not eb6305c9/);
  });
});

describe('statusOutcomeFromPacs002 (the answer to a pacs.028)', () => {
  it('maps RJCT NOOR to unknown (the host has no record), never to a rejection', () => {
    expect(statusOutcomeFromPacs002(report({ status: 'RJCT', reasonCode: 'NOOR', reasonText: 'never received' }), 's', UETR)).toEqual({
      kind: 'unknown',
      reasonCode: 'NOOR',
      reasonText: 'never received',
      statusReport: 's',
    });
    expect(statusOutcomeFromPacs002(report({ status: 'RJCT', reasonCode: 'noor' }), 's', UETR).kind).toBe('unknown');
  });

  it('maps the other answers as a pacs.002 to the payment, with the same UETR check', () => {
    expect(statusOutcomeFromPacs002(report({}), 's', UETR)).toEqual({ kind: 'settled', statusReport: 's' });
    expect(statusOutcomeFromPacs002(report({ status: 'RJCT', reasonCode: 'AC04' }), 's', UETR)).toMatchObject({
      kind: 'rejected',
      reasonCode: 'AC04',
    });
    expect(statusOutcomeFromPacs002(report({ status: 'PDNG' }), 's', UETR)).toEqual({ kind: 'pending', statusReport: 's' });
    expect(() =>
      statusOutcomeFromPacs002(report({ status: 'RJCT', reasonCode: 'NOOR' }), 's', 'eb6305c9-1f7f-49de-aed0-16487c27b42d'),
    ).toThrow(HostProtocolError);
  });
});

describe('statusRequestKey', () => {
  it('numbers each inquiry of a payment', () => {
    expect(statusRequestKey(UETR, 1)).toBe(`${UETR}:status:1`);
    expect(statusRequestKey('tx-1', 12)).toBe('tx-1:status:12');
    expect(() => statusRequestKey(UETR, 0)).toThrow(RangeError);
  });
});

describe('readHostAnswer: one reading of every host answer, whatever the transport', () => {
  let codec: Iso20022Codec;
  const OTHER = 'eb6305c9-1f7f-49de-aed0-16487c27b42d';
  const agent = { bic: 'CLWYDEFF', clearingSystem: null, memberId: null, name: null };
  const camt029 = (status: 'CNCL' | 'RJCR', uetr: string): string =>
    codec.writeCamt029({
      assignmentId: 'A-1',
      creationDateTime: '2026-03-01T10:00:00Z',
      assigner: agent,
      assignee: agent,
      resolvedCase: null,
      status,
      cancellationStatusId: null,
      original: {
        group: { msgId: 'MSG0001', msgNmId: 'pacs.008.001.08', creationDateTime: null },
        instrId: null,
        endToEndId: 'E2E0001',
        txId: null,
        uetr,
      },
      reason: status === 'RJCR' ? { code: 'CUST', text: null } : null,
      originalAmount: null,
      originalSettlementDate: null,
    });

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
  });
  afterAll(() => codec.dispose());

  it('reads each kind of answer by its rule', () => {
    const acsc = hostReport(codec, 'ACSC', null, UETR);
    expect(readHostAnswer(codec, 'payment', acsc, { uetr: UETR })).toEqual({ kind: 'settled', statusReport: acsc });
    expect(readHostAnswer(codec, 'return', acsc, { uetr: UETR })).toEqual({ kind: 'accepted', statusReport: acsc });
    expect(readHostAnswer(codec, 'status', acsc, { uetr: UETR })).toEqual({ kind: 'settled', statusReport: acsc });
    const noor = hostReport(codec, 'RJCT', { code: 'NOOR', text: 'no record' }, UETR);
    expect(readHostAnswer(codec, 'status', noor, { uetr: UETR })).toMatchObject({ kind: 'unknown', reasonCode: 'NOOR' });
    const cncl = camt029('CNCL', UETR);
    expect(readHostAnswer(codec, 'cancellation', cncl, { uetr: UETR })).toEqual({ kind: 'cancelled', resolution: cncl });
  });

  it.each(['payment', 'return', 'status', 'cancellation'] as const)('refuses a %s answer about another payment', (kind) => {
    const xml = kind === 'cancellation' ? camt029('CNCL', OTHER) : hostReport(codec, 'ACSC', null, OTHER);
    expect(() => readHostAnswer(codec, kind, xml, { uetr: UETR })).toThrow(new RegExp(`for UETR ${OTHER}, not ${UETR}`));
  });

  it('refuses an answer that is not the message expected', () => {
    expect(() => readHostAnswer(codec, 'cancellation', hostReport(codec, 'ACSC'), { uetr: UETR })).toThrow(
      /not a valid camt\.029 \(ISO20022\.UNSUPPORTED_MESSAGE\)/,
    );
    expect(() => readHostAnswer(codec, 'status', '<not-a-report/>', { uetr: UETR })).toThrow(/not a valid pacs\.002/);
  });

  it('knows the answer kind of each request type', () => {
    expect(['pacs.008.001.08', 'camt.056.001.08', 'pacs.004.001.09', 'pacs.028.001.03', 'pacs.009.001.08'].map(answerKindOf)).toEqual([
      'payment',
      'cancellation',
      'return',
      'status',
      null,
    ]);
  });
});
