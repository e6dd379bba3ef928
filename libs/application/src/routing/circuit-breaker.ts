// SPDX-License-Identifier: Apache-2.0
import type { CircuitSettings } from './routing.model.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** Seconds of history kept for the recent error rate. */
const WINDOW_SECONDS = 60;

/**
 * A connector's circuit breaker, per process.
 *
 * - **closed**: every call goes through; consecutive failures are counted and a success resets the count. At
 *   `failureThreshold` consecutive failures it opens.
 * - **open** for `openMs`: no call goes through (`tryAcquire` is false).
 * - **half-open** once `openMs` has passed: `halfOpenProbes` calls are let through; the first success closes it,
 *   a failure opens it again for another `openMs`. A probe that never reports frees its slot after `openMs` (so
 *   a lost call cannot keep the circuit half-open for ever).
 *
 * A late outcome of a call let through before the circuit opened counts in the error rate but does not change
 * the state while it is open. `stats()` is the error rate of the last 60 s, kept in one counter pair per second
 * (constant memory).
 */
export class CircuitBreaker {
  private current: 'closed' | 'open' | 'half-open' = 'closed';
  private consecutiveFailures = 0;
  private openedUntil = 0;
  private probesTaken = 0;
  private probesSince = 0;
  private readonly bucketSecond = new Array<number>(WINDOW_SECONDS).fill(-1);
  private readonly bucketCalls = new Array<number>(WINDOW_SECONDS).fill(0);
  private readonly bucketFailures = new Array<number>(WINDOW_SECONDS).fill(0);

  constructor(
    private readonly settings: CircuitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  state(): CircuitState {
    const now = this.now();
    if (this.current === 'open' && now >= this.openedUntil) {
      this.current = 'half-open';
      this.probesTaken = 0;
      this.probesSince = now;
    }
    if (this.current === 'half-open' && this.probesTaken > 0 && now - this.probesSince >= this.settings.openMs) {
      this.probesTaken = 0;
      this.probesSince = now;
    }
    return this.current;
  }

  /** Whether a call may go now: always when closed, never when open, while a probe slot is free when half-open. */
  tryAcquire(): boolean {
    switch (this.state()) {
      case 'closed':
        return true;
      case 'open':
        return false;
      case 'half-open':
        if (this.probesTaken >= this.settings.halfOpenProbes) return false;
        if (this.probesTaken === 0) this.probesSince = this.now();
        this.probesTaken++;
        return true;
    }
  }

  success(): void {
    this.record(false);
    const state = this.state();
    if (state === 'closed') this.consecutiveFailures = 0;
    else if (state === 'half-open') this.close();
  }

  failure(): void {
    this.record(true);
    const state = this.state();
    if (state === 'closed') {
      this.consecutiveFailures++;
      if (this.consecutiveFailures >= this.settings.failureThreshold) this.open();
    } else if (state === 'half-open') this.open();
  }

  /** When an open circuit lets probes through; null unless open. */
  openUntil(): number | null {
    return this.state() === 'open' ? this.openedUntil : null;
  }

  /** Calls and failures reported in the last 60 seconds (this second included). */
  stats(): { calls: number; failures: number; errorRate: number } {
    const second = Math.floor(this.now() / 1000);
    let calls = 0;
    let failures = 0;
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      if (this.bucketSecond[i]! > second - WINDOW_SECONDS) {
        calls += this.bucketCalls[i]!;
        failures += this.bucketFailures[i]!;
      }
    }
    return { calls, failures, errorRate: calls === 0 ? 0 : failures / calls };
  }

  private open(): void {
    this.current = 'open';
    this.openedUntil = this.now() + this.settings.openMs;
    this.probesTaken = 0;
  }

  private close(): void {
    this.current = 'closed';
    this.consecutiveFailures = 0;
    this.probesTaken = 0;
  }

  private record(failed: boolean): void {
    const second = Math.floor(this.now() / 1000);
    const i = ((second % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS;
    if (this.bucketSecond[i] !== second) {
      this.bucketSecond[i] = second;
      this.bucketCalls[i] = 0;
      this.bucketFailures[i] = 0;
    }
    this.bucketCalls[i]!++;
    if (failed) this.bucketFailures[i]!++;
  }
}
