// SPDX-License-Identifier: Apache-2.0
import { isPublicRoute } from './edge.js';
import { requestIdOf } from './request-id.js';
import { addressMatcher } from './source-addresses.js';

// The settings themselves (defaults, refusals) are tested with the configuration: apps/gateway/src/config/configuration.spec.ts.

describe('addressMatcher (TRUSTED_PROXIES)', () => {
  const trusted = addressMatcher(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
  it.each([
    ['10.1.2.3', true],
    ['::ffff:10.1.2.3', true],
    ['192.168.1.7', true],
    ['192.168.1.8', false],
    ['fd12::1', true],
    ['2001:db8::1', false],
    ['127.0.0.1', false],
  ])('%s trusted: %s', (address, expected) => {
    expect(trusted(address)).toBe(expected);
  });
  it('trusts nobody when empty', () => {
    expect(addressMatcher([])('127.0.0.1')).toBe(false);
  });
});

describe('requestIdOf', () => {
  it('keeps a sane X-Request-Id and replaces anything else by a UUID', () => {
    expect(requestIdOf({ headers: { 'x-request-id': 'abc-123_x.y:z' } })).toBe('abc-123_x.y:z');
    for (const bad of ['', 'a b', 'x'.repeat(129), 'line\nbreak', '<script>']) {
      expect(requestIdOf({ headers: { 'x-request-id': bad } })).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(requestIdOf({ headers: {} })).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('isPublicRoute', () => {
  it.each([
    ['POST', '/oauth2/token', 'public', true],
    ['GET', '/.well-known/jwks.json', 'off', true],
    ['GET', '/health/ready', 'off', true],
    ['GET', '/', 'off', true],
    ['POST', '/', 'off', false],
    ['GET', '/docs', 'public', true],
    ['GET', '/docs', 'auth', false],
    ['GET', '/docs-json', 'auth', false],
    ['POST', '/v1/inbox', 'public', false],
    ['POST', '/inbox', 'public', false],
    ['GET', undefined, 'public', false],
  ] as const)('%s %s with API_DOCS=%s: %s', (method, route, docs, expected) => {
    expect(isPublicRoute(method, route, docs)).toBe(expected);
  });
});
