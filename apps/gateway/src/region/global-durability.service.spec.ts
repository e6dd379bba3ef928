// SPDX-License-Identifier: Apache-2.0
import type { PeerReplicas } from '#application';
import { GlobalDurability, GlobalDurabilityTimeoutError } from './global-durability.service.js';

const config = (consistency: 'strong' | 'eventual', globalTimeoutMs = 200) =>
  ({ id: 'a', peers: ['b'], consistency, heartbeatMs: 1000, leaseMs: 3000, peerEndpoints: {}, globalTimeoutMs }) as never;

/** A peer replica that holds the payment after `afterReads` reads (never when null), or fails its reads. */
function replicas(afterReads: number | null, failFirst = 0): PeerReplicas & { reads: number } {
  return {
    peers: ['b'],
    reads: 0,
    holds(peer: string) {
      this.reads++;
      if (this.reads <= failFirst) return Promise.reject(new Error(`${peer} unreachable`));
      return Promise.resolve(afterReads !== null && this.reads > afterReads);
    },
  };
}

describe('GlobalDurability (X-Consistency: global)', () => {
  it('is met by the write in strong mode, without reading a peer', async () => {
    const peer = replicas(0);
    await expect(new GlobalDurability(config('strong'), peer).await('tx-1')).resolves.toBeNull();
    expect(peer.reads).toBe(0);
  });

  it('waits in eventual mode until a peer replica holds the payment, and names it', async () => {
    const peer = replicas(2);
    await expect(new GlobalDurability(config('eventual', 5000), peer).await('tx-1')).resolves.toBe('b');
    expect(peer.reads).toBe(3);
  });

  it('counts an unreadable peer as not holding it yet', async () => {
    const peer = replicas(0, 2);
    await expect(new GlobalDurability(config('eventual', 5000), peer).await('tx-1')).resolves.toBe('b');
    expect(peer.reads).toBe(3);
  });

  it('gives up after the timeout with a retryable error naming the transaction', async () => {
    const started = Date.now();
    const wait = new GlobalDurability(config('eventual', 150), replicas(null)).await('tx-1');
    await expect(wait).rejects.toThrow(GlobalDurabilityTimeoutError);
    await expect(wait).rejects.toMatchObject({ code: 'CONSISTENCY.GLOBAL_TIMEOUT', transactionId: 'tx-1' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
