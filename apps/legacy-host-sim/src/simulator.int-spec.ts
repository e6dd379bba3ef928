// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Iso20022Codec } from '#iso20022';
import { statusRequest } from '../../../test/support/host-reports.js';
import { buildPacs008 } from '../../../test/support/pacs008.factory.js';
import { DEFAULT_FAULTS } from './sim.config.js';
import { startSimulator, type RunningSimulator } from './simulator.js';

const UETR_A = '0d7c8a4e-6f2b-4c1d-9e3a-5b4f6a7c8d91';
const UETR_B = '1e8d9b5f-7a3c-4d2e-8f4b-6c5a7b8d9ea2';
const UETR_C = '2f9eac60-8b4d-4e3f-9a5c-7d6b8c9eafb3';
/** The /stats counters of cancellations, returns and status requests when none were sent (and no answer lost). */
const NO_OTHER_MESSAGES = {
  cancellations: { received: 0, unique: 0, duplicates: 0, cancelled: 0, refused: 0 },
  returns: { received: 0, unique: 0, duplicates: 0 },
  statusRequests: { received: 0, known: 0, unknown: 0 },
  answersDropped: 0,
};

describe('legacy host simulator', () => {
  let codec: Iso20022Codec;
  let sim: RunningSimulator;

  const post = (xml: string, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${sim.url}/v1/payments`, { method: 'POST', headers: { 'content-type': 'application/xml', ...headers }, body: xml, signal });
  const json = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${sim.url}${path}`, init);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const readReport = (xml: string) => codec.readPacs002(codec.parse(xml));

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: 'config/schemas' });
    sim = await startSimulator({ port: 0, codec });
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    sim.setFaults({ ...DEFAULT_FAULTS });
    await fetch(`${sim.url}/admin/reset`, { method: 'POST' });
  });

  it('answers health', async () => {
    expect(await json('/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('settles a payment with a valid pacs.002 ACSC that references the original', async () => {
    const xml = buildPacs008({
      uetr: UETR_A,
      msgId: 'SIMTEST-A',
      endToEndId: 'E2E-A',
      amount: '125.50',
      creditorIban: 'DE89370400440532013000',
    });
    const res = await post(xml);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    const body = await res.text();
    expect(body).toContain('pacs.002.001.10');
    expect(readReport(body)).toMatchObject({
      originalMsgId: 'SIMTEST-A',
      originalEndToEndId: 'E2E-A',
      originalUetr: UETR_A,
      status: 'ACSC',
      reasonCode: null,
    });
    expect(await json(`/v1/payments/${UETR_A}`)).toEqual({
      status: 200,
      body: expect.objectContaining({ key: UETR_A, uetr: UETR_A, status: 'ACSC', reasonCode: null, deliveries: 1 }),
    });
  });

  it('rejects a creditor account ending in 9999 with AC04 (IBAN or Othr/Id)', async () => {
    const res = await post(buildPacs008({ uetr: UETR_A, creditorIban: 'DE89370400440532019999' }));
    expect(res.status).toBe(200);
    expect(readReport(await res.text())).toMatchObject({ status: 'RJCT', reasonCode: 'AC04', reasonText: 'closed account' });

    const other = await post(buildPacs008({ uetr: UETR_B, creditorAccountOther: '000123459999' }));
    expect(readReport(await other.text())).toMatchObject({ status: 'RJCT', reasonCode: 'AC04' });
    expect((await json(`/v1/payments/${UETR_B}`)).body).toMatchObject({ status: 'RJCT', reasonCode: 'AC04' });
    expect((await json('/stats')).body).toEqual({ received: 2, unique: 2, duplicates: 0, accepted: 0, rejected: 2, ...NO_OTHER_MESSAGES });
  });

  it('replays the first answer, byte for byte, to a re-delivery and counts it', async () => {
    const xml = buildPacs008({ uetr: UETR_A, creditorIban: 'DE89370400440532013000' });
    const first = await (await post(xml, { 'Idempotency-Key': 'key-1' })).text();
    // the same key with another rule in force still gets the first answer
    sim.setFaults({ rejectSuffix: '3000' });
    const second = await post(xml, { 'Idempotency-Key': 'key-1' });
    expect(second.status).toBe(200);
    expect(await second.text()).toBe(first);
    // without the header the UETR is the key: a new payment for the host
    const third = await (await post(xml)).text();
    expect(readReport(third).status).toBe('RJCT');
    expect((await json('/v1/payments/key-1')).body).toMatchObject({ status: 'ACSC', deliveries: 2 });
    expect((await json('/stats')).body).toEqual({ received: 3, unique: 2, duplicates: 1, accepted: 1, rejected: 1, ...NO_OTHER_MESSAGES });
  });

  it('keys by MsgId + EndToEndId when there is neither header nor UETR', async () => {
    const xml = buildPacs008({ msgId: 'NOUETR-1', endToEndId: 'E2E-NU' }).replace(/<UETR>[^<]*<\/UETR>/, '');
    expect(xml).not.toContain('<UETR>');
    expect((await post(xml)).status).toBe(200);
    expect((await post(xml)).status).toBe(200);
    expect((await json(`/v1/payments/${encodeURIComponent('NOUETR-1/E2E-NU')}`)).body).toMatchObject({ deliveries: 2 });
  });

  it('answers 503 without recording anything at error rate 1', async () => {
    const set = await json('/admin/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 1 }),
    });
    expect(set).toMatchObject({ status: 200, body: { errorRate: 1 } });
    const res = await post(buildPacs008({ uetr: UETR_A }));
    expect(res.status).toBe(503);
    await res.body?.cancel();
    expect((await json(`/v1/payments/${UETR_A}`)).status).toBe(404);
    expect((await json('/stats')).body).toEqual({ received: 0, unique: 0, duplicates: 0, accepted: 0, rejected: 0, ...NO_OTHER_MESSAGES });
  });

  it('at timeout rate 1 records and decides, then holds the answer; a re-delivery gets the recorded answer', async () => {
    sim.setFaults({ timeoutRate: 1, timeoutMs: 2000 });
    const xml = buildPacs008({ uetr: UETR_C, creditorIban: 'DE89370400440532019999' });
    await expect(post(xml, {}, AbortSignal.timeout(300))).rejects.toMatchObject({ name: 'TimeoutError' });
    // the host did the work although the caller gave up
    expect((await json(`/v1/payments/${UETR_C}`)).body).toMatchObject({ status: 'RJCT', reasonCode: 'AC04', deliveries: 1 });
    sim.setFaults({ timeoutRate: 0, rejectSuffix: '' });
    const again = await post(xml);
    expect(readReport(await again.text())).toMatchObject({ status: 'RJCT', reasonCode: 'AC04' });
    expect((await json('/stats')).body).toEqual({ received: 2, unique: 1, duplicates: 1, accepted: 0, rejected: 1, ...NO_OTHER_MESSAGES });
  });

  it('holds the answer for timeoutMs, then sends it', async () => {
    sim.setFaults({ timeoutRate: 1, timeoutMs: 300 });
    const started = Date.now();
    const res = await post(buildPacs008({ uetr: UETR_A }));
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(readReport(await res.text()).status).toBe('ACSC');
  });

  it('waits the configured latency', async () => {
    sim.setFaults({ latencyMs: 200, latencyJitterMs: 50 });
    const started = Date.now();
    expect((await post(buildPacs008({ uetr: UETR_A }))).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('answers 503 on every /v1 call while down, but keeps health, stats and admin up', async () => {
    sim.setFaults({ down: true });
    const res = await post(buildPacs008({ uetr: UETR_A }));
    expect(res.status).toBe(503);
    await res.body?.cancel();
    expect((await json(`/v1/payments/${UETR_A}`)).status).toBe(503);
    expect(await json('/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await json('/stats')).status).toBe(200);
    expect((await json('/admin/faults')).body).toMatchObject({ down: true });
    sim.setFaults({ down: false });
    expect((await post(buildPacs008({ uetr: UETR_A }))).status).toBe(200);
    expect((await json('/stats')).body).toMatchObject({ received: 1, unique: 1 });
  });

  it('answers an invalid message with 400 and, when its ids are readable, a pacs.002 RJCT FF01', async () => {
    const valid = buildPacs008({ uetr: UETR_A, msgId: 'BADMSG-1', endToEndId: 'E2E-BAD' });
    const invalid = valid.replace(/Ccy="EUR"/, 'Ccy="EURO"');
    expect(invalid).not.toBe(valid);
    const res = await post(invalid);
    expect(res.status).toBe(400);
    const body = await res.text();
    if (res.headers.get('content-type')?.startsWith('application/xml')) {
      expect(readReport(body)).toMatchObject({ originalMsgId: 'BADMSG-1', status: 'RJCT', reasonCode: 'FF01' });
    } else {
      expect(JSON.parse(body)).toMatchObject({ status: 400, code: 'ISO20022.SCHEMA_INVALID' });
    }
    const garbage = await post('this is not xml');
    expect(garbage.status).toBe(400);
    expect(garbage.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await json('/stats')).body).toMatchObject({ received: 0 });
  });

  it('refuses bad fault settings and shows the current ones', async () => {
    const bad = await json('/admin/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"errorRate":3}' });
    expect(bad).toMatchObject({ status: 400, body: { code: 'SIM.BAD_FAULTS' } });
    expect((await json('/admin/faults')).body).toEqual({ ...DEFAULT_FAULTS });
  });

  it('repeats its dice with the same seed', async () => {
    const outcomes = async (): Promise<number[]> => {
      const s = await startSimulator({ port: 0, codec, seed: 'repeat-me', faults: { errorRate: 0.5 } });
      try {
        const out: number[] = [];
        for (let i = 0; i < 12; i++) {
          const res = await fetch(`${s.url}/v1/payments`, {
            method: 'POST',
            headers: { 'content-type': 'application/xml', 'idempotency-key': `seed-${i}` },
            body: buildPacs008({ uetr: UETR_A }),
          });
          await res.body?.cancel();
          out.push(res.status);
        }
        return out;
      } finally {
        await s.close();
      }
    };
    const first = await outcomes();
    expect(first).toContain(503);
    expect(first).toContain(200);
    expect(await outcomes()).toEqual(first);
  });

  describe('status requests (pacs.028) and lost answers', () => {
    const ask = (original: { uetr: string | null; msgId: string; endToEndId: string | null }, key = `${original.uetr}:status:1`) =>
      fetch(`${sim.url}/v1/status-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml', 'idempotency-key': key, 'x-message-type': 'pacs.028.001.03' },
        body: statusRequest(codec, original),
      });

    it('answers a settled and a rejected payment with the pacs.002 it recorded for it', async () => {
      const settled = await (await post(buildPacs008({ uetr: UETR_A, msgId: 'STS-A', endToEndId: 'E2E-A' }))).text();
      const rejected = await (
        await post(buildPacs008({ uetr: UETR_B, msgId: 'STS-B', endToEndId: 'E2E-B', creditorIban: 'DE89370400440532019999' }))
      ).text();
      const a = await ask({ uetr: UETR_A, msgId: 'STS-A', endToEndId: 'E2E-A' });
      expect(a.status).toBe(200);
      expect(await a.text()).toBe(settled);
      const b = await ask({ uetr: UETR_B, msgId: 'STS-B', endToEndId: 'E2E-B' });
      const bBody = await b.text();
      expect(bBody).toBe(rejected);
      expect(readReport(bBody)).toMatchObject({ originalUetr: UETR_B, status: 'RJCT', reasonCode: 'AC04' });
      // without a UETR the host finds the payment by MsgId + EndToEndId
      expect(await (await ask({ uetr: null, msgId: 'STS-A', endToEndId: 'E2E-A' }, 'by-ids')).text()).toBe(settled);
      // asking changes nothing at the host
      expect((await json('/stats')).body).toEqual({
        ...NO_OTHER_MESSAGES,
        received: 2,
        unique: 2,
        duplicates: 0,
        accepted: 1,
        rejected: 1,
        statusRequests: { received: 3, known: 3, unknown: 0 },
      });
    });

    it('answers 404 with a pacs.002 RJCT NOOR about the payment asked about when it never took it', async () => {
      const res = await ask({ uetr: UETR_C, msgId: 'NEVER-SENT', endToEndId: 'E2E-N' });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(readReport(await res.text())).toMatchObject({
        originalMsgId: 'NEVER-SENT',
        originalEndToEndId: 'E2E-N',
        originalUetr: UETR_C,
        status: 'RJCT',
        reasonCode: 'NOOR',
      });
      expect((await json('/stats')).body).toMatchObject({ unique: 0, statusRequests: { received: 1, known: 0, unknown: 1 } });
      // a pacs.008 on the status-request route is refused
      const wrong = await fetch(`${sim.url}/v1/status-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: buildPacs008({ uetr: UETR_C }),
      });
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toMatchObject({ code: 'ISO20022.UNSUPPORTED_MESSAGE' });
    });

    it('loses the answer after settling (dropAnswers): the connection closes, the payment is recorded, a status request says settled', async () => {
      const set = await json('/admin/faults', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dropAnswers: 1 }),
      });
      expect(set).toMatchObject({ status: 200, body: { dropAnswers: 1 } });
      const xml = buildPacs008({ uetr: UETR_C, msgId: 'STS-LOST', endToEndId: 'E2E-L' });
      await expect(post(xml)).rejects.toThrow(/fetch failed/);
      expect((await json(`/v1/payments/${UETR_C}`)).body).toMatchObject({ status: 'ACSC', deliveries: 1 });
      expect((await json('/admin/faults')).body).toMatchObject({ dropAnswers: 0 });
      const status = await ask({ uetr: UETR_C, msgId: 'STS-LOST', endToEndId: 'E2E-L' });
      expect(status.status).toBe(200);
      expect(readReport(await status.text())).toMatchObject({ originalUetr: UETR_C, status: 'ACSC' });
      // the count is used up: a re-delivery is answered (the recorded answer)
      expect(readReport(await (await post(xml)).text()).status).toBe('ACSC');
      expect((await json('/stats')).body).toMatchObject({
        received: 2,
        unique: 1,
        duplicates: 1,
        answersDropped: 1,
        statusRequests: { received: 1, known: 1 },
      });
    });

    it('loses every payment answer at dropAnswerRate 1, but still answers status requests', async () => {
      sim.setFaults({ dropAnswerRate: 1 });
      const xml = buildPacs008({ uetr: UETR_A, msgId: 'STS-RATE', endToEndId: 'E2E-R', creditorIban: 'DE89370400440532019999' });
      await expect(post(xml)).rejects.toThrow(/fetch failed/);
      await expect(post(xml)).rejects.toThrow(/fetch failed/);
      const status = await ask({ uetr: UETR_A, msgId: 'STS-RATE', endToEndId: 'E2E-R' });
      expect(readReport(await status.text())).toMatchObject({ status: 'RJCT', reasonCode: 'AC04' });
      expect((await json('/stats')).body).toMatchObject({ received: 2, unique: 1, rejected: 1, answersDropped: 2 });
    });
  });

  describe('with a data file', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'sim-data-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reloads its decisions at start, so a restarted host replays what it settled', async () => {
      const dataFile = join(dir, 'nested', 'host.jsonl');
      const a = buildPacs008({ uetr: UETR_A });
      const b = buildPacs008({ uetr: UETR_B, creditorIban: 'DE89370400440532019999' });
      const s1 = await startSimulator({ port: 0, codec, dataFile });
      const send = (s: RunningSimulator, xml: string) =>
        fetch(`${s.url}/v1/payments`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml }).then((r) => r.text());
      const answerA = await send(s1, a);
      await send(s1, b);
      await send(s1, a);
      await s1.close();
      expect(readFileSync(dataFile, 'utf8').trim().split('\n')).toHaveLength(3);

      const s2 = await startSimulator({ port: 0, codec, dataFile });
      try {
        expect(s2.recordsLoaded).toBe(2);
        expect(await send(s2, a)).toBe(answerA);
        const stats = await (await fetch(`${s2.url}/stats`)).json();
        expect(stats).toEqual({ received: 4, unique: 2, duplicates: 2, accepted: 1, rejected: 1, ...NO_OTHER_MESSAGES });
        const recB = await (await fetch(`${s2.url}/v1/payments/${UETR_B}`)).json();
        expect(recB).toMatchObject({ status: 'RJCT', reasonCode: 'AC04', deliveries: 1 });
        // reset empties the file too
        await fetch(`${s2.url}/admin/reset`, { method: 'POST' });
        expect(readFileSync(dataFile, 'utf8')).toBe('');
      } finally {
        await s2.close();
      }
    });
  });
});
