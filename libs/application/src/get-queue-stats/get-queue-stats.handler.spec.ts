// SPDX-License-Identifier: Apache-2.0
import { FakeClock, FakeQueue } from '../testing/in-memory.fakes.js';
import { GetQueueStatsHandler } from './get-queue-stats.handler.js';

describe('GetQueueStatsHandler', () => {
  it("answers the backlog over the last minute and the queue's counts, or null counts when it cannot count", async () => {
    const clock = new FakeClock();
    const queue = new FakeQueue();
    queue.waiting = { queued: 4, inflight: 2, oldestQueuedMs: 1500, completedSince: 30 };
    const since: Date[] = [];
    const backlog = queue.backlog.bind(queue);
    queue.backlog = async (s?: Date) => {
      since.push(s!);
      return backlog();
    };
    const handler = new GetQueueStatsHandler(queue, clock);
    await expect(handler.execute()).resolves.toEqual({ backlog: queue.waiting, counts: null, at: clock.now().toISOString() });
    expect(since[0]!.getTime()).toBe(clock.now().getTime() - 60_000);
    Object.assign(queue, { stats: async () => ({ ready: 4, inflight: 2, dead: 1, done: 9 }) });
    await expect(handler.execute()).resolves.toMatchObject({ counts: { ready: 4, inflight: 2, dead: 1, done: 9 } });
  });
});
