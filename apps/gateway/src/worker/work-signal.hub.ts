// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import type { WorkSignal } from '#application';

/** Wakes idle workers of this process when new jobs are committed; polling covers other processes. */
@Injectable()
export class WorkSignalHub implements WorkSignal {
  private waiters: Array<() => void> = [];

  notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  /** Resolves on the next notify() or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(done);
    });
  }
}
