// SPDX-License-Identifier: Apache-2.0
import { ProblemException } from './problem.js';
import { parseTime } from './transactions.controller.js';

describe('parseTime (the from/to bounds of GET /v1/transactions)', () => {
  it.each([
    ['2026-11-01T00:00:00Z', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T00:00Z', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T01:00:00.123+01:00', '2026-11-01T00:00:00.123Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
  ])('takes ISO 8601 %s', (value, iso) => {
    expect(parseTime('from', value)!.toISOString()).toBe(iso);
  });

  it('reads a bound before 1970 as the epoch (no payment is older; the DynamoDB store cannot key a negative time)', () => {
    expect(parseTime('from', '1900-01-01T00:00:00Z')!.getTime()).toBe(0);
    expect(parseTime('to', '1969-12-31')!.getTime()).toBe(0);
  });

  it.each(['notadate', '0', '-1', 'Tue Mar 05 2024', '2026-13-45', '2026-02-30T25:00:00Z', '+275760-09-13T00:00:00.000Z', ''])(
    'refuses %p with 400 REQUEST.INVALID_QUERY',
    (value) => {
      let error: unknown;
      try {
        parseTime('from', value);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ProblemException);
      expect((error as ProblemException).problem).toMatchObject({ status: 400, code: 'REQUEST.INVALID_QUERY' });
    },
  );

  it('answers nothing for an absent bound', () => {
    expect(parseTime('to', undefined)).toBeUndefined();
  });
});
