// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PEER_REPLICAS, type PeerReplicas } from '#application';
import { regionConfig } from '../config/namespaces.js';

/** The payment was not readable in a peer region in time: it is stored in this one; the client may ask again. */
export class GlobalDurabilityTimeoutError extends Error {
  readonly code = 'CONSISTENCY.GLOBAL_TIMEOUT';
  constructor(
    readonly transactionId: string,
    readonly waitedMs: number,
  ) {
    super(
      `transaction ${transactionId} is stored in this region but was not readable in a peer region within ${waitedMs} ms; send the same request again (same X-Transaction-Id) to wait on: it is not lost and is not taken twice`,
    );
    this.name = 'GlobalDurabilityTimeoutError';
  }
}

const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;

/**
 * `X-Consistency: global` (issue 15, docs/multi-region.md). With CONSISTENCY=strong a stored payment is readable in
 * every region at once: the write meets it. With CONSISTENCY=eventual the answer waits until a peer region's
 * replica holds the payment (polled with a strongly consistent read there), up to CONSISTENCY_GLOBAL_TIMEOUT_SECONDS,
 * then throws GlobalDurabilityTimeoutError. A peer that cannot be read counts as not holding it yet.
 */
@Injectable()
export class GlobalDurability {
  constructor(
    @Inject(regionConfig.KEY) private readonly config: ConfigType<typeof regionConfig>,
    @Optional() @Inject(PEER_REPLICAS) private readonly replicas: PeerReplicas | null = null,
  ) {}

  /** Resolves with the peer region that holds the payment (null: the write itself met it), or throws on timeout. */
  async await(transactionId: string): Promise<string | null> {
    if (this.config.consistency === 'strong' || !this.replicas) return null;
    const replicas = this.replicas;
    const started = Date.now();
    const deadline = started + this.config.globalTimeoutMs;
    let pause = FIRST_POLL_MS;
    for (;;) {
      for (const peer of replicas.peers) {
        if (await replicas.holds(peer, transactionId).catch(() => false)) return peer;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new GlobalDurabilityTimeoutError(transactionId, Date.now() - started);
      await new Promise((r) => setTimeout(r, Math.min(pause, left)));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }
}
