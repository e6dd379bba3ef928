// SPDX-License-Identifier: Apache-2.0
import { reasonOf } from './decisions.controller.js';
import { ProblemException } from './problem.js';

function problemOf(body: unknown) {
  try {
    reasonOf(body);
  } catch (e) {
    if (e instanceof ProblemException) return { ...e.problem, httpStatus: e.getStatus() };
    throw e;
  }
  throw new Error(`no problem for ${JSON.stringify(body)}`);
}

describe('reasonOf (the body of reject, cancel and return)', () => {
  it('reads a reason code and a narrative', () => {
    expect(reasonOf({ reasonCode: 'AM04', reason: 'not enough' })).toEqual({ code: 'AM04', text: 'not enough' });
    expect(reasonOf({ reasonText: 'by phone' })).toEqual({ code: 'NARR', text: 'by phone' });
    expect(reasonOf({ reason: null, reasonCode: 'CUST' })).toEqual({ code: 'CUST', text: null });
  });

  it('answers no reason for no body, JSON null or an empty object', () => {
    expect(reasonOf(undefined)).toBeNull();
    expect(reasonOf(null)).toBeNull();
    expect(reasonOf({})).toBeNull();
  });

  it.each([
    [{ reason: { code: 123 } }, 'reason'],
    [{ reason: { code: 'AM04', text: {} } }, 'reason'],
    [{ reason: ['x'] }, 'reason'],
    [{ reason: 5 }, 'reason'],
    [{ reasonText: false }, 'reasonText'],
    [{ reason: 'x'.repeat(106) }, 'reason'],
    [{ reason: 'a\u0001b' }, 'reason'],
    [{ reason: '\ud800' }, 'reason'],
  ])('refuses %p with 400 REQUEST.INVALID_BODY naming %s', (body, path) => {
    const p = problemOf(body);
    expect(p).toMatchObject({ status: 400, httpStatus: 400, code: 'REQUEST.INVALID_BODY' });
    expect(p.errors).toEqual([expect.objectContaining({ path })]);
  });

  it.each([{ reasonCode: 123 }, { reasonCode: ['AM04'] }, { reasonCode: null }, { reasonCode: 'am04' }, { reasonCode: {} }])(
    'refuses %p with 400 REQUEST.INVALID_REASON_CODE naming reasonCode',
    (body) => {
      const p = problemOf(body);
      expect(p).toMatchObject({
        status: 400,
        httpStatus: 400,
        code: 'REQUEST.INVALID_REASON_CODE',
        errors: [expect.objectContaining({ path: 'reasonCode' })],
      });
    },
  );

  it.each([[[]], ['text'], [42], [true]])('refuses a body that is not an object (%p) with 400 REQUEST.INVALID_BODY', (body) => {
    expect(problemOf(body)).toMatchObject({ status: 400, httpStatus: 400, code: 'REQUEST.INVALID_BODY', errors: [{ path: '' }] });
  });
});
