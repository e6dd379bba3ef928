// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';
import type { SubmitPaymentResult } from '../submit-payment/submit-payment.command.js';
import type { PaymentChannel } from './channel-payment.js';
import type { PaymentOrder } from './payment-order.js';
import type { QrPaymentRequest, QrRefusal } from './qr-payment.js';

/**
 * A payment ordered through the JSON API (or mapped from a QR code): written as a pacs.008 and taken through
 * exactly the inbox's path (SubmitPaymentCommand) on `channel`.
 */
export class SubmitChannelPaymentCommand extends Command<SubmitPaymentResult> {
  constructor(
    readonly clientId: string,
    readonly order: PaymentOrder,
    readonly channel: PaymentChannel,
    /** The client's `Idempotency-Key` (at most MAX_IDEMPOTENCY_KEY characters); null: a fresh payment each time. */
    readonly idempotencyKey: string | null,
    readonly scopes: readonly string[] = [],
  ) {
    super();
  }
}

/** A payment to a merchant from its EMVCo QR code: resolved in the merchant directory, then as SubmitChannelPaymentCommand (`qr`). */
export class SubmitQrPaymentCommand extends Command<SubmitPaymentResult | QrRefusal> {
  constructor(
    readonly clientId: string,
    readonly request: QrPaymentRequest,
    readonly idempotencyKey: string | null,
    readonly scopes: readonly string[] = [],
  ) {
    super();
  }
}
