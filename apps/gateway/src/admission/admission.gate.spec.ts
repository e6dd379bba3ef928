// SPDX-License-Identifier: Apache-2.0
import { FakeClock, FakeQueue } from '../../../../libs/application/src/testing/in-memory.fakes.js';
import type { AdmissionConfig } from '../config/configuration.js';
import { AdmissionGate } from './admission.gate.js';

function gate(config: Partial<AdmissionConfig> = {}) {
  const clock = new FakeClock();
  const queue = new FakeQueue();
  const g = new AdmissionGate({ maxWaitMs: 30_000, maxQueuedJobs: 0, quotas: new Map(), defaultQuota: 0, ...config }, queue, clock);
  /** The door's state each time a sample changed it. */
  const changes: boolean[] = [];
  let last = true;
  /** One sample a second later, seeing this backlog. */
  const sample = async (b: Partial<FakeQueue['waiting']>) => {
    queue.waiting = { queued: 0, inflight: 0, oldestQueuedMs: null, completedSince: 0, ...b };
    clock.advance(1000);
    await g.sample();
    if (g.state.open !== last) changes.push((last = g.state.open));
  };
  return { g, clock, queue, changes, sample };
}

describe('AdmissionGate', () => {
  it('closes when the oldest due job has waited longer than the bound, and opens again only below half of it', async () => {
    const { g, changes, sample } = gate();
    await sample({ queued: 10, oldestQueuedMs: 29_000 });
    expect(g.admit('bank-a')).toBeNull();
    await sample({ queued: 10, oldestQueuedMs: 31_000 });
    const refusal = g.admit('bank-a');
    expect(refusal).toMatchObject({ code: 'ADMISSION.OVERLOADED' });
    // Retry-After: the wait above the point where the door opens again (31 s - 15 s)
    expect(refusal!.retryAfterSeconds).toBe(16);
    await sample({ queued: 10, oldestQueuedMs: 20_000 });
    expect(g.admit('bank-a')?.code).toBe('ADMISSION.OVERLOADED'); // between half and the bound: still closed
    await sample({ queued: 10, oldestQueuedMs: 14_000 });
    expect(g.admit('bank-a')).toBeNull();
    expect(changes).toEqual([false, true]);
    expect(g.refused.overloaded).toBe(2);
  });

  it('estimates the wait from the due jobs over the rate measured while jobs were waiting', async () => {
    const { g, sample } = gate();
    // idle: completions say nothing about capacity
    await sample({ queued: 0, completedSince: 3 });
    expect(g.state.completedPerSecond).toBeNull();
    await sample({ queued: 500, oldestQueuedMs: 100, completedSince: 0 });
    // busy since the last sample: 100 completed in a second
    await sample({ queued: 900, oldestQueuedMs: 2_000, completedSince: 100 });
    expect(g.state.completedPerSecond).toBe(100);
    expect(g.state.expectedWaitMs).toBe(9_000);
    expect(g.state.open).toBe(true);
    await sample({ queued: 4_000, oldestQueuedMs: 3_000, completedSince: 100 });
    expect(g.state.expectedWaitMs).toBe(40_000); // 4,000 jobs at 100/s, though the oldest has waited 3 s
    expect(g.state.open).toBe(false);
    expect(g.admit('x')?.retryAfterSeconds).toBe(25);
  });

  it('counts what it admitted since the last sample, so a burst closes the door before the next one', async () => {
    const { g, sample } = gate();
    await sample({ queued: 100, completedSince: 0 });
    await sample({ queued: 2_900, completedSince: 100 }); // 100/s: 29 s of work due
    expect(g.state.open).toBe(true);
    for (let i = 0; i < 101; i++) expect(g.admit('bank-a')).toBeNull(); // 3,001 jobs: 30.01 s once admitted
    expect(g.admit('bank-a')?.code).toBe('ADMISSION.OVERLOADED'); // the next one finds the bound passed
    expect(g.state.open).toBe(false);
  });

  it('bounds the due jobs where the queue tells neither age nor completions (SQS)', async () => {
    const { g, sample } = gate({ maxWaitMs: 30_000, maxQueuedJobs: 1_000 });
    await sample({ queued: 999, oldestQueuedMs: null, completedSince: null });
    expect(g.state.open).toBe(true);
    await sample({ queued: 1_001, oldestQueuedMs: null, completedSince: null });
    expect(g.state.open).toBe(false);
    expect(g.admit('x')).toMatchObject({ code: 'ADMISSION.OVERLOADED', retryAfterSeconds: 1 });
    await sample({ queued: 501, oldestQueuedMs: null, completedSince: null });
    expect(g.state.open).toBe(false);
    await sample({ queued: 500, oldestQueuedMs: null, completedSince: null });
    expect(g.state.open).toBe(true);
  });

  it('keeps its last decision when the backlog cannot be read', async () => {
    const { g, queue, clock, sample } = gate();
    await sample({ queued: 10, oldestQueuedMs: 40_000 });
    expect(g.state.open).toBe(false);
    queue.backlog = () => Promise.reject(new Error('database is locked'));
    clock.advance(1000);
    await g.sample();
    expect(g.state.open).toBe(false);
  });

  it('gives each client its quota of payments per second (one second of burst), refusing the excess with 429', async () => {
    const { g, clock } = gate({ quotas: new Map([['bank-a', 2]]), defaultQuota: 1 });
    expect(g.admit('bank-a')).toBeNull();
    expect(g.admit('bank-a')).toBeNull();
    expect(g.admit('bank-a')).toMatchObject({ code: 'ADMISSION.CLIENT_QUOTA', retryAfterSeconds: 1 });
    // another client is not affected by bank-a's use, and has the default quota
    expect(g.admit('bank-b')).toBeNull();
    expect(g.admit('bank-b')?.code).toBe('ADMISSION.CLIENT_QUOTA');
    clock.advance(500);
    expect(g.admit('bank-a')).toBeNull(); // half a second refills one payment at 2/s
    expect(g.admit('bank-a')?.code).toBe('ADMISSION.CLIENT_QUOTA');
    expect(g.refused.quota).toBe(3);
  });

  it('without a quota or bounds, admits everything and does not watch the queue', async () => {
    const { g } = gate({ maxWaitMs: 0, maxQueuedJobs: 0 });
    expect(g.watching).toBe(false);
    for (let i = 0; i < 1000; i++) expect(g.admit('bank-a')).toBeNull();
  });
});
