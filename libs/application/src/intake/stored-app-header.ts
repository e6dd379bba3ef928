// SPDX-License-Identifier: Apache-2.0
import type { PaymentDetails } from '#domain';
import type { AppHeader, ParsedMessage } from '#iso20022';

/** The business application header of an inbox message as the transaction keeps it: in full, with its envelope. */
export function storedAppHeader(parsed: ParsedMessage): PaymentDetails['appHeader'] {
  const h = parsed.appHeader;
  if (!h) return null;
  return {
    from: h.from,
    to: h.to,
    fromParty: h.fromParty ?? null,
    toParty: h.toParty ?? null,
    bizMsgIdr: h.bizMsgIdr,
    msgDefIdr: h.msgDefIdr,
    version: h.version,
    bizSvc: h.bizSvc,
    creationDate: h.creationDate,
    envelope: parsed.envelope,
  };
}

/**
 * The header a stored transaction came with, as the codec reads headers; null when it had none, or when it was
 * stored before the header was kept in full (then the caller reads it from the archived message).
 */
export function appHeaderOf(stored: PaymentDetails['appHeader']): { header: AppHeader; envelope: string | null } | null {
  if (!stored || !stored.version || stored.creationDate === undefined || stored.fromParty === undefined) return null;
  return {
    header: {
      version: stored.version,
      from: stored.from,
      to: stored.to,
      fromParty: stored.fromParty,
      toParty: stored.toParty ?? null,
      bizMsgIdr: stored.bizMsgIdr,
      msgDefIdr: stored.msgDefIdr,
      bizSvc: stored.bizSvc ?? null,
      creationDate: stored.creationDate,
    },
    envelope: stored.envelope ?? null,
  };
}
