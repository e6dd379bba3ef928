// SPDX-License-Identifier: Apache-2.0
/** In-process nudge to the workers that new jobs were committed (the queue stays the source of truth). */
export interface WorkSignal {
  notify(): void;
}
