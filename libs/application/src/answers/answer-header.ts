import { createHash } from 'node:crypto';
import type { Iso20022Codec, ParsedMessage } from '#iso20022';
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
 * Wraps an answer `document` (message id `messageType`) with an AppHdr answering the one the transaction's own
 * inbound message carried (the message it was created from, found by its digest): the same head.001 version,
 * Fr/To swapped, its own BizMsgIdr and a Rltd block, in the envelope the original came in. Bare when the
 * original had no AppHdr. The owner's message is read back from the archive unless the caller has it parsed.
 */
export async function wrapAnswer(
  deps: { codec: Iso20022Codec; archive: MessageArchive; clock: Clock },
  answer: { owner: MessageOwner; messageType: string; document: string; bizMsgIdr: string },
  inbound: ParsedMessage | null = null,
): Promise<string> {
  let parsed = inbound;
  if (parsed === null) {
    const raw = await ownInboundMessage(deps.archive, answer.owner);
    if (!raw) return answer.document;
    try {
      parsed = deps.codec.parse(raw.body);
    } catch {
      return answer.document;
    }
  }
  if (!parsed.appHeader) return answer.document;
  const header = deps.codec.replyAppHdr(parsed.appHeader, {
    bizMsgIdr: answer.bizMsgIdr,
    msgDefIdr: answer.messageType,
    creationDate: isoSeconds(deps.clock.now()),
  });
  return deps.codec.wrapWithAppHdr(answer.document, header, parsed.envelope);
}
