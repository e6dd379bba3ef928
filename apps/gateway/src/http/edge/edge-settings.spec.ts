import { ConfigError, loadEdgeConfig } from '../../gateway.config.js';
import { isPublicRoute } from './edge.js';
import { requestIdOf } from './request-id.js';
import { addressMatcher } from './source-addresses.js';

describe('the HTTP edge settings', () => {
  it('has the documented defaults', () => {
    expect(loadEdgeConfig({})).toEqual({
      trustedProxies: [],
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      connectionIdleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 5_000,
      maxConnectionsPerSource: 64,
      authThrottleFailures: 5,
      authThrottleWindowSeconds: 60,
      authThrottleMaxSeconds: 900,
      tls: null,
      apiDocs: 'public',
      hostTls: null,
      amqpTls: null,
    });
    expect(loadEdgeConfig({ NODE_ENV: 'production' }).apiDocs).toBe('off');
    expect(loadEdgeConfig({ NODE_ENV: 'production', API_DOCS: 'auth' }).apiDocs).toBe('auth');
  });

  it('refuses settings that cannot work, naming them', () => {
    expect(() => loadEdgeConfig({ TLS_CERT_FILE: '/c.pem' })).toThrow(/TLS_CERT_FILE and TLS_KEY_FILE/);
    expect(() => loadEdgeConfig({ TRUSTED_PROXIES: '10.0.0.1, example.com' })).toThrow(/TRUSTED_PROXIES: "example.com"/);
    expect(() => loadEdgeConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' })).toThrow(/HEADERS_TIMEOUT_MS/);
    expect(() => loadEdgeConfig({ API_DOCS: 'yes' })).toThrow(ConfigError);
    expect(() => loadEdgeConfig({ AMQP_TLS_CA_FILE: '/ca.pem', AMQP_URL: 'amqp://broker' })).toThrow(/amqps/);
    expect(() => loadEdgeConfig({ HOST_TLS_CERT_FILE: '/c.pem' })).toThrow(/HOST_TLS_CERT_FILE and HOST_TLS_KEY_FILE/);
    expect(() => loadEdgeConfig({ HOST_TLS_CA_FILE: '/ca.pem', LEGACY_HOST_URL: 'http://host' })).toThrow(/https/);
  });

  it('reads TLS files and trusted proxies', () => {
    const edge = loadEdgeConfig({
      TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7,fd00::/8',
      TLS_CERT_FILE: '/etc/clearway/tls.crt',
      TLS_KEY_FILE: '/etc/clearway/tls.key',
      AMQP_URL: 'amqps://broker',
      AMQP_TLS_CA_FILE: '/etc/clearway/broker-ca.pem',
    });
    expect(edge.trustedProxies).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
    expect(edge.tls).toEqual({ certFile: '/etc/clearway/tls.crt', keyFile: '/etc/clearway/tls.key' });
    expect(edge.amqpTls).toEqual({ caFile: '/etc/clearway/broker-ca.pem', certFile: null, keyFile: null });
  });
});

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
