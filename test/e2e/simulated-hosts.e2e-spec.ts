// SPDX-License-Identifier: Apache-2.0
/**
 * The test helper for several downstream hosts (test/support/simulated-hosts.ts) against the built simulator:
 * one process, three named hosts, one taken down (connections refused) and brought back on the same port, and
 * the counts that show nothing was settled twice.
 */
import { randomUUID } from 'node:crypto';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { startSimulatedHosts, type SimulatedHosts } from '../support/simulated-hosts.js';

let hosts: SimulatedHosts;

const pay = (name: string, xml: string) =>
  fetch(`${hosts.url(name)}/v1/payments`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });

beforeAll(async () => {
  hosts = await startSimulatedHosts(['rtgs', { name: 'instant', faults: { rejectSuffix: '' } }, { name: 'wallet', seed: 'w' }]);
}, 60_000);
afterAll(() => hosts?.close());

it('starts three named hosts on three ports in one process', async () => {
  expect(new Set(hosts.names.map((n) => hosts.port(n))).size).toBe(3);
  for (const name of hosts.names) {
    expect(await (await fetch(`${hosts.url(name)}/health`)).json()).toEqual({ status: 'ok', name });
  }
  expect(() => hosts.url('nope')).toThrow(/no simulated host/);
});

it('keeps faults per host', async () => {
  expect(await hosts.faults('wallet', { down: true })).toMatchObject({ down: true });
  try {
    expect((await pay('wallet', buildPacs008({}))).status).toBe(503);
    expect((await pay('rtgs', buildPacs008({}))).status).toBe(200);
  } finally {
    await hosts.faults('wallet', { down: false });
  }
});

it('takes a host down (ECONNREFUSED) and back on the same port, answering from its record', async () => {
  const xml = buildPacs008({ uetr: randomUUID() });
  const first = await (await pay('instant', xml)).text();
  const before = await hosts.stats('instant');
  const port = hosts.port('instant');

  await hosts.stop('instant');
  const refused = await pay('instant', xml).then(
    () => 'answered',
    (err: Error) => (err.cause as NodeJS.ErrnoException | undefined)?.code,
  );
  expect(refused).toBe('ECONNREFUSED');

  await hosts.start('instant');
  expect(hosts.port('instant')).toBe(port);
  expect(await (await pay('instant', xml)).text()).toBe(first);
  const after = await hosts.stats('instant');
  expect(after).toMatchObject({ name: 'instant', unique: before.unique, duplicates: before.duplicates + 1 });
});

it('reports what each host settled, and a payment settled at two hosts', async () => {
  await Promise.all(hosts.names.map((n) => hosts.reset(n)));
  const once = buildPacs008({ uetr: randomUUID() });
  expect((await pay('rtgs', once)).status).toBe(200);
  expect((await pay('rtgs', once)).status).toBe(200);
  expect(await hosts.settledTwice()).toEqual([]);
  expect(await hosts.stats('rtgs')).toMatchObject({ received: 2, unique: 1, duplicates: 1, accepted: 1 });

  const uetr = randomUUID();
  const twice = buildPacs008({ uetr });
  await pay('instant', twice);
  await pay('wallet', twice);
  expect(await hosts.settledTwice()).toEqual([{ payment: uetr, hosts: ['instant', 'wallet'] }]);
  expect((await hosts.payments('wallet', 'ACSC')).map((p) => p.uetr)).toEqual([uetr]);
});
