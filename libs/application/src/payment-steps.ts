import { createHash } from 'node:crypto';
import { Payment, type PaymentSnapshot, type PaymentStatus, type StatusReason } from '#domain';
import { ConcurrentUpdateError, TransactionNotFoundError } from './application.errors.js';
import type { Posting } from './ports/ledger.port.js';
import type { MessageArchive } from './ports/message-archive.port.js';
import type { TransactionRepository } from './ports/transaction-repository.port.js';
import type { Job } from './ports/work-queue.port.js';
import type { StatusReportWriter } from './status-report/status-report.writer.js';

/** An outgoing message (report, answer, request to the host) to be stored with a state of its transaction. */
export interface OutgoingMessage {
  messageType: string;
  /** Where it goes: `gateway` (the consumer's outbox), `host:<name>`. */
  channel: string;
  body: string;
}

/** Hex SHA-256 of a message's UTF-8 bytes: how a transaction refers to the exact message it owns. */
export function messageDigest(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** What one save of a payment carries besides the payment: its follow-up jobs, ledger postings and outgoing messages. */
export interface PaymentChange {
  jobs?: Job[];
  postings?: Posting[];
  outgoing?: OutgoingMessage[];
}

export interface SaveDeps {
  repository: TransactionRepository;
  archive: MessageArchive;
  clock: { now(): Date };
}

export async function loadPayment(repository: TransactionRepository, id: string): Promise<Payment> {
  const snapshot = await repository.get(id);
  if (!snapshot) throw new TransactionNotFoundError(id);
  return Payment.fromSnapshot(snapshot);
}

/**
 * The one save path of a payment that exists: its outgoing messages are archived (content-addressed, so a
 * retried step keeps one copy) and recorded on the payment, then the payment, its jobs and its postings are
 * written in one conditional write on the version it was loaded at. The outbox serves only the messages the
 * stored version records, so a save that loses the race leaves nothing anyone sees. Returns the payment as
 * stored; throws ConcurrentUpdateError when someone else wrote first (the caller decides again on fresh state),
 * or the ledger's LedgerError when a posting is refused (then nothing was written).
 */
export async function savePayment(deps: SaveDeps, payment: Payment, change: PaymentChange = {}): Promise<Payment> {
  const loadedVersion = payment.version;
  await recordOutgoing(deps, payment, change.outgoing ?? []);
  const snapshot = payment.toSnapshot();
  const stored = await deps.repository.update(snapshot, loadedVersion, change.jobs ?? [], change.postings ?? []);
  if (!stored) throw new ConcurrentUpdateError(payment.id);
  return Payment.fromSnapshot({ ...snapshot, version: loadedVersion + 1 });
}

/** Archives `outgoing` under the payment and records each on it (to be stored by the caller's write). */
export async function recordOutgoing(deps: Omit<SaveDeps, 'repository'>, payment: Payment, outgoing: OutgoingMessage[]): Promise<void> {
  for (const m of outgoing) {
    const at = deps.clock.now().toISOString();
    await deps.archive.put({ transactionId: payment.id, direction: 'out', messageType: m.messageType, channel: m.channel, body: m.body, at });
    payment.recordOutgoing({ messageType: m.messageType, sha256: messageDigest(m.body), at });
  }
}

/**
 * Moves a payment to `to` and saves it with the jobs that must follow. A payment reaching a terminal status
 * gets its pacs.002 (and the job publishing it) in the same save; `more` builds further outgoing messages
 * from the moved payment (a camt.029 answering a cancellation, say), stored after the report.
 */
export async function commitTransition(
  deps: { repository: TransactionRepository; reports: StatusReportWriter; clock: { now(): Date } },
  payment: Payment,
  to: PaymentStatus,
  reason?: StatusReason,
  jobs: Job[] = [],
  more: (moved: PaymentSnapshot) => Promise<OutgoingMessage[]> = async () => [],
  postings: Posting[] = [],
): Promise<Payment> {
  payment.transition(to, deps.clock.now(), reason);
  const snapshot = payment.toSnapshot();
  const outgoing: OutgoingMessage[] = [];
  let followUps = jobs;
  // Only payments get a pacs.002; a message transaction (pacs.028, camt.056, ...) stores its own answer.
  if (payment.isTerminal && payment.kind === 'payment') {
    outgoing.push(await deps.reports.report(snapshot));
    followUps = [...jobs, ...deps.reports.followUpJobs(snapshot)];
  }
  outgoing.push(...(await more(snapshot)));
  return savePayment({ repository: deps.repository, archive: deps.reports.archive, clock: deps.clock }, payment, {
    jobs: followUps,
    outgoing,
    postings,
  });
}

/** Saves a change that is not a status move (a hold released, a cancellation asked, ...) with its jobs and messages. */
export function commitChange(deps: SaveDeps, payment: Payment, jobs: Job[] = [], outgoing: OutgoingMessage[] = []): Promise<Payment> {
  return savePayment(deps, payment, { jobs, outgoing });
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
  for (let attempt = 0; ; attempt++) {
    const snapshot = await deps.repository.get(id);
    if (!snapshot) throw new TransactionNotFoundError(id);
    if (snapshot.status === 'ACSC' || snapshot.status === 'RJCT') return snapshot;
    const m = Payment.fromSnapshot(snapshot);
    m.completeMessage(to, deps.clock.now(), reason);
    try {
      return (await savePayment(deps, m, { outgoing: await answer(m.toSnapshot()) })).toSnapshot();
    } catch (e) {
      if (!(e instanceof ConcurrentUpdateError) || attempt >= 5) throw e;
    }
  }
}
