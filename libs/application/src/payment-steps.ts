// SPDX-License-Identifier: Apache-2.0
import { Payment, type PaymentSnapshot, type StatusReason } from '#domain';
import { ConcurrentUpdateError, TransactionNotFoundError } from './application.errors.js';
import type { Posting } from './ports/ledger.port.js';
import type { MessageArchive } from './ports/message-archive.port.js';
import type { TransactionRepository } from './ports/transaction-repository.port.js';
import type { Job } from './ports/work-queue.port.js';
import { messageDigest, type OutgoingMessage } from './outgoing-message.js';
import type { StatusReportWriter } from './status-report/status-report.writer.js';
import { publishStored, type PaymentEventSink } from './payment-events.js';
/** What one save of a payment carries besides the payment: its follow-up jobs, ledger postings and outgoing messages. */
export interface PaymentChange {
  jobs?: Job[];
  postings?: Posting[];
  /** Outgoing messages stored with this state (after its pacs.002, when it has one), built from the moved payment. */
  outgoing?: OutgoingMessage[] | ((moved: PaymentSnapshot) => Promise<OutgoingMessage[]>);
}

export interface SaveDeps {
  repository: TransactionRepository;
  reports: StatusReportWriter;
  clock: { now(): Date };
  /** Where stored status changes are published (the CQRS EventBus); absent in unit tests. */
  events?: PaymentEventSink | null;
}

export async function loadPayment(repository: TransactionRepository, id: string): Promise<Payment> {
  const snapshot = await repository.get(id);
  if (!snapshot) throw new TransactionNotFoundError(id);
  return Payment.fromSnapshot(snapshot);
}

/**
 * The one save path of a payment that exists. A payment whose status moved to a terminal one since it was
 * loaded gets its pacs.002 (and the job publishing it); its outgoing messages are archived (content-addressed,
 * so a retried step keeps one copy) and recorded on the payment; then the payment, its jobs and its postings
 * are written in one conditional write on the version it was loaded at. The outbox serves only the messages
 * the stored version records, so a save that loses the race leaves nothing anyone sees.
 *
 * Returns the payment as stored; throws ConcurrentUpdateError when someone else wrote first (the caller
 * decides again on fresh state), or the ledger's LedgerError when a posting is refused (nothing was written).
 */
export async function savePayment(deps: SaveDeps, payment: Payment, change: PaymentChange = {}): Promise<Payment> {
  const loadedVersion = payment.version;
  const moved = payment.toSnapshot();
  const outgoing: OutgoingMessage[] = [];
  let jobs = change.jobs ?? [];
  if (payment.statusMovedSinceLoad && payment.isTerminal && payment.kind === 'payment') {
    outgoing.push(await deps.reports.report(moved));
    jobs = [...jobs, ...deps.reports.followUpJobs(moved)];
  }
  outgoing.push(...(typeof change.outgoing === 'function' ? await change.outgoing(moved) : (change.outgoing ?? [])));
  await recordOutgoing({ archive: deps.reports.archive, clock: deps.clock }, payment, outgoing);
  const snapshot = payment.toSnapshot();
  const stored = await deps.repository.update(snapshot, loadedVersion, jobs, change.postings ?? []);
  if (!stored) throw new ConcurrentUpdateError(payment.id);
  const saved = { ...snapshot, version: loadedVersion + 1 };
  publishStored(deps.events, payment.pullEvents(), saved);
  return Payment.fromSnapshot(saved);
}

/** Archives `outgoing` under the payment and records each on it (to be stored by the caller's write). */
export async function recordOutgoing(
  deps: { archive: MessageArchive; clock: { now(): Date } },
  payment: Payment,
  outgoing: OutgoingMessage[],
): Promise<void> {
  for (const m of outgoing) {
    const at = deps.clock.now().toISOString();
    await deps.archive.put({
      transactionId: payment.id,
      direction: 'out',
      messageType: m.messageType,
      channel: m.channel,
      body: m.body,
      at,
    });
    payment.recordOutgoing({ messageType: m.messageType, sha256: messageDigest(m.body), at });
  }
}

/** How many times a step decides again on fresh state after losing a race (ConcurrentUpdateError). */
export const FRESH_STATE_ATTEMPTS = 6;

/**
 * The one retry loop of the save path: runs `step` (which loads what it needs, decides, and saves), and when
 * its save lost a race to another writer, runs it again on the fresh state, up to FRESH_STATE_ATTEMPTS times.
 * Any other error, or the last lost race, goes to the caller.
 */
export async function onFreshState<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (!(e instanceof ConcurrentUpdateError) || attempt >= FRESH_STATE_ATTEMPTS) throw e;
    }
  }
}

/**
 * Ends a message transaction (pacs.028, camt.056, pacs.004, pain.001) ACSC or RJCT with its answer, retrying a
 * lost race; one already ended is left as it is. `answer` builds the answer from the transaction as it stands
 * (its own outbox gets it in the same save). Returns the stored transaction.
 */
export async function completeMessage(
  deps: SaveDeps,
  id: string,
  to: 'ACSC' | 'RJCT',
  reason?: StatusReason,
  answer: (m: PaymentSnapshot) => Promise<OutgoingMessage[]> = async () => [],
): Promise<PaymentSnapshot> {
  return onFreshState(async () => {
    const snapshot = await deps.repository.get(id);
    if (!snapshot) throw new TransactionNotFoundError(id);
    if (snapshot.status === 'ACSC' || snapshot.status === 'RJCT') return snapshot;
    const m = Payment.fromSnapshot(snapshot);
    m.completeMessage(to, deps.clock.now(), reason);
    return (await savePayment(deps, m, { outgoing: await answer(m.toSnapshot()) })).toSnapshot();
  });
}
