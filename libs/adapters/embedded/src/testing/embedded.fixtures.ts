// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Test support only (not exported from the library): temp dirs and sample data. */
export function tempDataDir(prefix = 'clearway-embedded-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Sample payments, keys and jobs are the port contract suites' own, so every store is tested on the same data.
export { keysOf, sampleJob, samplePayment } from '../../../../application/src/testing/contracts/contract.fixtures.js';

/** A settable clock for queue tests. */
export class ManualClock {
  constructor(public ms = Date.parse('2025-01-15T10:00:00.000Z')) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
