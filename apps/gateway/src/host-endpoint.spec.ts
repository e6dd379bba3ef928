// SPDX-License-Identifier: Apache-2.0
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { loadConfiguration } from './config/configuration.js';
import { HostEndpoint } from './host-endpoint.js';

describe('HostEndpoint: where the HTTP legacy host is, worked out at start (never patched into configuration)', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['error', 'warn', 'log']));

  it('is LEGACY_HOST_URL when it is set, and nothing in core mode or for ROLE=api without it', async () => {
    const c = loadConfiguration({ LEGACY_HOST_URL: 'https://host.example:8443' });
    expect((await HostEndpoint.resolve(c.host, c.intake.schemaDir)).url).toBe('https://host.example:8443');
    for (const env of [{ MODE: 'core' }, { ROLE: 'api' }]) {
      const other = loadConfiguration(env);
      expect((await HostEndpoint.resolve(other.host, other.intake.schemaDir)).url).toBeNull();
    }
  });

  describe('without LEGACY_HOST_URL in proxy mode', () => {
    let sim: Server;
    let port: number;
    beforeAll(async () => {
      // a simulator already answering on SIM_PORT: used as it is, none is started
      sim = createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end());
      await new Promise<void>((ok) => sim.listen(0, '127.0.0.1', ok));
      port = (sim.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((ok) => sim.close(() => ok())));

    it('is the simulator on SIM_PORT', async () => {
      const c = loadConfiguration({ SIM_PORT: String(port) });
      expect(c.host.useSimulator).toBe(true);
      const endpoint = await HostEndpoint.resolve(c.host, c.intake.schemaDir);
      expect(endpoint.url).toBe(`http://127.0.0.1:${port}`);
      endpoint.onApplicationShutdown(); // one it did not start is left alone
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      expect(res.status).toBe(200);
    });
  });
});
