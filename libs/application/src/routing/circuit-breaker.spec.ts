// SPDX-License-Identifier: Apache-2.0
import { CircuitBreaker } from './circuit-breaker.js';

function breaker(settings = { failureThreshold: 3, openMs: 1000, halfOpenProbes: 1 }) {
  const clock = { now: 1_000_000 };
  return { clock, cb: new CircuitBreaker(settings, () => clock.now) };
}

describe('CircuitBreaker', () => {
  it('goes closed -> open -> half-open -> closed', () => {
    const { clock, cb } = breaker();
    expect(cb.state()).toBe('closed');
    for (let i = 0; i < 2; i++) {
      expect(cb.tryAcquire()).toBe(true);
      cb.failure();
    }
    expect(cb.state()).toBe('closed');
    expect(cb.openUntil()).toBeNull();
    cb.failure();
    expect(cb.state()).toBe('open');
    expect(cb.openUntil()).toBe(1_001_000);
    expect(cb.tryAcquire()).toBe(false);
    clock.now += 999;
    expect(cb.state()).toBe('open');
    expect(cb.tryAcquire()).toBe(false);
    clock.now += 1;
    expect(cb.state()).toBe('half-open');
    expect(cb.openUntil()).toBeNull();
    expect(cb.tryAcquire()).toBe(true);
    expect(cb.tryAcquire()).toBe(false); // one probe at a time
    cb.success();
    expect(cb.state()).toBe('closed');
    expect(cb.tryAcquire()).toBe(true);
  });

  it('counts consecutive failures only: a success in between starts again', () => {
    const { cb } = breaker();
    cb.failure();
    cb.failure();
    cb.success();
    cb.failure();
    cb.failure();
    expect(cb.state()).toBe('closed');
    cb.failure();
    expect(cb.state()).toBe('open');
  });

  it('a failed probe opens it again for another openMs', () => {
    const { clock, cb } = breaker();
    for (let i = 0; i < 3; i++) cb.failure();
    clock.now += 1000;
    expect(cb.tryAcquire()).toBe(true);
    cb.failure();
    expect(cb.state()).toBe('open');
    expect(cb.openUntil()).toBe(clock.now + 1000);
    expect(cb.tryAcquire()).toBe(false);
    clock.now += 1000;
    expect(cb.state()).toBe('half-open');
    // after a re-open, closing needs one success, not a new series
    expect(cb.tryAcquire()).toBe(true);
    cb.success();
    expect(cb.state()).toBe('closed');
    cb.failure();
    cb.failure();
    expect(cb.state()).toBe('closed');
  });

  it('lets halfOpenProbes calls through at once while half-open', () => {
    const { clock, cb } = breaker({ failureThreshold: 1, openMs: 500, halfOpenProbes: 3 });
    cb.failure();
    clock.now += 500;
    expect([cb.tryAcquire(), cb.tryAcquire(), cb.tryAcquire(), cb.tryAcquire()]).toEqual([true, true, true, false]);
    cb.success();
    expect(cb.state()).toBe('closed');
  });

  it('frees the probe slot of a probe that never reports after openMs', () => {
    const { clock, cb } = breaker();
    for (let i = 0; i < 3; i++) cb.failure();
    clock.now += 1000;
    expect(cb.tryAcquire()).toBe(true);
    clock.now += 999;
    expect(cb.tryAcquire()).toBe(false);
    clock.now += 1;
    expect(cb.state()).toBe('half-open');
    expect(cb.tryAcquire()).toBe(true);
  });

  it('a late outcome while open does not change the state', () => {
    const { cb } = breaker();
    for (let i = 0; i < 3; i++) cb.failure();
    cb.success();
    expect(cb.state()).toBe('open');
    cb.failure();
    expect(cb.openUntil()).toBe(1_001_000);
  });

  it('keeps the error rate of the last 60 seconds', () => {
    const { clock, cb } = breaker({ failureThreshold: 1000, openMs: 1000, halfOpenProbes: 1 });
    expect(cb.stats()).toEqual({ calls: 0, failures: 0, errorRate: 0 });
    cb.success();
    cb.success();
    cb.failure();
    cb.success();
    expect(cb.stats()).toEqual({ calls: 4, failures: 1, errorRate: 0.25 });
    clock.now += 30_000;
    cb.failure();
    expect(cb.stats()).toEqual({ calls: 5, failures: 2, errorRate: 0.4 });
    clock.now += 30_000; // the first second is now 60 s old
    expect(cb.stats()).toEqual({ calls: 1, failures: 1, errorRate: 1 });
    clock.now += 120_000; // a wrapped ring buffer: the old seconds do not come back
    cb.success();
    expect(cb.stats()).toEqual({ calls: 1, failures: 0, errorRate: 0 });
  });
});
