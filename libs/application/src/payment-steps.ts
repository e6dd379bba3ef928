import { Payment, type PaymentSnapshot, type PaymentStatus, type StatusReason } from '#domain';
import { ConcurrentUpdateError, TransactionNotFoundError } from './application.errors.js';
import type { TransactionRepository } from './ports/transaction-repository.port.js';
import type { Job } from './ports/work-queue.port.js';
import type { StatusReportWriter } from './status-report/status-report.writer.js';

export async function loadPayment(repository: TransactionRepository, id: string): Promise<Payment> {
  const snapshot = await repository.get(id);
  if (!snapshot) throw new TransactionNotFoundError(id);
  return Payment.fromSnapshot(snapshot);
}

/**
 * Moves a payment to `to` and stores it conditionally on the version it was loaded at, with the jobs
 * that must follow. A terminal status gets its pacs.002 archived first, so no terminal payment lacks one.
 */
export async function commitTransition(
  deps: { repository: TransactionRepository; reports: StatusReportWriter; clock: { now(): Date } },
  payment: Payment,
  to: PaymentStatus,
  reason?: StatusReason,
  jobs: Job[] = [],
): Promise<Payment> {
  const loadedVersion = payment.version;
  payment.transition(to, deps.clock.now(), reason);
  const snapshot = payment.toSnapshot();
  let followUps = jobs;
  // Only payments get a pacs.002; a message transaction (pacs.028, camt.056, ...) archives its own answer.
  if (payment.isTerminal && payment.kind === 'payment') {
    await deps.reports.write(snapshot);
    followUps = [...jobs, ...deps.reports.followUpJobs(snapshot)];
  }
  const stored = await deps.repository.update(snapshot, loadedVersion, followUps);
  if (!stored) throw new ConcurrentUpdateError(payment.id);
  // The payment as now stored, so a step can go on without reading it back.
  return Payment.fromSnapshot({ ...snapshot, version: loadedVersion + 1 });
}

/** Stores a change that is not a status move (a hold released, a cancellation asked, ...) with its jobs. */
export async function commitChange(
  deps: { repository: TransactionRepository },
  payment: Payment,
  jobs: Job[] = [],
): Promise<Payment> {
  const loadedVersion = payment.version;
  const snapshot = payment.toSnapshot();
  const stored = await deps.repository.update(snapshot, loadedVersion, jobs);
  if (!stored) throw new ConcurrentUpdateError(payment.id);
  return Payment.fromSnapshot({ ...snapshot, version: loadedVersion + 1 });
}

/**
 * Ends a message transaction (pacs.028, camt.056, pacs.004, pain.001) ACSC or RJCT, retrying a lost race;
 * one already ended is left as it is. Returns the stored transaction.
 */
export async function completeMessage(
  deps: { repository: TransactionRepository; clock: { now(): Date } },
  id: string,
  to: 'ACSC' | 'RJCT',
  reason?: StatusReason,
): Promise<PaymentSnapshot> {
  for (let attempt = 0; ; attempt++) {
    const snapshot = await deps.repository.get(id);
    if (!snapshot) throw new TransactionNotFoundError(id);
    if (snapshot.status === 'ACSC' || snapshot.status === 'RJCT') return snapshot;
    const m = Payment.fromSnapshot(snapshot);
    m.completeMessage(to, deps.clock.now(), reason);
    if (await deps.repository.update(m.toSnapshot(), snapshot.version, [])) return { ...m.toSnapshot(), version: snapshot.version + 1 };
    if (attempt >= 5) throw new ConcurrentUpdateError(id);
  }
}
