// SPDX-License-Identifier: Apache-2.0
import { JwtStrategy, tokenScopes } from './jwt.strategy.js';

describe('tokenScopes', () => {
  it('reads a space-separated scope claim', () => {
    expect(tokenScopes({ scope: 'payments:read  rp2/write' })).toEqual(['payments:read', 'rp2/write']);
  });

  it('reads scp as a string (Entra) or as an array', () => {
    expect(tokenScopes({ scp: 'payments:read payments:write' })).toEqual(['payments:read', 'payments:write']);
    expect(tokenScopes({ scp: ['payments:read', 7, ''] })).toEqual(['payments:read']);
  });

  it('gives no scope for claims of any other type, instead of throwing', () => {
    expect(tokenScopes({ scope: 123 })).toEqual([]);
    expect(tokenScopes({ scope: { a: 1 }, scp: null })).toEqual([]);
    expect(tokenScopes({})).toEqual([]);
  });
});

describe('JwtStrategy.validate', () => {
  // validate reads only the payload; the strategy's keys and config play no part in it
  const validate = (payload: Record<string, unknown>) => JwtStrategy.prototype.validate.call(null, payload);

  it('takes the client id from sub and expands scope aliases', () => {
    expect(validate({ sub: 'bank-a', scope: 'rp2/read' })).toEqual({ clientId: 'bank-a', scopes: ['rp2/read', 'payments:read'] });
  });

  it('refuses a token whose sub is missing, empty or not a string', () => {
    for (const sub of [undefined, '', 42, { id: 'x' }, ['bank-a']]) expect(validate({ sub, scope: 'payments:read' })).toBe(false);
  });

  it('gives a token with a prototype-named scope nothing more than that scope', () => {
    expect(validate({ sub: 'bank-a', scope: 'constructor __proto__' })).toEqual({
      clientId: 'bank-a',
      scopes: ['constructor', '__proto__'],
    });
  });
});
