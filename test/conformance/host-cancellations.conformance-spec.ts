// SPDX-License-Identifier: Apache-2.0
/**
 * Issue 3 point 4: cancellations (camt.056 -> camt.029) and returns (pacs.004 -> pacs.002) between the
 * gateway's HTTP legacy-host adapter and the real simulator over loopback.
 *
 * Both sides use a codec on the OFFICIAL XSD directory: the project's own camt.056 / camt.029 / pacs.004
 * schemas are written on another branch. That is why this integration test lives under test/conformance
 * (the only place the official files may be read). Every answer is also judged by the official schemas.
 */
import { join } from 'node:path';
import { HttpLegacyHost, type HttpLegacyHostOptions } from '#adapters/http-host';
import { HostUnavailableError, type HostMessage } from '#application';
import { Iso20022Codec, type AgentId } from '#iso20022';
import { DEFAULT_FAULTS } from '../../apps/legacy-host-sim/src/sim.config.js';
import { startSimulator, type RunningSimulator } from '../../apps/legacy-host-sim/src/simulator.js';
import { buildPacs008 } from '../support/pacs008.factory.js';
import { disposeOfficialValidators, ISO_NS, referenceDir, validateOfficially, xpathString } from '../support/reference.js';

const GATEWAY: AgentId = { bic: 'CLWYDEFF', clearingSystem: null, memberId: null, name: null };
const HOST: AgentId = { bic: 'CLWYNL2A', clearingSystem: null, memberId: null, name: null };
const quiet = { warn: () => undefined, debug: () => undefined };

