// SPDX-License-Identifier: Apache-2.0
import { FieldReader, invalidFields, jsonFields, jsonTypeOf } from './json-fields.js';
import { ProblemException } from './problem.js';

function problemOf(fn: () => unknown): ProblemException {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProblemException) return e;
    throw e;
  }
  throw new Error('no problem was thrown');
}

describe('jsonFields', () => {
  it('reads own fields only, __proto__ and constructor included as plain keys', () => {
    const fields = jsonFields(JSON.parse('{"__proto__":{"balance":"1"},"constructor":"x","a":1}'));
    expect(fields).toEqual(
      new Map<string, unknown>([
        ['__proto__', { balance: '1' }],
        ['constructor', 'x'],
        ['a', 1],
      ]),
    );
  });

  it('answers null for no body and not-an-object for arrays and scalars', () => {
    for (const none of [undefined, null, '']) expect(jsonFields(none)).toBeNull();
    for (const other of [[], [1], 'text', 5, true]) expect(jsonFields(other)).toBe('not-an-object');
  });
});

describe('FieldReader', () => {
  const rule = { maxLength: 5, pattern: /^[a-z]+$/, expected: 'a short word' };

  it('answers a string field that follows its rule', () => {
    const r = new FieldReader(new Map([['w', 'abc']]));
    expect(r.string('w', rule)).toBe('abc');
    expect(r.string('missing', rule)).toBeUndefined();
    expect(() => r.problem('X.CODE')).not.toThrow();
  });

  it.each([
    [123, 'must be a short word, not a number'],
    [{ code: 'x' }, 'must be a short word, not an object'],
    [['abc'], 'must be a short word, not an array'],
    [null, 'must be a short word, not null'],
    [true, 'must be a short word, not a boolean'],
    ['toolong', 'must be a short word'],
    ['ABC', 'must be a short word'],
  ])('names the field when it is %p', (value, message) => {
    const r = new FieldReader(new Map([['w', value]]));
    expect(r.string('w', rule)).toBeUndefined();
    const p = problemOf(() => r.problem('REQUEST.INVALID_FIELD'));
    expect(p.getStatus()).toBe(400);
    expect(p.problem).toMatchObject({ code: 'REQUEST.INVALID_FIELD', detail: `w ${message}`, errors: [{ path: 'w', message }] });
  });

  it('reads JSON null as absent when the field is nullable, and reports a missing required field', () => {
    const r = new FieldReader(new Map<string, unknown>([['n', null]]));
    expect(r.string('n', { ...rule, nullable: true })).toBeUndefined();
    expect(r.issues).toEqual([]);
    r.string('req', { ...rule, required: true });
    expect(r.issues).toEqual([{ path: 'req', message: 'is required: it must be a short word' }]);
  });

  it('gathers every wrong field into one problem', () => {
    const r = new FieldReader(
      new Map<string, unknown>([
        ['a', 1],
        ['b', {}],
      ]),
    );
    r.string('a', rule);
    r.string('b', rule);
    const p = problemOf(() => r.problem('REQUEST.INVALID_FIELD'));
    expect(p.problem.errors!.map((e) => e.path)).toEqual(['a', 'b']);
  });
});

describe('invalidFields and jsonTypeOf', () => {
  it('writes "body" for an issue about the whole body', () => {
    expect(invalidFields('C', [{ path: '', message: 'must be an object' }]).problem.detail).toBe('body must be an object');
  });

  it('names JSON types as a client would', () => {
    expect([null, [], {}, 1, false, 's'].map(jsonTypeOf)).toEqual(['null', 'an array', 'an object', 'a number', 'a boolean', 'string']);
  });
});
