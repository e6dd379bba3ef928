// SPDX-License-Identifier: Apache-2.0
import { HttpLegacyHost, type HttpLegacyHostOptions } from '#adapters/http-host';
import type { HostMessage } from '#application';
import { Iso20022Codec } from '#iso20022';
import { statusRequest } from '../../../test/support/host-reports.js';
import { buildPacs008 } from '../../../test/support/pacs008.factory.js';
import { DEFAULT_FAULTS } from './sim.config.js';
import { startSimulator, type RunningSimulator } from './simulator.js';

/** The outbound HTTP adapter against the real simulator. */
describe('HttpLegacyHost -> legacy host simulator', () => {
  let codec: Iso20022Codec;
  let sim: RunningSimulator;
  const quiet = { warn: () => undefined, debug: () => undefined };
  const host = (over: Partial<HttpLegacyHostOptions> = {}) =>
    new HttpLegacyHost({ baseUrl: sim.url, codec, timeoutMs: 2000, backoffBaseMs: 10, backoffMaxMs: 50, logger: quiet, ...over });
  const delivery = (uetr: string, over: Parameters<typeof buildPacs008>[0] = {}): HostMessage => ({
    transactionId: `tx-${uetr.slice(0, 8)}`,
    uetr,
    idempotencyKey: uetr,
    messageType: 'pacs.008.001.08',
    message: buildPacs008({ uetr, ...over }),
  });
  const record = async (key: string) => {
    const res = await fetch(`${sim.url}/v1/payments/${key}`);
    return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : null;
  };
  const stats = async () => (await fetch(`${sim.url}/stats`)).json();

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
    sim = await startSimulator({ port: 0, codec });
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    sim.setFaults({ ...DEFAULT_FAULTS });
    await fetch(`${sim.url}/admin/reset`, { method: 'POST' });
  });

  it('pings the simulator', async () => {
    await expect(host().ping()).resolves.toBeUndefined();
  });

  it('gets settled', async () => {
    const d = delivery('3a0fbd71-9c5e-4f40-ab6d-8e7c9daf0c14');
    const outcome = await host().deliver(d);
    expect(outcome.kind).toBe('settled');
    expect(outcome.statusReport).toContain('<TxSts>ACSC</TxSts>');
    expect(await record(d.idempotencyKey)).toMatchObject({ status: 'ACSC', deliveries: 1 });
  });

  it('gets rejected with AC04', async () => {
    const outcome = await host().deliver(delivery('4b10ce82-ad6f-4051-bc7e-9f8daeb01d25', { creditorIban: 'DE89370400440532019999' }));
    expect(outcome).toMatchObject({ kind: 'rejected', reasonCode: 'AC04', reasonText: 'closed account' });
  });

  it('gets the first answer again for a duplicate', async () => {
    const d = delivery('5c21df93-be70-4162-8d8f-a09ebfc12e36');
    const first = await host().deliver(d);
    const second = await host().deliver(d);
    expect(second).toEqual(first);
    expect(await stats()).toMatchObject({
      received: 2,
      unique: 1,
      duplicates: 1,
      accepted: 1,
      rejected: 0,
      cancellations: { received: 0 },
      returns: { received: 0 },
    });
  });

  it('recovers the outcome of a delivery whose answer timed out, without a second decision', async () => {
    const d = delivery('6d32e0a4-cf81-4273-9e90-b1afc0d23f47');
    sim.setFaults({ timeoutRate: 1, timeoutMs: 3000 });
    const err = await host({ timeoutMs: 200, attempts: 2 })
      .deliver(d)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HostUnavailableError', retryable: true });
    sim.setFaults({ timeoutRate: 0 });
    await expect(host().deliver(d)).resolves.toMatchObject({ kind: 'settled' });
    expect(await record(d.idempotencyKey)).toMatchObject({ status: 'ACSC', deliveries: 3 });
    expect(await stats()).toMatchObject({ unique: 1, duplicates: 2 });
  });

  it('reports a host that keeps failing as retryable and leaves nothing recorded', async () => {
    sim.setFaults({ errorRate: 1 });
    const d = delivery('7e43f1b5-d092-4384-afa1-c2b0d1e34058');
    await expect(host({ attempts: 2 }).deliver(d)).rejects.toMatchObject({ retryable: true });
    expect(await record(d.idempotencyKey)).toBeNull();
  });
  describe('status requests (pacs.028)', () => {
    const inquiry = (uetr: string, msgId: string, n = 1): HostMessage => ({
      transactionId: `tx-${uetr.slice(0, 8)}`,
      uetr,
      idempotencyKey: `${uetr}:status:${n}`,
      messageType: 'pacs.028.001.03',
      message: statusRequest(codec, { uetr, msgId, endToEndId: null }),
    });

    it('asks about a settled, a rejected and an unknown payment', async () => {
      const a = '8f54a2c6-e1a3-4495-b0b2-d3c1e2f45169';
      const b = '9a65b3d7-f2b4-45a6-81c3-e4d2f3a5627a';
      const settled = await host().deliver(delivery(a, { msgId: 'HTTPSTS-A' }));
      await host().deliver(delivery(b, { msgId: 'HTTPSTS-B', creditorIban: 'DE89370400440532019999' }));
      await expect(host().requestStatus(inquiry(a, 'HTTPSTS-A'))).resolves.toEqual(settled);
      await expect(host().requestStatus(inquiry(b, 'HTTPSTS-B'))).resolves.toMatchObject({
        kind: 'rejected',
        reasonCode: 'AC04',
        reasonText: 'closed account',
      });
      await expect(host().requestStatus(inquiry('ab76c4e8-03c5-46b7-92d4-f5e3a4b6738b', 'NEVER-SENT'))).resolves.toMatchObject({
        kind: 'unknown',
        reasonCode: 'NOOR',
      });
      expect(await stats()).toMatchObject({ unique: 2, statusRequests: { received: 3, known: 2, unknown: 1 } });
    });

    it('a release whose answers are lost fails although the host settled; the status request then says settled', async () => {
      const d = delivery('bc87d5f9-14d6-47c8-a3e5-a6f4b5c7849c', { msgId: 'HTTPSTS-LOST' });
      sim.setFaults({ dropAnswerRate: 1 });
      const err = await host({ attempts: 2 })
        .deliver(d)
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'HostUnavailableError', retryable: true });
      expect(await record(d.idempotencyKey)).toMatchObject({ status: 'ACSC', deliveries: 2 });
      const outcome = await host().requestStatus(inquiry(d.uetr!, 'HTTPSTS-LOST'));
      expect(outcome.kind).toBe('settled');
      expect(codec.readPacs002(codec.parse((outcome as { statusReport: string }).statusReport))).toMatchObject({
        originalMsgId: 'HTTPSTS-LOST',
        originalUetr: d.uetr,
        status: 'ACSC',
      });
      expect(await stats()).toMatchObject({ unique: 1, answersDropped: 2, statusRequests: { received: 1, known: 1 } });
    });
  });
});
