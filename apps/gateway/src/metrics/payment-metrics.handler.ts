// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { isTerminal } from '#domain';
import { PaymentStatusChangedEvent } from '#application';
import { GatewayInstruments, reasonLabel } from './instruments.js';

/**
 * Counts each stored status change (`clearway_payment_transitions_total`) and, on a terminal one, observes the
 * time since the transaction was received (`clearway_payment_received_to_terminal_seconds`). Labels only: the
 * statuses, the ISO reason code and the kind; never an id.
 */
@Injectable()
@EventsHandler(PaymentStatusChangedEvent)
export class PaymentMetricsHandler implements IEventHandler<PaymentStatusChangedEvent> {
  constructor(private readonly instruments: GatewayInstruments) {}

  handle({ change, subject }: PaymentStatusChangedEvent): void {
    this.instruments.transitions.inc({
      from: change.from ?? 'none',
      to: change.to,
      reason: reasonLabel(change.reason?.code),
      kind: subject.kind,
    });
    if (!isTerminal(change.to)) return;
    const seconds = (Date.parse(change.at) - Date.parse(subject.receivedAt)) / 1000;
    if (Number.isFinite(seconds))
      this.instruments.receivedToTerminal.observe({ status: change.to, kind: subject.kind }, Math.max(0, seconds));
  }
}
