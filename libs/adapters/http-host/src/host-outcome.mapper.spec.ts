import type { Pacs002Status } from '#iso20022';
import { HostProtocolError, outcomeFromPacs002 } from './host-outcome.mapper.js';

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
