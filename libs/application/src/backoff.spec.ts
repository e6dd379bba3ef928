// SPDX-License-Identifier: Apache-2.0
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffDelay(1, 200, 2000, () => 0.999)).toBe(199);
    expect(backoffDelay(2, 200, 2000, () => 0.999)).toBe(399);
    expect(backoffDelay(3, 200, 2000, () => 0.5)).toBe(400);
    expect(backoffDelay(10, 200, 2000, () => 0.999)).toBe(1998);
    expect(backoffDelay(4, 200, 2000, () => 0)).toBe(0);
  });
});
