// SPDX-License-Identifier: Apache-2.0
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { HostUnavailableError, type HostMessage } from '#application';
import { Iso20022Codec } from '#iso20022';
import { HOST_SPEC_MESSAGE, HOST_SPEC_UETR, hostReport } from '../../../../test/support/host-reports.js';
import { makeTestPki, type TestPki } from '../../../../test/support/test-certs.js';
import { HttpLegacyHost } from './index.js';

const quiet = { warn: () => undefined, debug: () => undefined };

/** The HTTP host adapter over TLS: a loopback https server with a private CA that asks for a client certificate. */
describe('HttpLegacyHost over TLS with a private CA and a client certificate', () => {
  let codec: Iso20022Codec;
  let pki: TestPki;
  let other: TestPki;
  let server: Server;
  let baseUrl: string;
  let peers: Array<string | null>;

  const delivery: HostMessage = {
    transactionId: '0f9a3c1e-8b7d-4e6f-a5c4-3b2a19087f6e',
    uetr: HOST_SPEC_UETR,
    idempotencyKey: HOST_SPEC_UETR,
    messageType: 'pacs.008.001.08',
    message: HOST_SPEC_MESSAGE,
  };

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
    pki = makeTestPki('host-tls');
    other = makeTestPki('host-tls-other');
    // requestCert + rejectUnauthorized: only clients with a certificate from the test CA get through the handshake
    server = createServer(
      { cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const cn = peer?.subject?.CN;
        peers.push(typeof cn === 'string' ? cn : null);
        req.resume();
        req.on('end', () => {
          if (req.url === '/health') res.writeHead(200).end('ok');
          else res.writeHead(200, { 'content-type': 'application/xml' }).end(hostReport(codec, 'ACSC', null, HOST_SPEC_UETR));
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    peers = [];
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const host = (tls: ConstructorParameters<typeof HttpLegacyHost>[0]['tls']) =>
    new HttpLegacyHost({ baseUrl, codec, tls, timeoutMs: 2000, attempts: 1, logger: quiet });

  it('delivers and reads the pacs.002 when it trusts the private CA and presents its client certificate', async () => {
    const outcome = await host({ ca: pki.ca, cert: pki.client.cert, key: pki.client.key }).deliver(delivery);
    expect(outcome.kind).toBe('settled');
    expect(peers).toEqual(['clearway-gateway']);
  });

  it('pings /health over mutual TLS', async () => {
    await expect(host({ ca: pki.ca, cert: pki.client.cert, key: pki.client.key }).ping()).resolves.toBeUndefined();
    expect(peers).toEqual(['clearway-gateway']);
  });

  it('refuses a host whose certificate does not chain to the configured CA', async () => {
    const call = host({ ca: other.ca, cert: pki.client.cert, key: pki.client.key }).deliver(delivery);
    await expect(call).rejects.toThrow(HostUnavailableError);
    await expect(call).rejects.toThrow(/certificate/i);
    expect(peers).toEqual([]);
  });

  it('is refused by the host without a client certificate', async () => {
    await expect(host({ ca: pki.ca }).deliver(delivery)).rejects.toThrow(HostUnavailableError);
    expect(peers).toEqual([]);
  });

  it('is refused by the host with a client certificate from another CA', async () => {
    await expect(host({ ca: pki.ca, cert: other.client.cert, key: other.client.key }).ping()).rejects.toThrow(HostUnavailableError);
    expect(peers).toEqual([]);
  });

  it('refuses TLS options with an http:// host, and a certificate without its key', () => {
    expect(() => new HttpLegacyHost({ baseUrl: 'http://127.0.0.1:1', codec, tls: { ca: pki.ca } })).toThrow(/https/);
    expect(() => new HttpLegacyHost({ baseUrl, codec, tls: { cert: pki.client.cert } })).toThrow(/go together/);
  });
});
