// SPDX-License-Identifier: Apache-2.0
import { Command } from '@nestjs/cqrs';
import type { PaymentStatus } from '#domain';
import type { Iso20022Error } from '#iso20022';

export type SubmitPaymentResult =
  | { kind: 'accepted'; transactionId: string; status: PaymentStatus; messageType: string; replayed: boolean }
  /** The same payment was taken before. `existingId` is null when it belongs to another client. */
  | { kind: 'duplicate'; by: 'uetr' | 'msgid-endtoendid'; existingId: string | null }
  /** The client reused its X-Transaction-Id for a different request. */
  | { kind: 'idempotency-conflict'; transactionId: string }
  /** Not an acceptable ISO 20022 message; when ids could be read, a RJCT/FF01 record was stored. */
  | { kind: 'invalid'; error: Iso20022Error; rejectedTransactionId: string | null }
  /** Valid XML of a supported message that the gateway still cannot take. */
  | { kind: 'unprocessable'; code: string; detail: string }
  /** The message is a decision (camt.056 cancels, pacs.004 returns) and the sender lacks the scope decisions need. */
  | { kind: 'forbidden'; scope: string; detail: string };

/** The scope every decision needs, whichever door it comes through (REST decision calls, camt.056, pacs.004). */
export const DECISION_SCOPE = 'payments:operate';

/**
 * What to do with a message whose Document (and AppHdr) is in no namespace but whose AppHdr's MsgDefIdr names
 * a message the gateway validates (the AWS guidance's own sample): `refuse` it like any Document in an unknown
 * namespace (422 UNSUPPORTED_MESSAGE, nothing stored; /v1/inbox and MQ); `reject` it as a RJCT/FF01 transaction
 * whose pacs.002 says the namespace is missing; or `repair` it (the namespaces put in from the MsgDefIdr) and
 * validate that strictly. The AWS-compatible /inbox uses `reject`, or `repair` with AWS_COMPAT_REPAIR_NAMESPACE.
 */
export type MissingNamespacePolicy = 'refuse' | 'reject' | 'repair';

/** Receive one ISO 20022 message from a client (REST or MQ ingress). */
export class SubmitPaymentCommand extends Command<SubmitPaymentResult> {
  constructor(
    readonly clientId: string,
    /** The message as received, bytes: the codec decodes them (strict UTF-8) and decides. */
    readonly body: Uint8Array,
    readonly channel: string,
    /** The client's `X-Transaction-Id`: becomes the transaction id and makes the call idempotent. */
    readonly transactionId: string | null = null,
    /** The scopes the sender holds; messages that are decisions need DECISION_SCOPE among them. */
    readonly scopes: readonly string[] = [],
    /** A Document in no namespace named by its AppHdr: refused (default), rejected, or repaired. */
    readonly missingNamespace: MissingNamespacePolicy = 'refuse',
  ) {
    super();
  }
}
