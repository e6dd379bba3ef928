import { tokenScopes } from './jwt.strategy.js';

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
