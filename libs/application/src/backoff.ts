// SPDX-License-Identifier: Apache-2.0
/**
 * The project's one backoff: exponential with full jitter, capped — a uniform wait between 0 and
 * min(maxMs, baseMs * 2^(attempt-1)). `attempt` counts from 1 (the wait after the first failure). Used by the
 * pipeline worker's retries, the HTTP host adapter's attempts and the status requests about unknown outcomes.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
