// SPDX-License-Identifier: Apache-2.0
import { ThroughputCap } from './throughput-cap.js';

describe('ThroughputCap', () => {
  it('lets a burst of maxPerSecond through, then one per 1/maxPerSecond', () => {
    const clock = { now: 0 };
    const cap = new ThroughputCap(10, () => clock.now);
    expect(cap.burst).toBe(10);
    for (let i = 0; i < 10; i++) expect(cap.tryTake()).toBe(true);
    expect(cap.tryTake()).toBe(false);
    expect(cap.waitMs()).toBe(100);
    clock.now += 99;
    expect(cap.tryTake()).toBe(false);
    clock.now += 1;
    expect(cap.waitMs()).toBe(0);
    expect(cap.tryTake()).toBe(true);
    expect(cap.tryTake()).toBe(false);
  });

  it('never holds more than the burst, however long it idles', () => {
    const clock = { now: 0 };
    const cap = new ThroughputCap(5, () => clock.now);
    clock.now += 60_000;
    let taken = 0;
    while (cap.tryTake()) taken++;
    expect(taken).toBe(5);
  });

  it('below one per second: a burst of one, then one per 1/maxPerSecond seconds', () => {
    const clock = { now: 0 };
    const cap = new ThroughputCap(0.5, () => clock.now);
    expect(cap.burst).toBe(1);
    expect(cap.tryTake()).toBe(true);
    expect(cap.tryTake()).toBe(false);
    clock.now += 1999;
    expect(cap.tryTake()).toBe(false);
    clock.now += 1;
    expect(cap.tryTake()).toBe(true);
  });

  it('refuses a cap that is not a positive number', () => {
    expect(() => new ThroughputCap(0)).toThrow(RangeError);
    expect(() => new ThroughputCap(Number.NaN)).toThrow(RangeError);
  });
});
