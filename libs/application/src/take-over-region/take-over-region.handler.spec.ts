// SPDX-License-Identifier: Apache-2.0
import { Payment, type PaymentDetails } from '#domain';
import { DEFAULT_PIPELINE_SETTINGS } from '../pipeline.settings.js';
import { JobType } from '../ports/work-queue.port.js';
import { FakeClock, FakeQueue, FakeRepository } from '../testing/in-memory.fakes.js';
import { TakeOverRegionCommand } from './take-over-region.command.js';
import { TakeOverRegionHandler } from './take-over-region.handler.js';

const details: PaymentDetails = {
  messageType: 'pacs.008.001.08',
  msgId: 'M1',
  creationDateTime: null,
  instrId: null,
  endToEndId: 'E1',
  txId: null,
  uetr: null,
  amount: { value: '10.00', currency: 'EUR' },
  settlementDate: null,
  settlementMethod: null,
  chargeBearer: null,
  debtorName: null,
  debtorAccount: null,
  debtorAgent: null,
  creditorName: null,
  creditorAccount: null,
  creditorAgent: null,
  instructingAgent: null,
  instructedAgent: null,
  appHeader: null,
};

describe('TakeOverRegionHandler', () => {
  it("enqueues the next step of the failed region's stale in-flight payments, in this region's queue, once per version and epoch", async () => {
    const clock = new FakeClock();
    const repo = new FakeRepository();
    const queue = new FakeQueue();
    const store = async (id: string, home: string, step: (p: Payment) => void) => {
      const p = Payment.receive({ id, clientId: 'c1', at: clock.now(), ...details, msgId: `M-${id}` });
      p.receivedIn(home);
      step(p);
      await repo.create(p.toSnapshot(), { msgIdEndToEndId: `M-${id}|E1` }, []);
    };
    await store('a-received', 'a', () => undefined);
    await store('a-released', 'a', (p) => {
      p.passValidation(clock.now());
      p.markReleased(clock.now());
    });
    await store('a-settled', 'a', (p) => {
      p.passValidation(clock.now());
      p.markReleased(clock.now());
      p.applyHostOutcome({ kind: 'settled' }, clock.now());
    });
    await store('b-received', 'b', () => undefined);
    clock.advance(DEFAULT_PIPELINE_SETTINGS.recoveryAfterMs + 1);
    await store('a-fresh', 'a', () => undefined); // moved just now: left to whoever moved it
    const handler = new TakeOverRegionHandler(repo, queue, clock, DEFAULT_PIPELINE_SETTINGS, { notify: () => undefined });

    await expect(handler.execute(new TakeOverRegionCommand('a', 2))).resolves.toEqual({ redriven: 2 });
    expect(queue.enqueued.map((j) => [j.transactionId, j.type, j.deduplicationId])).toEqual([
      ['a-received', JobType.PROCESS, 'a-received:process:takeover-a-e2-v1'],
      ['a-released', JobType.RELEASE, 'a-released:release:takeover-a-e2-v1'],
    ]);
  });
});
