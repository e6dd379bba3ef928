// SPDX-License-Identifier: Apache-2.0
import type { IEvent } from '@nestjs/cqrs';
import type { PaymentSnapshot, PaymentStatusChanged } from '#domain';

/** Who a stored state change is about: what logs and metrics label it with (never the message's content). */
export interface PaymentEventSubject {
  transactionId: string;
  kind: NonNullable<PaymentSnapshot['kind']>;
  clientId: string;
  uetr: string | null;
  messageType: string;
  channel: string | null;
  /** When the transaction was received (RCVD), for RCVD→terminal latency. */
  receivedAt: string;
}

/**
 * A status change of a payment (or message transaction) that is stored: published on the CQRS event bus after
 * the write that holds it has committed, once per change (a save that loses a race publishes nothing). The
 * audit log and the metrics subscribe; a subscriber never changes state.
 */
export class PaymentStatusChangedEvent implements IEvent {
  constructor(
    readonly change: PaymentStatusChanged,
    readonly subject: PaymentEventSubject,
  ) {}
}

/** Where the save path hands stored changes: the CQRS EventBus (`publishAll`), or nothing in unit tests. */
export interface PaymentEventSink {
  publishAll(events: PaymentStatusChangedEvent[]): unknown;
}

export function subjectOf(p: PaymentSnapshot): PaymentEventSubject {
  return {
    transactionId: p.id,
    kind: p.kind ?? 'payment',
    clientId: p.clientId,
    uetr: p.uetr ?? null,
    messageType: p.messageType,
    channel: p.channel ?? null,
    receivedAt: p.createdAt,
  };
}

/** Publishes `changes` (pulled from the aggregate after its write committed) about `stored`. */
export function publishStored(sink: PaymentEventSink | null | undefined, changes: PaymentStatusChanged[], stored: PaymentSnapshot): void {
  if (!sink || changes.length === 0) return;
  const subject = subjectOf(stored);
  sink.publishAll(changes.map((c) => new PaymentStatusChangedEvent(c, subject)));
}
