// SPDX-License-Identifier: Apache-2.0
import type { PartialIdentification } from './iso20022.types.js';
import { check } from './writer.helpers.js';

/** How each field of a PartialIdentification must look to be echoed in a pacs.002 (the writer's own checks). */
const ECHO_CHECKS: Record<keyof PartialIdentification, (field: string, v: string) => unknown> = {
  // OrgnlMsgNmId, OrgnlMsgId, OrgnlInstrId, OrgnlEndToEndId, OrgnlTxId: Max35Text.
  messageType: check.id,
  msgId: check.id,
  instrId: check.id,
  endToEndId: check.id,
  txId: check.id,
  // OrgnlCreDtTm: ISODateTime.
  creationDateTime: check.dateTime,
  // OrgnlUETR: UUIDv4Identifier (lower case).
  uetr: check.uetr,
};

/**
 * The fields of `partial` that a pacs.002 can echo (OrgnlMsgId and the others): a value the report's
 * schema would refuse (a MsgId of 36 characters, a CreDtTm of `CURRENT_TIME`, a malformed UETR) is left
 * out, so that answering a bad message with RJCT/FF01 never fails because of what made it bad.
 */
export function echoablePartial(partial: PartialIdentification): PartialIdentification {
  const out: PartialIdentification = {};
  for (const key of Object.keys(ECHO_CHECKS) as (keyof PartialIdentification)[]) {
    const value = partial[key];
    if (typeof value !== 'string' || value === '') continue;
    try {
      ECHO_CHECKS[key](key, value);
    } catch {
      continue;
    }
    out[key] = value;
  }
  return out;
}