/** Distinct lower-case UUID v4 per test. */
let counter = 0;
function nextUetr(): string {
  counter++;
  return `4b584f52-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

describe('cancellations and returns: HttpLegacyHost -> legacy host simulator', () => {
  let codec: Iso20022Codec;
  let sim: RunningSimulator;
  const host = (over: Partial<HttpLegacyHostOptions> = {}) =>
    new HttpLegacyHost({
      baseUrl: sim.url,
      codec,
      timeoutMs: 2000,
      attempts: 2,
      backoffBaseMs: 10,
      backoffMaxMs: 20,
      logger: quiet,
      ...over,
    });
  const stats = async () => (await (await fetch(`${sim.url}/stats`)).json()) as Record<string, Record<string, number>>;

  /** Delivers a pacs.008 to the simulator (settled unless the account ends in 9999) and returns its ids. */
  async function settledPayment(over: Parameters<typeof buildPacs008>[0] = {}) {
    const uetr = nextUetr();
    const msgId = `MSG-${uetr.slice(-8)}`;
    const endToEndId = `E2E-${uetr.slice(-8)}`;
    const message = buildPacs008({ uetr, msgId, endToEndId, amount: '250.00', creationDateTime: '2025-03-14T09:30:00Z', ...over });
    const outcome = await host().deliver({
      transactionId: `tx-${uetr.slice(-8)}`,
      uetr,
      idempotencyKey: uetr,
      messageType: 'pacs.008.001.08',
      message,
    });
    return { uetr, msgId, endToEndId, outcome };
  }

  function cancellationRequest(p: { uetr: string; msgId: string; endToEndId: string }, key = `${p.uetr}:cancel`): HostMessage {
    return {
      transactionId: `tx-${p.uetr.slice(-8)}`,
      uetr: p.uetr,
      idempotencyKey: key,
      messageType: 'camt.056.001.08',
      message: codec.writeCamt056({
        assignmentId: `CXL-${key.slice(-20)}`,
        creationDateTime: '2025-03-14T10:00:00Z',
        assigner: GATEWAY,
        assignee: HOST,
        caseId: `CASE-${p.uetr.slice(-8)}`,
        cancellationId: `CXLID-${p.uetr.slice(-8)}`,
        original: {
          group: { msgId: p.msgId, msgNmId: 'pacs.008.001.08', creationDateTime: '2025-03-14T09:30:00Z' },
          instrId: null,
          endToEndId: p.endToEndId,
          txId: null,
          uetr: p.uetr,
        },
        amount: { value: '250.00', currency: 'EUR' },
        settlementDate: '2025-03-14',
        reason: { code: 'DUPL', text: null },
      }),
    };
  }

  function returnMessage(p: { uetr: string; msgId: string; endToEndId: string }): HostMessage {
    return {
      transactionId: `tx-${p.uetr.slice(-8)}`,
      uetr: p.uetr,
      idempotencyKey: `${p.uetr}:return`,
      messageType: 'pacs.004.001.09',
      message: codec.writePacs004({
        msgId: `RTR-${p.uetr.slice(-8)}`,
        creationDateTime: '2025-03-15T08:00:00Z',
        instructingAgent: GATEWAY,
        instructedAgent: HOST,
        returnId: `RTRID-${p.uetr.slice(-8)}`,
        original: {
          group: { msgId: p.msgId, msgNmId: 'pacs.008.001.08', creationDateTime: null },
          instrId: null,
          endToEndId: p.endToEndId,
          txId: null,
          uetr: p.uetr,
        },
        originalAmount: { value: '250.00', currency: 'EUR' },
        originalSettlementDate: '2025-03-14',
        returnedAmount: { value: '250.00', currency: 'EUR' },
        settlementDate: '2025-03-15',
        chargeBearer: 'SHAR',
        reason: { code: 'CUST', text: 'requested by the debtor' },
      }),
    };
  }

  /** The camt.029 is officially valid; returns an XPath helper on it. */
  function validCamt029(xml: string | null): (path: string) => string {
    expect(xml).not.toBeNull();
    const verdict = validateOfficially('camt.029.001.09', xml!);
    expect(verdict.errors).toEqual([]);
    return (path) => xpathString(xml!, ISO_NS + 'camt.029.001.09', `/d:Document/d:RsltnOfInvstgtn/${path}`);
  }

  beforeAll(async () => {
    codec = await Iso20022Codec.create({ schemaDir: join(referenceDir(), 'xsd') });
    sim = await startSimulator({ port: 0, codec });
  });
  afterAll(async () => {
    await sim?.close();
    codec?.dispose();
    disposeOfficialValidators();
  });
  beforeEach(async () => {
    sim.setFaults({ ...DEFAULT_FAULTS });
    await fetch(`${sim.url}/admin/reset`, { method: 'POST' });
  });

  it('cancels a payment settled within the window: camt.029 CNCL referencing the original, idempotent per key', async () => {
    const p = await settledPayment();
    expect(p.outcome.kind).toBe('settled');
    const req = cancellationRequest(p);
    const first = await host().requestCancellation(req);
    expect(first).toMatchObject({ kind: 'cancelled' });
    const q = validCamt029(first.resolution);
    expect(q('d:Sts/d:Conf')).toBe('CNCL');
    expect(q('d:RslvdCase/d:Id')).toBe(`CASE-${p.uetr.slice(-8)}`);
    expect(q('d:Assgnmt/d:Assgne/d:Agt/d:FinInstnId/d:BICFI')).toBe('CLWYDEFF');
    expect(q('d:CxlDtls/d:TxInfAndSts/d:OrgnlGrpInf/d:OrgnlMsgId')).toBe(p.msgId);
    expect(q('d:CxlDtls/d:TxInfAndSts/d:OrgnlEndToEndId')).toBe(p.endToEndId);
    expect(q('d:CxlDtls/d:TxInfAndSts/d:OrgnlUETR')).toBe(p.uetr);

    const again = await host().requestCancellation(req);
    expect(again).toEqual(first);
    const record = await (await fetch(`${sim.url}/v1/cancellations/${encodeURIComponent(req.idempotencyKey)}`)).json();
    expect(record).toMatchObject({ status: 'CNCL', paymentKey: p.uetr, deliveries: 2 });
    expect((await stats()).cancellations).toEqual({ received: 2, unique: 1, duplicates: 1, cancelled: 1, refused: 0 });
  });

  it('refuses (RJCR CUST) a cancellation of a payment older than the window', async () => {
    const p = await settledPayment();
    sim.setFaults({ cancelWindowSeconds: 0 });
    const outcome = await host().requestCancellation(cancellationRequest(p));
    expect(outcome).toMatchObject({ kind: 'refused', reasonCode: 'CUST' });
    if (outcome.kind !== 'refused') throw new Error('unreachable');
    expect(outcome.reasonText).toMatch(/beyond the 0 s cancellation window/);
    const q = validCamt029(outcome.resolution);
    expect(q('d:Sts/d:Conf')).toBe('RJCR');
    expect(q('d:CxlDtls/d:TxInfAndSts/d:CxlStsRsnInf/d:Rsn/d:Cd')).toBe('CUST');
    expect((await stats()).cancellations).toMatchObject({ unique: 1, cancelled: 0, refused: 1 });
  });

  it('refuses (RJCR NOOR) a cancellation of a payment it never got, or rejected', async () => {
    const unknown = { uetr: nextUetr(), msgId: 'NEVER-SENT', endToEndId: 'NEVER-SENT' };
    const outcome = await host().requestCancellation(cancellationRequest(unknown));
    expect(outcome).toMatchObject({ kind: 'refused', reasonCode: 'NOOR' });
    validCamt029(outcome.resolution);

    const rejected = await settledPayment({ creditorIban: 'DE89370400440532019999' });
    expect(rejected.outcome.kind).toBe('rejected');
    expect(await host().requestCancellation(cancellationRequest(rejected))).toMatchObject({ kind: 'refused', reasonCode: 'NOOR' });
  });

  it('takes a return (pacs.004 -> pacs.002 ACSC), idempotently; a later cancellation is refused ARDT', async () => {
    const p = await settledPayment();
    const ret = returnMessage(p);
    const outcome = await host().deliverReturn(ret);
    expect(outcome.kind).toBe('accepted');
    const report = outcome.statusReport!;
    expect(validateOfficially('pacs.002.001.10', report).errors).toEqual([]);
    expect(codec.readPacs002(codec.parse(report))).toMatchObject({
      status: 'ACSC',
      originalMsgId: `RTR-${p.uetr.slice(-8)}`,
      originalUetr: p.uetr,
    });
    expect(xpathString(report, ISO_NS + 'pacs.002.001.10', '/d:Document/d:FIToFIPmtStsRpt/d:OrgnlGrpInfAndSts/d:OrgnlMsgNmId')).toBe(
      'pacs.004.001.09',
    );

    expect(await host().deliverReturn(ret)).toEqual(outcome);
    const record = await (await fetch(`${sim.url}/v1/returns/${encodeURIComponent(ret.idempotencyKey)}`)).json();
    expect(record).toMatchObject({ paymentKey: p.uetr, deliveries: 2 });

    // a second cancellation key for a returned payment
    expect(await host().requestCancellation(cancellationRequest(p, `${p.uetr}:cancel-2`))).toMatchObject({
      kind: 'refused',
      reasonCode: 'ARDT',
    });
    const s = await stats();
    expect(s.returns).toEqual({ received: 2, unique: 1, duplicates: 1 });
    expect(s).toMatchObject({ unique: 1, accepted: 1 });
  });

  it('the same faults apply: down -> retryable unavailability, nothing recorded', async () => {
    const p = await settledPayment();
    sim.setFaults({ down: true });
    const err = await host()
      .requestCancellation(cancellationRequest(p))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostUnavailableError);
    expect((err as HostUnavailableError).retryable).toBe(true);
    expect((err as Error).message).toMatch(/cancellation request .* after 2 attempt\(s\): HTTP 503/);
    const err2 = await host()
      .deliverReturn(returnMessage(p))
      .catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(HostUnavailableError);
    sim.setFaults({ down: false, errorRate: 1 });
    await expect(host().requestCancellation(cancellationRequest(p))).rejects.toThrow(/HTTP 503/);
    const s = await stats();
    expect(s.cancellations).toMatchObject({ received: 0 });
    expect(s.returns).toMatchObject({ received: 0 });
  });

  it('an answer held back past the timeout is retried and then replayed from the record', async () => {
    const p = await settledPayment();
    sim.setFaults({ timeoutRate: 1, timeoutMs: 60_000 });
    const req = cancellationRequest(p);
    await expect(host({ timeoutMs: 300, attempts: 1 }).requestCancellation(req)).rejects.toThrow(/no answer within 300 ms/);
    sim.setFaults({ timeoutRate: 0 });
    expect(await host().requestCancellation(req)).toMatchObject({ kind: 'cancelled' });
    expect((await stats()).cancellations).toMatchObject({ unique: 1, duplicates: 1, cancelled: 1 });
  });

  it('refuses, without retrying, a message of the wrong family or a wrong X-Message-Type', async () => {
    const p = await settledPayment();
    const wrongFamily: HostMessage = { ...returnMessage(p), message: cancellationRequest(p).message };
    const err = await host()
      .deliverReturn(wrongFamily)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostUnavailableError);
    expect((err as HostUnavailableError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/refused return .*HTTP 400/);
    const mislabelled: HostMessage = { ...cancellationRequest(p), messageType: 'camt.056.001.11' };
    await expect(host().requestCancellation(mislabelled)).rejects.toThrow(/HTTP 400/);
    const res = await fetch(`${sim.url}/v1/cancellations`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', 'x-message-type': 'camt.056.001.11' },
      body: cancellationRequest(p).message,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'SIM.MESSAGE_TYPE_MISMATCH' });
  });
});
