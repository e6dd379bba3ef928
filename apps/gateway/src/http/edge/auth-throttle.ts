// SPDX-License-Identifier: Apache-2.0
/**
 * Throttling of failed client authentications at the token endpoint, per client id and per source address,
 * with exponential backoff.
 *
 * - Each key (`client:<id>`, `source:<address>`) counts failures. The first `failures - 1` cost nothing; the
 *   `failures`-th locks the key for 2 s, and every further failure while the count lasts doubles the lock
 *   (4 s, 8 s, ...) up to `maxSeconds`.
 * - A locked key is refused (429 with Retry-After) without the credentials being checked, so guessing goes at
 *   most one try per lock; a refused request does not count as a failure (and does not lengthen the lock).
 * - The count is forgotten `windowSeconds` after the later of the last failure and the end of the lock.
 * - A success clears the client id's count (whoever sent it knows the secret), but never the source's: an
 *   attacker holding one valid client cannot interleave its own good logins to keep guessing another's secret
 *   from the same address.
 * - At most `maxKeys` keys are kept; when full, keys whose memory has ended go first, then the oldest.
 */
export interface AuthThrottleOptions {
  failures: number;
  windowSeconds: number;
  maxSeconds: number;
  /** Memory bound. Default 100 000 keys. */
  maxKeys?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

export interface ThrottleVerdict {
  /** Seconds until the key may try again (Retry-After); 0 when it may try now. */
  retryAfterSeconds: number;
  /** Which key is locked ('client' or 'source'), when one is. */
  lockedBy: 'client' | 'source' | null;
}

const FIRST_LOCK_MS = 2000;

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly failures: number;
  private readonly windowMs: number;
  private readonly maxMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: AuthThrottleOptions) {
    if (!(options.failures >= 1) || !(options.windowSeconds >= 1) || !(options.maxSeconds >= 1)) {
      throw new Error('AuthThrottle: failures, windowSeconds and maxSeconds must be at least 1');
    }
    this.failures = options.failures;
    this.windowMs = options.windowSeconds * 1000;
    this.maxMs = options.maxSeconds * 1000;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether a request from `source` (for `clientId`, when known yet) must wait. */
  check(source: string, clientId: string | null): ThrottleVerdict {
    const now = this.now();
    const bySource = this.remaining(`source:${source}`, now);
    const byClient = clientId === null ? 0 : this.remaining(`client:${clientId}`, now);
    const ms = Math.max(bySource, byClient);
    if (ms <= 0) return { retryAfterSeconds: 0, lockedBy: null };
    return { retryAfterSeconds: Math.ceil(ms / 1000), lockedBy: byClient >= bySource ? 'client' : 'source' };
  }

  /** A failed authentication from `source` (for `clientId`, when one was named). */
  failure(source: string, clientId: string | null): void {
    const now = this.now();
    this.fail(`source:${source}`, now);
    if (clientId !== null) this.fail(`client:${clientId}`, now);
  }

  /** A successful authentication of `clientId`: its own count ends; the source's does not. */
  success(clientId: string): void {
    this.entries.delete(`client:${clientId}`);
  }

  /** Keys remembered now (for tests and the memory bound). */
  get size(): number {
    return this.entries.size;
  }

  private remaining(key: string, now: number): number {
    const e = this.live(key, now);
    return e ? e.lockedUntil - now : 0;
  }

  private live(key: string, now: number): Entry | null {
    const e = this.entries.get(key);
    if (!e) return null;
    if (this.expired(e, now)) {
      this.entries.delete(key);
      return null;
    }
    return e;
  }

  private expired(e: Entry, now: number): boolean {
    return now >= Math.max(e.lastFailure, e.lockedUntil) + this.windowMs;
  }

  private fail(key: string, now: number): void {
    let e = this.live(key, now);
    if (!e) {
      this.makeRoom(now);
      e = { failures: 0, lockedUntil: 0, lastFailure: now };
    }
    // re-insert: the Map's order is then the order of last failures (oldest first) for eviction
    this.entries.delete(key);
    this.entries.set(key, e);
    e.failures += 1;
    e.lastFailure = now;
    const excess = e.failures - this.failures;
    if (excess >= 0) {
      const lockMs = Math.min(this.maxMs, FIRST_LOCK_MS * 2 ** Math.min(excess, 30));
      e.lockedUntil = Math.max(e.lockedUntil, now + lockMs);
    }
  }

  private makeRoom(now: number): void {
    if (this.entries.size < this.maxKeys) return;
    for (const [key, e] of this.entries) if (this.expired(e, now)) this.entries.delete(key);
    while (this.entries.size >= this.maxKeys) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
