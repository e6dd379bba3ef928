// SPDX-License-Identifier: Apache-2.0
import { Logger } from '@nestjs/common';
import type { CommandBus } from '@nestjs/cqrs';
import { ScreeningPendingError, type Job, type ReceivedJob, type WorkQueue } from '#application';
import { loadConfiguration } from '../config/configuration.js';
import { PipelineWorker, waitingContinuation } from './pipeline.worker.js';
import type { WorkSignalHub } from './work-signal.hub.js';

const JOB: Job = { type: 'payment.process', transactionId: 't1', groupKey: 't1', deduplicationId: 't1:process:initial' };

/** Records what the worker does with a job. */
function recordingQueue() {
  const calls: string[] = [];
  const enqueued: Job[] = [];
  const queue = {
    enqueue: async (jobs: Job[]) => {
      calls.push('enqueue');
      enqueued.push(...jobs);
    },
    ack: async () => void calls.push('ack'),
    retry: async () => {
      calls.push('retry');
      return 'retried' as const;
    },
    deadLetter: async () => void calls.push('deadLetter'),
  } as unknown as WorkQueue;
  return { queue, calls, enqueued };
}

function worker(queue: WorkQueue, error: Error) {
  const config = loadConfiguration({ JOB_MAX_ATTEMPTS: '3' }).worker;
  const commands = { execute: () => Promise.reject(error) } as unknown as CommandBus;
  const w = new PipelineWorker(queue, config, commands, {} as WorkSignalHub);
  return w as unknown as { handle(job: ReceivedJob): Promise<void> };
}

describe('PipelineWorker with a step waiting for a dependency', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['error', 'warn', 'log']));

  it('retries it through the queue while it has attempts left', async () => {
    const { queue, calls } = recordingQueue();
    await worker(queue, new ScreeningPendingError('t1', 'HTTP 503')).handle({ job: JOB, receipt: 'r', attempt: 2 });
    expect(calls).toEqual(['retry']);
  });

  it('carries it on as a fresh, delayed job instead of letting it be dead-lettered', async () => {
    const { queue, calls, enqueued } = recordingQueue();
    const before = Date.now();
    await worker(queue, new ScreeningPendingError('t1', 'HTTP 503')).handle({ job: JOB, receipt: 'r', attempt: 3 });
    expect(calls).toEqual(['enqueue', 'ack']);
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({
      type: 'payment.process',
      transactionId: 't1',
      groupKey: 't1',
      deduplicationId: 't1:process:initial:wait-1',
    });
    expect(enqueued[0]!.notBefore!.getTime()).toBeGreaterThan(before);
  });

  it('leaves other failures to the queue, which dead-letters them after their attempts', async () => {
    const { queue, calls } = recordingQueue();
    await worker(queue, new Error('bug')).handle({ job: JOB, receipt: 'r', attempt: 3 });
    expect(calls).toEqual(['retry']);
  });
});

describe('waitingContinuation', () => {
  it('counts continuations in its payload, gives each a deduplication id of its own, and delays the job', () => {
    const first = waitingContinuation(JOB, 5000, 1_000);
    expect(first).toEqual({
      ...JOB,
      deduplicationId: 't1:process:initial:wait-1',
      notBefore: new Date(6_000),
      payload: { continuation: { of: 't1:process:initial', n: 1 } },
    });
    expect(waitingContinuation(first, 10, 0).deduplicationId).toBe('t1:process:initial:wait-2');
    expect(waitingContinuation(first, 10, 0).payload).toEqual({ continuation: { of: 't1:process:initial', n: 2 } });
  });
});
