// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../sim.config.js';
import { PaymentLedger } from './payment-ledger.js';

const decision = (key: string, status: 'ACSC' | 'RJCT' = 'ACSC') => ({
  key,
  uetr: null,
  msgId: 'M',
  endToEndId: 'E',
  status,
  reasonCode: status === 'RJCT' ? 'AC04' : null,
  reasonText: null,
  statusReport: `<report for="${key}"/>`,
  decidedAt: '2026-01-01T00:00:00.000Z',
});

const NONE = {
  cancellations: { received: 0, unique: 0, duplicates: 0, cancelled: 0, refused: 0 },
  returns: { received: 0, unique: 0, duplicates: 0 },
  statusRequests: { received: 0, known: 0, unknown: 0 },
  answersDropped: 0,
};

describe('PaymentLedger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts decisions and replays in memory', () => {
    const ledger = new PaymentLedger(resolveConfig({}));
    ledger.record(decision('a'));
    ledger.record(decision('b', 'RJCT'));
    expect(ledger.replay('a').deliveries).toBe(2);
    expect(() => ledger.record(decision('a'))).toThrow(/already recorded/);
    expect(ledger.stats()).toEqual({ received: 3, unique: 2, duplicates: 1, accepted: 1, rejected: 1, ...NONE });
    ledger.reset();
    expect(ledger.stats()).toEqual({ received: 0, unique: 0, duplicates: 0, accepted: 0, rejected: 0, ...NONE });
    expect(ledger.get('a')).toBeUndefined();
  });

  it('journals to the data file and reloads it, skipping unreadable lines', () => {
    const dataFile = join(dir, 'd', 'host.jsonl');
    const first = new PaymentLedger(resolveConfig({ dataFile }));
    first.record(decision('a'));
    first.replay('a');
    // a torn last line (crash while writing) and a replay of a key nobody decided
    writeFileSync(dataFile, readFileSync(dataFile, 'utf8') + '{"t":"replay","key":"zz"}\n{"t":"decis');
    const second = new PaymentLedger(resolveConfig({ dataFile }));
    expect(second.skippedLines).toBe(2);
    expect(second.get('a')).toMatchObject({ deliveries: 2, statusReport: '<report for="a"/>' });
    expect(second.stats()).toEqual({ received: 2, unique: 1, duplicates: 1, accepted: 1, rejected: 0, ...NONE });
    // what is written after the torn line survives the next restart
    second.record(decision('b', 'RJCT'));
    const third = new PaymentLedger(resolveConfig({ dataFile }));
    expect(third.get('b')).toMatchObject({ status: 'RJCT' });
    expect(third.skippedLines).toBe(2);
  });

  it('keeps cancellations and returns apart from payments, finds the payment they refer to, and reloads them', () => {
    const dataFile = join(dir, 'host.jsonl');
    const first = new PaymentLedger(resolveConfig({ dataFile }));
    first.record({ ...decision('p1'), uetr: 'c5b81673-9bcf-4ed6-a394-b9d207705ecf', msgId: 'M1', endToEndId: 'E1' });
    first.record({ ...decision('p2'), msgId: 'M2', endToEndId: 'E2' });
    expect(first.findPayment({ uetr: 'C5B81673-9BCF-4ED6-A394-B9D207705ECF', msgId: null, endToEndId: null })?.key).toBe('p1');
    expect(first.findPayment({ uetr: null, msgId: 'M2', endToEndId: 'E2' })?.key).toBe('p2');
    expect(first.findPayment({ uetr: null, msgId: 'M2', endToEndId: 'E1' })).toBeUndefined();
    // the same key in two families does not collide
    first.recordCancellation({
      key: 'p1',
      paymentKey: 'p1',
      status: 'CNCL',
      reasonCode: null,
      reasonText: null,
      resolution: '<c/>',
      decidedAt: '2026-01-01T00:00:00.000Z',
    });
    first.recordCancellation({
      key: 'c2',
      paymentKey: null,
      status: 'RJCR',
      reasonCode: 'NOOR',
      reasonText: null,
      resolution: '<r/>',
      decidedAt: '2026-01-01T00:00:00.000Z',
    });
    first.recordReturn({ key: 'r1', paymentKey: 'p2', uetr: null, statusReport: '<s/>', decidedAt: '2026-01-01T00:00:00.000Z' });
    expect(first.replayCancellation('p1').deliveries).toBe(2);
    expect(first.replayReturn('r1').deliveries).toBe(2);
    expect(first.get('p1')?.deliveries).toBe(1);
    expect(first.isCancelled('p1')).toBe(true);
    expect(first.isCancelled('p2')).toBe(false);
    expect(first.isReturned('p2')).toBe(true);
    const expected = {
      received: 2,
      unique: 2,
      duplicates: 0,
      accepted: 2,
      rejected: 0,
      cancellations: { received: 3, unique: 2, duplicates: 1, cancelled: 1, refused: 1 },
      returns: { received: 2, unique: 1, duplicates: 1 },
      statusRequests: { received: 0, known: 0, unknown: 0 },
      answersDropped: 0,
    };
    // status requests and lost answers are counted in memory only: they change nothing at the host
    first.countStatusRequest(true);
    first.countStatusRequest(false);
    first.countDroppedAnswer();
    expect(first.stats()).toEqual({ ...expected, statusRequests: { received: 2, known: 1, unknown: 1 }, answersDropped: 1 });
    const second = new PaymentLedger(resolveConfig({ dataFile }));
    expect(second.skippedLines).toBe(0);
    expect(second.stats()).toEqual(expected);
    expect(second.getCancellation('c2')).toMatchObject({ status: 'RJCR', reasonCode: 'NOOR', resolution: '<r/>', deliveries: 1 });
    expect(second.getReturn('r1')).toMatchObject({ paymentKey: 'p2', deliveries: 2 });
  });
});
