// SPDX-License-Identifier: Apache-2.0
import type { CancellationOutcome, HostMessage, HostOutcome, HostStatusOutcome, LegacyHost, ReturnOutcome } from '#application';

/**
 * MODE=core: there is no legacy host; the gateway settles, cancels and returns payments itself. Every call is
 * refused: in core mode the gateway's own ledger decides, so there is never a host outcome to ask about.
 */
export class NoLegacyHost implements LegacyHost {
  readonly name = 'core';

  deliver(delivery: HostMessage): Promise<HostOutcome> {
    return Promise.reject(new Error(`core mode has no legacy host (transaction ${delivery.transactionId})`));
  }

  requestCancellation(request: HostMessage): Promise<CancellationOutcome> {
    return Promise.reject(new Error(`core mode has no legacy host (transaction ${request.transactionId})`));
  }

  deliverReturn(request: HostMessage): Promise<ReturnOutcome> {
    return Promise.reject(new Error(`core mode has no legacy host (transaction ${request.transactionId})`));
  }

  requestStatus(request: HostMessage): Promise<HostStatusOutcome> {
    return Promise.reject(new Error(`core mode has no legacy host to ask about a status (transaction ${request.transactionId})`));
  }

  async ping(): Promise<void> {}
}
