// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { StoredMessage } from '../ports/message-archive.port.js';

export type OutboxResult = { kind: 'not-found' } | { kind: 'empty' } | { kind: 'message'; message: StoredMessage };

/** The latest outgoing ISO 20022 message of a client's transaction, optionally of a message-id prefix. */
export class GetOutboxQuery extends Query<OutboxResult> {
  constructor(
    readonly clientId: string,
    readonly transactionId: string,
    readonly typePrefix?: string,
  ) {
    super();
  }
}
