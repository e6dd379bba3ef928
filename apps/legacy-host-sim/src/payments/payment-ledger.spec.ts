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
    expect(ledger.stats()).toEqual({ received: 3, unique: 2, duplicates: 1, accepted: 1, rejected: 1 });
    ledger.reset();
    expect(ledger.stats()).toEqual({ received: 0, unique: 0, duplicates: 0, accepted: 0, rejected: 0 });
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
    expect(second.stats()).toEqual({ received: 2, unique: 1, duplicates: 1, accepted: 1, rejected: 0 });
    // what is written after the torn line survives the next restart
    second.record(decision('b', 'RJCT'));
    const third = new PaymentLedger(resolveConfig({ dataFile }));
    expect(third.get('b')).toMatchObject({ status: 'RJCT' });
    expect(third.skippedLines).toBe(2);
  });
});
