// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import type { AppHeader, Iso20022Codec, ParsedMessage } from '#iso20022';
import { appHeaderOf } from '../intake/stored-app-header.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import { ownInboundMessage, type MessageOwner } from '../own-messages.js';

/** A message id (max 35) that is the same each time the same step writes the same answer. */
export function deterministicId(...parts: string[]): string {
  return `CW${createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 30)}`;
}

/** ISO date-time without milliseconds, as the message schemas' examples use. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Wraps an answer `document` (message id `messageType`) with an AppHdr answering the one the transaction came
 * with: the same head.001 version, Fr/To swapped, its own BizMsgIdr and a Rltd block, in the envelope the
 * original came in. Bare when the original had no AppHdr. The header is the one kept at intake (or `inbound`,
 * when the caller has the message parsed); only a transaction stored before headers were kept in full has its
 * own inbound message read back from the archive.
 */
export async function wrapAnswer(
  deps: { codec: Iso20022Codec; archive: MessageArchive; clock: Clock },
  answer: { owner: MessageOwner; messageType: string; document: string; bizMsgIdr: string },
  inbound: ParsedMessage | null = null,
): Promise<string> {
  let original = inbound ? (inbound.appHeader ? { header: inbound.appHeader, envelope: inbound.envelope } : null) : undefined;
  if (original === undefined && answer.owner.appHeader !== undefined) {
    original = answer.owner.appHeader === null ? null : (appHeaderOf(answer.owner.appHeader) ?? undefined);
  }
  if (original === undefined) original = await headerFromArchive(deps, answer.owner);
  if (!original) return answer.document;
  const header = deps.codec.replyAppHdr(original.header, {
    bizMsgIdr: answer.bizMsgIdr,
    msgDefIdr: answer.messageType,
    creationDate: isoSeconds(deps.clock.now()),
  });
  return deps.codec.wrapWithAppHdr(answer.document, header, original.envelope);
}

/** The header of the transaction's own inbound message, read back from the archive (older transactions only). */
async function headerFromArchive(
  deps: { codec: Iso20022Codec; archive: MessageArchive },
  owner: MessageOwner,
): Promise<{ header: AppHeader; envelope: string | null } | null> {
  const raw = await ownInboundMessage(deps.archive, owner);
  if (!raw) return null;
  try {
    const parsed = deps.codec.parse(raw.body);
    return parsed.appHeader ? { header: parsed.appHeader, envelope: parsed.envelope } : null;
  } catch {
    return null;
  }
}
