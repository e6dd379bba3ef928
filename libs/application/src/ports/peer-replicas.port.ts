// SPDX-License-Identifier: Apache-2.0
/**
 * CONSISTENCY=eventual (issue 15): the peer regions' replicas of the store, read to answer a submission that asked
 * for `X-Consistency: global` only once its payment is readable in a peer region.
 */
export const PEER_REPLICAS = Symbol('clearway.PeerReplicas');

export interface PeerReplicas {
  /** The peer regions this process can read. */
  readonly peers: readonly string[];
  /** Whether the payment `transactionId` is readable in `peer`'s replica (a strongly consistent read there). */
  holds(peer: string, transactionId: string): Promise<boolean>;
}
