// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { contractJob } from '../../../application/src/testing/contracts/work-queue.contract.js';
import { PostgresWorkQueue } from './postgres-work-queue.adapter.js';
import { testSchemas } from './testing/postgres.fixtures.js';

/** What the contract cannot race: a group's head finishing while the next job of the group is enqueued elsewhere. */
describe('PostgresWorkQueue between processes', () => {
  const schemas = testSchemas(process.env.DATABASE_URL);
  afterAll(() => schemas.cleanup());

  it('never strands a job blocked behind a head that finished in the same instant (ack racing enqueue)', async () => {
    const db = await schemas.fresh();
    const worker = new PostgresWorkQueue(db);
    const writer = new PostgresWorkQueue(schemas.open(db.options.schema!));
    for (let round = 0; round < 30; round++) {
      const group = randomUUID();
      await worker.enqueue([contractJob({ groupKey: group, transactionId: group })]);
      const [head] = await worker.receive(1, 30_000);
      expect(head?.job.groupKey).toBe(group);
      const next = contractJob({ groupKey: group, transactionId: group });
      await Promise.all([worker.ack(head!.receipt), writer.enqueue([next])]);
      const [got] = await worker.receive(1, 30_000);
      expect({ round, got: got?.job.deduplicationId }).toEqual({ round, got: next.deduplicationId });
      await worker.ack(got!.receipt);
    }
    await expect(worker.stats()).resolves.toMatchObject({ ready: 0, inflight: 0, dead: 0, done: 60 });
  }, 60_000);

  it('shares the due jobs between receivers on separate pools without handing one out twice', async () => {
    const db = await schemas.fresh();
    const queues = [new PostgresWorkQueue(db), ...[1, 2, 3].map(() => new PostgresWorkQueue(schemas.open(db.options.schema!)))];
    const jobs = Array.from({ length: 200 }, () => contractJob());
    await queues[0]!.enqueue(jobs);
    const seen: string[] = [];
    await Promise.all(
      queues.map(async (q) => {
        for (;;) {
          const got = await q.receive(7, 30_000);
          if (got.length === 0) return;
          for (const r of got) {
            seen.push(r.job.deduplicationId);
            await q.ack(r.receipt);
          }
        }
      }),
    );
    expect(seen.sort()).toEqual(jobs.map((j) => j.deduplicationId).sort());
  }, 60_000);
});
