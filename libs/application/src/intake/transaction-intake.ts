// SPDX-License-Identifier: Apache-2.0
import { EventBus } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Payment, PaymentSnapshot } from '#domain';
import { CLOCK, ID_GENERATOR, MESSAGE_ARCHIVE, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock, IdGenerator } from '../ports/support.port.js';
import type { TransactionRepository, UniquenessKeys } from '../ports/transaction-repository.port.js';
import type { Job } from '../ports/work-queue.port.js';
import { messageDigest, type OutgoingMessage } from '../outgoing-message.js';
import { recordOutgoing, type SaveDeps } from '../payment-steps.js';
import { publishStored } from '../payment-events.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import type { SubmitPaymentResult } from '../submit-payment/submit-payment.command.js';

/** One message as it arrived, after decoding: who sent it, how, the exact text, and the client's idempotency key. */
export interface IntakeRequest {
  clientId: string;
  channel: string;
  /** The exact text that is validated, stored, and (for a payment) released. */
  text: string;
  /** messageDigest(text): compares a retry with the first request and names the transaction's own message. */
  requestHash: string;
  /** The client's `X-Transaction-Id` (REST) or message id (MQ). */
  transactionId: string | null;
  /**
   * The text as received, when `text` is not it (a Document in no namespace repaired from its MsgDefIdr):
   * archived beside `text` for the record, never validated, owned or released.
   */
  received?: string;
}

/** Where a message goes: a fresh transaction id (with the client's idempotency key), or an answer already. */
export type IdResolution =
  | { kind: 'fresh'; id: string; idempotency: UniquenessKeys['idempotency'] }
  | { kind: 'existing'; transaction: PaymentSnapshot; sameRequest: boolean };

/** A UUID (version 4 layout) derived from a seed: the same seed always gives the same id. */
export function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * How every inbox message becomes a transaction: its id is resolved before anything is written (a retry of
 * the client's own request is answered from what is stored, a different request under its id is refused, and
 * an id another client holds is never touched nor revealed), then the transaction is created owning the exact
 * message that was validated, with its first jobs and outgoing messages, in one write.
 */
@Injectable()
export class TransactionIntake {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) readonly repository: TransactionRepository,
    @Inject(MESSAGE_ARCHIVE) readonly archive: MessageArchive,
    @Inject(CLOCK) readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    readonly reports: StatusReportWriter,
    @Optional() @Inject(EventBus) private readonly events: EventBus | null = null,
    @Optional() @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings | null = null,
  ) {}

  /** What the save path of an existing transaction needs (see savePayment). */
  get saveDeps(): SaveDeps {
    return { repository: this.repository, reports: this.reports, clock: this.clock, events: this.events };
  }

  static requestHash(text: string): string {
    return messageDigest(text);
  }

  /**
   * The transaction id of a request. With the client's key: the key itself, unless another client's transaction
   * has that id — then an id derived from the client and the key, private to this client (so nobody learns that
   * the other exists, and nobody can block an id a client chooses). A transaction the client already has under
   * that id is returned as `existing`, with whether the request is the same (same message digest) as the first.
   */
  async resolveId(req: Pick<IntakeRequest, 'clientId' | 'requestHash' | 'transactionId'>): Promise<IdResolution> {
    if (!req.transactionId) return { kind: 'fresh', id: this.ids.uuid(), idempotency: undefined };
    let id = req.transactionId;
    let existing = await this.repository.get(id);
    if (existing && existing.clientId !== req.clientId) {
      id = uuidFrom(`tenant|${req.clientId}|${req.transactionId}`);
      existing = await this.repository.get(id);
    }
    const idempotency = { key: req.transactionId, requestHash: req.requestHash };
    // Stored before transactions recorded their message's digest: the create below answers from its idempotency key.
    if (!existing || !existing.inbound) return { kind: 'fresh', id, idempotency };
    return { kind: 'existing', transaction: existing, sameRequest: existing.inbound.sha256 === req.requestHash };
  }

  /** The answer to a request for a transaction the client already has (a replay, or a conflicting reuse of its key). */
  static answerExisting(existing: PaymentSnapshot, sameRequest: boolean): SubmitPaymentResult {
    if (!sameRequest) return { kind: 'idempotency-conflict', transactionId: existing.id };
    // Replays the first answer: the status the transaction had when it was taken.
    return {
      kind: 'accepted',
      transactionId: existing.id,
      status: existing.history[0]?.status ?? 'RCVD',
      messageType: existing.messageType,
      replayed: true,
    };
  }

  /**
   * Creates `transaction` owning `req`'s message: the message is archived under the new id, its digest recorded
   * on the transaction, its outgoing messages archived and recorded, and the transaction created with its
   * uniqueness keys and first jobs in one write. A duplicate is answered like the first one was.
   */
  async create(
    req: IntakeRequest,
    transaction: Payment,
    keys: UniquenessKeys,
    jobs: Job[] = [],
    outgoing: OutgoingMessage[] = [],
  ): Promise<{ created: true } | { created: false; result: SubmitPaymentResult }> {
    const at = this.clock.now().toISOString();
    const messageType = transaction.details.messageType;
    if (this.settings?.regionId) transaction.receivedIn(this.settings.regionId);
    transaction.ownInboundMessage({ messageType, sha256: req.requestHash, channel: req.channel });
    await this.archive.put({ transactionId: transaction.id, direction: 'in', messageType, channel: req.channel, body: req.text, at });
    if (req.received !== undefined && req.received !== req.text) {
      // Kept for the record; the transaction owns (and release sends) only `text`, by its digest.
      const received = { transactionId: transaction.id, direction: 'in' as const, messageType, body: req.received, at };
      await this.archive.put({ ...received, channel: `${req.channel}:as-received` });
    }
    await recordOutgoing(this, transaction, outgoing);
    const snapshot = transaction.toSnapshot();
    const result = await this.repository.create(snapshot, keys, jobs);
    if (result.kind === 'created') {
      publishStored(this.events, transaction.pullEvents(), snapshot);
      return { created: true };
    }
    if (result.by === 'idempotency-key') {
      const first = await this.repository.get(result.existingId);
      if (!first || !result.sameRequest)
        return { created: false, result: { kind: 'idempotency-conflict', transactionId: result.existingId } };
      return { created: false, result: TransactionIntake.answerExisting(first, true) };
    }
    const existing = await this.repository.get(result.existingId);
    return {
      created: false,
      result: { kind: 'duplicate', by: result.by, existingId: existing?.clientId === req.clientId ? result.existingId : null },
    };
  }
}
