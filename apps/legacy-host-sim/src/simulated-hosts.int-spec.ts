// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Iso20022Codec } from '#iso20022';
import { buildPacs008, DEFAULT_CREDITOR_IBAN } from '../../../test/support/pacs008.factory.js';
import { startControlServer, type HostView, type RunningControlServer } from './control-server.js';
import { DEFAULT_FAULTS } from './sim.config.js';
import { startSimulators, type RunningSimulators } from './simulator.js';

/** Several named hosts in one process (SIM_HOSTS / startSimulators), over real HTTP. */
describe('simulated hosts', () => {
  let codec: Iso20022Codec;
  let sims: RunningSimulators;

  const url = (name: string) => sims.host(name).url;
  const post = (name: string, xml: string, headers: Record<string, string> = {}) =>
    fetch(`${url(name)}/v1/payments`, { method: 'POST', headers: { 'content-type': 'application/xml', ...headers }, body: xml });
  const json = async (name: string, path: string, init?: RequestInit) => {
    const res = await fetch(`${url(name)}${path}`, init);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const statusOf = (xml: string) => codec.readPacs002(codec.parse(xml)).status;
  /** The error code under a failed fetch (undici wraps it in `cause`). */
  const refused = async (name: string): Promise<string | undefined> => {
    try {
      await fetch(`${url(name)}/health`);
      return undefined;
    } catch (err) {
      return ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    }
  };

  // the default creditor account ends in 4300: rtgs rejects it, the others settle it (wallet rejects 9999)
  const rules: Record<string, { rejectSuffix?: string }> = {
    rtgs: { rejectSuffix: DEFAULT_CREDITOR_IBAN.slice(-4) },
    instant: { rejectSuffix: '' },
    wallet: {},
  };

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
    sims = await startSimulators(
      Object.entries(rules).map(([name, faults]) => ({ name, faults })),
      { codec },
    );
  });
  afterAll(() => sims?.close());
  beforeEach(async () => {
    for (const [name, sim] of sims.hosts) {
      await sim.start();
      sim.setFaults({ ...DEFAULT_FAULTS, ...rules[name] });
      await fetch(`${sim.url}/admin/reset`, { method: 'POST' });
    }
  });

  it('plays three hosts on three ports, each naming itself in /health and /stats', async () => {
    const ports = [...sims.hosts.values()].map((s) => s.port);
    expect(new Set(ports).size).toBe(3);
    for (const name of ['rtgs', 'instant', 'wallet']) {
      expect(await json(name, '/health')).toEqual({ status: 200, body: { status: 'ok', name } });
      expect((await json(name, '/stats')).body).toMatchObject({ name, received: 0, unique: 0 });
    }
    expect(() => sims.host('nope')).toThrow(/no simulated host named "nope"/);
  });

  it('decides each payment by the rules of the host it reached, in that host ledger only', async () => {
    const uetr = randomUUID();
    const xml = buildPacs008({ uetr });
    const atRtgs = await post('rtgs', xml);
    expect(atRtgs.status).toBe(200);
    expect(statusOf(await atRtgs.text())).toBe('RJCT');
    expect(statusOf(await (await post('instant', xml)).text())).toBe('ACSC');
    // wallet keeps the default suffix 9999
    expect(statusOf(await (await post('wallet', buildPacs008({ creditorIban: 'DE89370400440532019999' }))).text())).toBe('RJCT');

    expect((await json('rtgs', '/stats')).body).toMatchObject({ name: 'rtgs', received: 1, unique: 1, accepted: 0, rejected: 1 });
    expect((await json('instant', '/stats')).body).toMatchObject({ name: 'instant', received: 1, unique: 1, accepted: 1, rejected: 0 });
    expect((await json('wallet', `/v1/payments/${uetr}`)).status).toBe(404);
  });

  it('keeps faults per host: one host down or slow leaves the others answering', async () => {
    const change = await json('instant', '/admin/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ down: true }),
    });
    expect(change).toMatchObject({ status: 200, body: { down: true } });
    sims.host('wallet').setFaults({ latencyMs: 400 });

    expect((await post('instant', buildPacs008({}))).status).toBe(503);
    const t0 = Date.now();
    expect((await post('rtgs', buildPacs008({ creditorIban: 'DE89370400440532013000' }))).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(400);
    const t1 = Date.now();
    expect((await post('wallet', buildPacs008({}))).status).toBe(200);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(390);

    expect((await json('rtgs', '/admin/faults')).body).toMatchObject({ down: false, latencyMs: 0, rejectSuffix: '4300' });
    expect((await json('instant', '/stats')).body).toMatchObject({ received: 0 });
  });

  it('stops a host (connections refused) and starts it again on the same port with its ledger intact', async () => {
    const rtgs = sims.host('rtgs');
    const port = rtgs.port;
    const uetr = randomUUID();
    const xml = buildPacs008({ uetr, creditorIban: 'DE89370400440532013000' });
    const first = await (await post('rtgs', xml)).text();
    expect(statusOf(first)).toBe('ACSC');

    await rtgs.stop();
    expect(rtgs.listening).toBe(false);
    expect(await refused('rtgs')).toBe('ECONNREFUSED');
    // the others still answer
    expect((await json('wallet', '/health')).status).toBe(200);

    await rtgs.start();
    expect(rtgs.listening).toBe(true);
    expect(rtgs.port).toBe(port);
    // answered from its record, byte for byte, not decided a second time
    expect(await (await post('rtgs', xml)).text()).toBe(first);
    expect((await json('rtgs', `/v1/payments/${uetr}`)).body).toMatchObject({ status: 'ACSC', deliveries: 2 });
    expect((await json('rtgs', '/stats')).body).toMatchObject({ received: 2, unique: 1, duplicates: 1, accepted: 1 });
  });

  it('stop and start are idempotent and the host closes cleanly while stopped', async () => {
    const extra = await startSimulators([{ name: 'spare' }], { codec });
    const spare = extra.host('spare');
    await Promise.all([spare.stop(), spare.stop()]);
    expect(spare.listening).toBe(false);
    await extra.close();
    expect(spare.listening).toBe(false);
    await expect(spare.start()).rejects.toThrow(/closed/);
  });

  it('counts deliveries and re-deliveries per host and lists what each settled', async () => {
    const keys = Array.from({ length: 5 }, () => randomUUID());
    // three to instant (one delivered three times), two to wallet (one twice)
    for (const [i, uetr] of keys.entries()) {
      const host = i < 3 ? 'instant' : 'wallet';
      const xml = buildPacs008({ uetr });
      const times = i === 0 ? 3 : i === 3 ? 2 : 1;
      for (let n = 0; n < times; n++) expect((await post(host, xml)).status).toBe(200);
    }
    const stats = { instant: (await json('instant', '/stats')).body, wallet: (await json('wallet', '/stats')).body };
    expect(stats.instant).toMatchObject({ received: 5, unique: 3, duplicates: 2, accepted: 3, rejected: 0 });
    expect(stats.wallet).toMatchObject({ received: 3, unique: 2, duplicates: 1, accepted: 2, rejected: 0 });

    const settled = async (name: string) => {
      const { status, body } = await json(name, '/admin/payments?status=ACSC');
      expect(status).toBe(200);
      return (body.items as Array<{ uetr: string; deliveries: number }>).map((p) => p.uetr);
    };
    const instant = await settled('instant');
    const wallet = await settled('wallet');
    expect(instant.sort()).toEqual(keys.slice(0, 3).sort());
    expect(wallet.sort()).toEqual(keys.slice(3).sort());
    expect(instant.filter((u) => wallet.includes(u))).toEqual([]);

    const page = await json('instant', '/admin/payments?status=ACSC&offset=1&limit=1');
    expect(page.body).toMatchObject({ name: 'instant', total: 3, offset: 1, limit: 1 });
    expect(page.body.items).toHaveLength(1);
    expect((await json('instant', '/admin/payments?status=RJCT')).body).toMatchObject({ total: 0, items: [] });
    expect((await json('instant', '/admin/payments?status=PDNG')).status).toBe(400);
    expect((await json('instant', '/admin/payments?limit=0')).status).toBe(400);
    expect((await json('instant', '/admin/payments?limit=10001')).status).toBe(400);
  });

  describe('control API', () => {
    let control: RunningControlServer;
    beforeAll(async () => {
      control = await startControlServer(sims, 0);
    });
    afterAll(() => control.close());

    it('lists the hosts and stops and starts one by name', async () => {
      const hosts = (await (await fetch(`${control.url}/hosts`)).json()) as HostView[];
      expect(hosts.map((h) => h.name)).toEqual(['rtgs', 'instant', 'wallet']);
      expect(hosts.every((h) => h.listening)).toBe(true);
      const wallet = hosts.find((h) => h.name === 'wallet')!;
      expect(wallet.url).toBe(sims.host('wallet').url);

      const stopped = await fetch(`${control.url}/hosts/wallet/stop`, { method: 'POST' });
      expect(stopped.status).toBe(200);
      expect(await stopped.json()).toMatchObject({ name: 'wallet', port: wallet.port, listening: false });
      expect(await refused('wallet')).toBe('ECONNREFUSED');
      const health = (await (await fetch(`${control.url}/health`)).json()) as { status: string; hosts: HostView[] };
      expect(health.hosts.find((h) => h.name === 'wallet')?.listening).toBe(false);

      const started = await fetch(`${control.url}/hosts/wallet/start`, { method: 'POST' });
      expect(await started.json()).toMatchObject({ name: 'wallet', port: wallet.port, listening: true });
      expect((await json('wallet', '/health')).body).toEqual({ status: 'ok', name: 'wallet' });
    });

    it('answers 404 for an unknown host or call and 405 for a GET of an action', async () => {
      expect((await fetch(`${control.url}/hosts/nope/stop`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${control.url}/elsewhere`)).status).toBe(404);
      expect((await fetch(`${control.url}/hosts/rtgs/stop`)).status).toBe(405);
      expect(sims.host('rtgs').listening).toBe(true);
    });
  });

  describe('with data files', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'sim-hosts-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('journals each host to its own file and reloads it after a process restart', async () => {
      const specs = [
        { name: 'a', dataFile: join(dir, 'a.jsonl') },
        { name: 'b', dataFile: join(dir, 'b.jsonl') },
      ];
      const xml = buildPacs008({});
      const first = await startSimulators(specs, { codec });
      const answer = await (
        await fetch(`${first.host('a').url}/v1/payments`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml })
      ).text();
      await first.close();

      const second = await startSimulators(specs, { codec });
      try {
        expect(second.host('a').recordsLoaded).toBe(1);
        expect(second.host('b').recordsLoaded).toBe(0);
        const again = await fetch(`${second.host('a').url}/v1/payments`, {
          method: 'POST',
          headers: { 'content-type': 'application/xml' },
          body: xml,
        });
        expect(await again.text()).toBe(answer);
      } finally {
        await second.close();
      }
    });
  });
});
