import type { Camt029, Pacs002Status } from '#iso20022';
import { cancellationOutcomeFromCamt029, HostProtocolError, outcomeFromPacs002, returnOutcomeFromPacs002 } from './host-answers.js';

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
    expect(returnOutcomeFromPacs002(report({ status: 'RJCT', reasonCode: 'AC04' }), 'r', UETR)).toMatchObject({ kind: 'rejected', reasonCode: 'AC04' });
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
    expect(cancellationOutcomeFromCamt029(resolution({ status: 'RJCR', reasonCode: 'CUST', reasonText: 'too late' }), '<c/>', UETR)).toEqual({
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
