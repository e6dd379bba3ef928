// SPDX-License-Identifier: Apache-2.0
/** One dependency `/health/ready` checks: a Terminus indicator under `key`, up when `ping` resolves. */
export interface ReadinessCheck {
  key: string;
  ping(): Promise<void>;
  /** Shown with the indicator (adapter, table, queue, bucket ...; never a secret). */
  details?: Record<string, string>;
  timeoutMs?: number;
}

/** DI token of the `ReadinessCheck[]` the composition root assembles for the active adapters. */
export const READINESS_CHECKS = Symbol('clearway.ReadinessChecks');
