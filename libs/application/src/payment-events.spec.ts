// SPDX-License-Identifier: Apache-2.0
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Payment } from '#domain';
import { ConcurrentUpdateError } from './application.errors.js';
import { PaymentStatusChangedEvent, type PaymentEventSink } from './payment-events.js';
import { savePayment, type SaveDeps } from './payment-steps.js';
import type { StatusReportWriter } from './status-report/status-report.writer.js';
import { FakeClock, FakeRepository } from './testing/in-memory.fakes.js';
import { paymentSnapshot } from './testing/payment.fixtures.js';

describe('the save path publishes stored status changes (audit log and metrics subscribe)', () => {
  function setup() {
    const repository = new FakeRepository();
    const published: PaymentStatusChangedEvent[] = [];
    const events: PaymentEventSink = { publishAll: (e) => published.push(...e) };
    // ACTC is not terminal: no report is built, so the writer is never asked
    const deps: SaveDeps = { repository, reports: {} as StatusReportWriter, clock: new FakeClock(), events };
    return { repository, published, deps };
  }

  it('publishes each change once the write has committed, with who it is about and nothing of the message', async () => {
    const { repository, published, deps } = setup();
    const stored = paymentSnapshot({ channel: 'api' });
    repository.rows.set(stored.id, stored);
    const p = Payment.fromSnapshot(stored);
    p.passValidation(new Date('2026-11-22T10:00:01.000Z'));
    await savePayment(deps, p);
    expect(published).toHaveLength(1);
    const [e] = published;
    expect(e).toBeInstanceOf(PaymentStatusChangedEvent);
    expect(e!.change).toMatchObject({ transactionId: stored.id, from: 'RCVD', to: 'ACTC' });
    expect(e!.subject).toEqual({
      transactionId: stored.id,
      kind: 'payment',
      clientId: 'bank-a',
      uetr: stored.uetr,
      messageType: 'pacs.008.001.08',
      channel: 'api',
      receivedAt: stored.createdAt,
    });
    expect(JSON.stringify(e!.subject)).not.toContain(stored.debtorName!);
  });

  it('publishes nothing when the write lost a race', async () => {
    const { repository, published, deps } = setup();
    const stored = paymentSnapshot();
    repository.rows.set(stored.id, { ...stored, version: 2 }); // someone else wrote first
    const p = Payment.fromSnapshot(stored);
    p.passValidation(new Date());
    await expect(savePayment(deps, p)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(published).toEqual([]);
  });
});

describe('every use case that saves a payment is given the event bus', () => {
  it('injects EventBus by token (a `EventBus | null` parameter alone gives Nest no type, so nothing would be published)', () => {
    const root = dirname(fileURLToPath(import.meta.url));
    const sources = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    const parameters = sources.flatMap((f) =>
      readFileSync(join(root, f), 'utf8')
        .split('\n')
        .filter((line) => /:\s*EventBus\s*\|\s*null/.test(line))
        .map((line) => ({ file: f, line: line.trim() })),
    );
    expect(parameters.length).toBeGreaterThanOrEqual(11);
    expect(parameters.filter((p) => !p.line.includes('@Inject(EventBus)'))).toEqual([]);
  });
});
