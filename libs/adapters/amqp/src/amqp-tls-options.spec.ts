// SPDX-License-Identifier: Apache-2.0
import { amqpSocketOptions } from './amqp-session.js';

describe('amqpSocketOptions: TLS towards the broker', () => {
  const ca = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
  const cert = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
  const key = '-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n';

  it('names the connection and adds nothing else without TLS options', () => {
    expect(amqpSocketOptions('amqp://127.0.0.1', 'gw', undefined)).toEqual({ clientProperties: { connection_name: 'gw' } });
  });

  it('passes the CA, the client certificate and its key to tls.connect, always verifying the broker', () => {
    expect(amqpSocketOptions('amqps://broker:5671/vh', 'gw', { ca, cert, key })).toEqual({
      clientProperties: { connection_name: 'gw' },
      ca: [ca],
      cert,
      key,
      rejectUnauthorized: true,
    });
  });

  it('takes a CA alone (server authentication only)', () => {
    const options = amqpSocketOptions('amqps://broker', 'gw', { ca });
    expect(options.ca).toEqual([ca]);
    expect(options).not.toHaveProperty('cert');
  });

  it('refuses TLS options with a plain amqp:// URL, and a certificate without its key', () => {
    expect(() => amqpSocketOptions('amqp://broker', 'gw', { ca })).toThrow(/amqps/);
    expect(() => amqpSocketOptions('amqps://broker', 'gw', { cert })).toThrow(/go together/);
  });
});
