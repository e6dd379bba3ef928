// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { PaymentSnapshot } from '#domain';
import type { LiveJob } from '../ports/work-queue.port.js';

export interface StuckPayment {
  payment: PaymentSnapshot;
  /** Its job that will still be handed out; null: none (stranded); undefined: the queue cannot tell (SQS). */
  liveJob: LiveJob | null | undefined;
}

export interface StuckPaymentPage {
  items: StuckPayment[];
  nextCursor: string | null;
  /** False when more payments are stuck than one look reads (later pages cannot reach them yet). */
  complete: boolean;
}

/** Every client's non-terminal payments not updated for `olderThanSeconds`, oldest update first (operator scope). */
export class ListStuckPaymentsQuery extends Query<StuckPaymentPage> {
  constructor(
    readonly olderThanSeconds: number,
    readonly limit: number,
    readonly cursor: string | null = null,
  ) {
    super();
  }
}
