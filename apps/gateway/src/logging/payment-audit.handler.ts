// SPDX-License-Identifier: Apache-2.0
import { Logger } from '@nestjs/common';
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { PaymentStatusChangedEvent } from '#application';
import { noteLogSubject } from './log-context.js';
import { isLogged } from './logger.js';

/** The stable message of the audit line (what an operator greps for). */
export const STATUS_CHANGED = 'payment status changed';

/**
 * The audit trail: one INFO line per stored status change (`payment status changed`), with from, to, the
 * reason code, the transaction id, UETR, client, message type and channel; in the context of the request or
 * job that made it (requestId, or jobType and attempt). It also tells the log context who the payment is,
 * so the lines that follow in that request or job carry its UETR and client.
 */
@EventsHandler(PaymentStatusChangedEvent)
export class PaymentAuditLog implements IEventHandler<PaymentStatusChangedEvent> {
  private readonly log = new Logger('Audit');

  handle({ change, subject }: PaymentStatusChangedEvent): void {
    noteLogSubject(subject);
    if (!isLogged('info')) return;
    this.log.log({
      msg: STATUS_CHANGED,
      transactionId: subject.transactionId,
      uetr: subject.uetr,
      clientId: subject.clientId,
      kind: subject.kind,
      messageType: subject.messageType,
      channel: subject.channel,
      from: change.from,
      to: change.to,
      reasonCode: change.reason?.code ?? null,
      at: change.at,
    });
  }
}
