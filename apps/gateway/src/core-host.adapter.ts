import type { HostDelivery, HostOutcome, LegacyHost } from '#application';

/** MODE=core: there is no legacy host; the release step settles payments itself. */
export class NoLegacyHost implements LegacyHost {
  readonly name = 'core';

  deliver(delivery: HostDelivery): Promise<HostOutcome> {
    return Promise.reject(new Error(`core mode has no legacy host (transaction ${delivery.transactionId})`));
  }

  async ping(): Promise<void> {}
}
