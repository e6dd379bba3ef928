// SPDX-License-Identifier: Apache-2.0
import { ProblemException } from '../http/problem.js';
import { intParam, redriveBody, referenceParam } from './operator.controller.js';

describe('operator API input', () => {
  it('takes exactly one reference, of a sane length', () => {
    expect(referenceParam({ uetr: 'U' })).toEqual({ uetr: 'U' });
    expect(referenceParam({ endToEndId: 'E' })).toEqual({ endToEndId: 'E' });
    for (const q of [{}, { uetr: 'u', msgId: 'm' }, { msgId: '' }, { msgId: 'x'.repeat(65) }]) {
      expect(() => referenceParam(q)).toThrow(expect.objectContaining({ code: 'REQUEST.INVALID_QUERY' }));
    }
  });

  it('reads integer query parameters within bounds, with a default', () => {
    expect(intParam('limit', undefined, 100, 1, 500)).toBe(100);
    expect(intParam('limit', '7', 100, 1, 500)).toBe(7);
    for (const v of ['0', '501', '1.5', '-1', 'ten', '1e2']) {
      expect(() => intParam('limit', v, 100, 1, 500)).toThrow(expect.objectContaining({ code: 'REQUEST.INVALID_QUERY' }));
    }
  });

  it('reads a re-drive body, and answers one 400 naming every wrong field', () => {
    expect(redriveBody({ transactionIds: ['00000000-0000-4000-8000-00000000000A'], dryRun: true })).toEqual({
      selection: { transactionIds: ['00000000-0000-4000-8000-00000000000a'] },
      dryRun: true,
    });
    expect(redriveBody({ deadLettered: true, stuckOlderThanSeconds: 60 })).toEqual({
      selection: { deadLettered: true, stuckOlderThanSeconds: 60 },
      dryRun: false,
    });
    let problem: unknown = null;
    try {
      redriveBody({ transactionIds: 'x', deadLettered: 'yes', stuckOlderThanSeconds: -1, dryRun: 1, extra: 1 });
    } catch (e) {
      problem = e;
    }
    expect(problem).toBeInstanceOf(ProblemException);
    const p = problem as ProblemException;
    expect(p.getStatus()).toBe(400);
    expect(p.problem.errors?.map((i) => i.path)).toEqual(['transactionIds', 'deadLettered', 'stuckOlderThanSeconds', 'dryRun', 'extra']);
    for (const body of [null, [], 'x', {}, { dryRun: true }]) {
      expect(() => redriveBody(body)).toThrow(expect.objectContaining({ code: 'REQUEST.INVALID_BODY' }));
    }
  });
});
