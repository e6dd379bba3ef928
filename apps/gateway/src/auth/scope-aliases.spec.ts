// SPDX-License-Identifier: Apache-2.0
import { expandScopes, mayRequest } from './scope-aliases.js';

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe('scope aliases', () => {
  it('grants the Clearway scope an AWS guidance alias stands for', () => {
    expect(mayRequest('rp2/read', ['payments:read'])).toBe(true);
    expect(mayRequest('rp2/write', ['payments:read'])).toBe(false);
    expect(expandScopes(['rp2/write'])).toEqual(['rp2/write', 'payments:write']);
  });

  it.each(PROTOTYPE_NAMES)('treats %s as an unknown scope, not as a property of Object.prototype', (name) => {
    expect(mayRequest(name, ['payments:read', 'payments:write'])).toBe(false);
    expect(expandScopes([name, 'payments:read'])).toEqual([name, 'payments:read']);
  });

  it('still lets a client ask for a scope it holds, whatever its name', () => {
    expect(mayRequest('constructor', ['constructor'])).toBe(true);
  });
});
