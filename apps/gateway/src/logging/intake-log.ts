// SPDX-License-Identifier: Apache-2.0
import { Logger } from '@nestjs/common';
import type { SubmitPaymentResult } from '#application';
import { isLogged } from './logger.js';

/** The stable message of a submission refused as a duplicate (what an operator greps for). */
export const DUPLICATE_REFUSED = 'duplicate refused';

const log = new Logger('Intake');

/**
 * One INFO line for a submission refused as a duplicate (`duplicate refused`): the client, how it matched,
 * and the transaction it duplicates (`transactionId`, `duplicateOf`) when that one is the same client's; the
 * submit use case never hands out another client's id (`existingId` is null then), so neither does the log.
 */
/** The doors a submission comes through: the inbox (`api`), the MQ front door, the JSON and QR payment APIs. */
export type IntakeChannel = 'api' | 'mq' | 'json' | 'qr';

export function logRefusedDuplicate(result: SubmitPaymentResult, clientId: string, channel: IntakeChannel): void {
  if (!isLogged('info')) return;
  if (result.kind === 'duplicate') {
    log.log({
      msg: DUPLICATE_REFUSED,
      code: 'PAYMENT.DUPLICATE',
      clientId,
      channel,
      duplicateBy: result.by,
      ...(result.existingId ? { transactionId: result.existingId, duplicateOf: result.existingId } : {}),
    });
  } else if (result.kind === 'idempotency-conflict') {
    log.log({
      msg: DUPLICATE_REFUSED,
      code: 'IDEMPOTENCY.KEY_REUSED',
      clientId,
      channel,
      duplicateBy: 'idempotency-key',
      transactionId: result.transactionId,
      duplicateOf: result.transactionId,
    });
  }
}
