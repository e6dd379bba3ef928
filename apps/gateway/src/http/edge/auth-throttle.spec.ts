// SPDX-License-Identifier: Apache-2.0
import { AuthThrottle } from './auth-throttle.js';

describe('AuthThrottle', () => {
  let now: number;
  const throttle = (over: Partial<ConstructorParameters<typeof AuthThrottle>[0]> = {}) =>
    new AuthThrottle({ failures: 3, windowSeconds: 60, maxSeconds: 900, now: () => now, ...over });

  beforeEach(() => {
    now = 1_000_000;
  });

  it('lets the first failures through and locks the source and the client id at the Nth', () => {
    const t = throttle();
    t.failure('10.0.0.1', 'bank-a');
    t.failure('10.0.0.1', 'bank-a');
    expect(t.check('10.0.0.1', 'bank-a')).toEqual({ retryAfterSeconds: 0, lockedBy: null });
    t.failure('10.0.0.1', 'bank-a');
    expect(t.check('10.0.0.1', null)).toEqual({ retryAfterSeconds: 2, lockedBy: 'source' });
    // the client id is locked from any other address too
    expect(t.check('10.0.0.2', 'bank-a')).toEqual({ retryAfterSeconds: 2, lockedBy: 'client' });
    // another client from another address is not
    expect(t.check('10.0.0.2', 'bank-b').retryAfterSeconds).toBe(0);
  });

  it('doubles the lock with every further failure, up to the cap', () => {
    const t = throttle({ maxSeconds: 20 });
    const locks: number[] = [];
    for (let i = 0; i < 8; i++) {
      t.failure('10.0.0.1', null);
      locks.push(t.check('10.0.0.1', null).retryAfterSeconds);
      now += locks[locks.length - 1]! * 1000; // wait out the lock, then fail again
    }
    expect(locks).toEqual([0, 0, 2, 4, 8, 16, 20, 20]);
  });

  it('counts failures per source even when each names another client id (spraying)', () => {
    const t = throttle();
    for (const id of ['a', 'b', 'c']) t.failure('10.0.0.9', id);
    expect(t.check('10.0.0.9', 'd')).toEqual({ retryAfterSeconds: 2, lockedBy: 'source' });
  });

  it('counts failures per client id even from many sources (distributed guessing)', () => {
    const t = throttle();
    for (const src of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) t.failure(src, 'bank-a');
    expect(t.check('10.0.0.4', 'bank-a')).toEqual({ retryAfterSeconds: 2, lockedBy: 'client' });
  });

  it("a success clears the client id's count but not the source's", () => {
    const t = throttle();
    t.failure('10.0.0.1', 'victim');
    t.failure('10.0.0.1', 'victim');
    t.success('own-client'); // the attacker's own valid login from the same address
    t.success('victim');
    expect(t.check('10.0.0.1', 'victim').retryAfterSeconds).toBe(0);
    t.failure('10.0.0.1', 'victim');
    // the source reached 3 failures although successes came in between
    expect(t.check('10.0.0.1', 'victim')).toEqual({ retryAfterSeconds: 2, lockedBy: 'source' });
  });

  it('forgets a count a window after the last failure or lock', () => {
    const t = throttle({ windowSeconds: 60 });
    t.failure('10.0.0.1', 'bank-a');
    t.failure('10.0.0.1', 'bank-a');
    now += 59_999;
    t.failure('10.0.0.1', 'bank-a');
    expect(t.check('10.0.0.1', 'bank-a').retryAfterSeconds).toBe(2);
    now += 2_000 + 60_000;
    expect(t.check('10.0.0.1', 'bank-a').retryAfterSeconds).toBe(0);
    expect(t.size).toBe(0);
    t.failure('10.0.0.1', 'bank-a');
    expect(t.check('10.0.0.1', 'bank-a').retryAfterSeconds).toBe(0);
  });

  it('keeps at most maxKeys keys, dropping the oldest', () => {
    const t = throttle({ maxKeys: 4, failures: 1 });
    for (let i = 0; i < 10; i++) t.failure(`10.0.1.${i}`, null);
    expect(t.size).toBe(4);
    expect(t.check('10.0.1.9', null).retryAfterSeconds).toBe(2);
    expect(t.check('10.0.1.0', null).retryAfterSeconds).toBe(0);
  });

  it('refuses nonsense settings', () => {
    expect(() => throttle({ failures: 0 })).toThrow(/at least 1/);
  });
});
