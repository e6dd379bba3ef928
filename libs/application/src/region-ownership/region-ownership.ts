// SPDX-License-Identifier: Apache-2.0
import {
  type FenceToken,
  RegionFencedWriteError,
  RegionNotHomeError,
  type RegionFence,
  type RegionRecord,
} from '../ports/region-registry.port.js';

/**
 * Which home regions this region acts for, as its last heartbeat saw them (issue 15, CONSISTENCY=eventual): its
 * own while its record is not down, and each peer it took over (at the takeover's epoch). The region's heartbeat
 * loop keeps it up to date; the store asks it for the token of every write on a payment (RegionFence), and the
 * outbox relay for the regions whose jobs it sends.
 */
export class RegionOwnership implements RegionFence {
  private own: RegionRecord | null = null;
  private readonly adopted = new Map<string, number>();

  constructor(readonly region: string) {}

  /** What the last heartbeat read: this region's record and the peers it holds (id → epoch of the takeover). */
  update(own: RegionRecord | null, adopted: ReadonlyMap<string, number>): void {
    this.own = own;
    this.adopted.clear();
    for (const [id, epoch] of adopted) this.adopted.set(id, epoch);
  }

  /** The home regions whose payments this region may change now. */
  regions(): string[] {
    return [...(this.own && this.own.status !== 'down' ? [this.region] : []), ...this.adopted.keys()];
  }

  tokenFor(homeRegion: string): FenceToken {
    if (homeRegion === this.region) {
      if (this.own === null) {
        throw new RegionFencedWriteError(
          { home: homeRegion, epoch: 0, holder: this.region },
          `region ${this.region} has not read its own record yet: it writes nothing until its first heartbeat`,
        );
      }
      if (this.own.status === 'down') {
        throw new RegionFencedWriteError({ home: homeRegion, epoch: this.own.epoch, holder: this.region });
      }
      return { home: homeRegion, epoch: this.own.epoch, holder: this.region };
    }
    const epoch = this.adopted.get(homeRegion);
    if (epoch === undefined) throw new RegionNotHomeError(homeRegion, this.region);
    return { home: homeRegion, epoch, holder: this.region };
  }
}
