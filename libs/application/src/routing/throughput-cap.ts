// SPDX-License-Identifier: Apache-2.0
/**
 * A connector's throughput cap, per process: a token bucket refilled at `maxPerSecond` tokens a second, holding at
 * most max(1, maxPerSecond) (the burst), full at start. `tryTake` spends one token when there is one.
 */
/** A token, give or take the rounding of the refill arithmetic (a token due at t must be there at t). */
const WHOLE = 1 - 1e-9;

export class ThroughputCap {
  private tokens: number;
  private last: number;
  readonly burst: number;

  constructor(
    readonly maxPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isFinite(maxPerSecond) || maxPerSecond <= 0)
      throw new RangeError(`maxPerSecond must be a positive number, not ${maxPerSecond}`);
    this.burst = Math.max(1, maxPerSecond);
    this.tokens = this.burst;
    this.last = now();
  }

  tryTake(): boolean {
    this.refill();
    if (this.tokens < WHOLE) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  /** Milliseconds until a token is there (0 when one is now). */
  waitMs(): number {
    this.refill();
    return this.tokens >= WHOLE ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.maxPerSecond);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.maxPerSecond) / 1000);
      this.last = now;
    }
  }
}
