// SPDX-License-Identifier: Apache-2.0
/**
 * Regions (issue 15): each region of a deployment keeps a record in the shared store — its status, a heartbeat
 * lease and an epoch. A region renews its lease while it runs; a peer whose lease has expired, or that an operator
 * declared down, is taken over by a surviving region, which bumps the failed region's epoch. The epoch fences a
 * returning region: it sees that its record was taken over (a higher epoch, `takenOverBy` set) and acts on
 * nothing until an operator brings it back.
 */
export const REGION_REGISTRY = Symbol('clearway.RegionRegistry');

export type RegionStatus = 'healthy' | 'draining' | 'down';

export interface RegionRecord {
  id: string;
  /** `healthy`: takes payments; `draining`: finishes what it has, takes no new ones; `down`: taken over or declared down. */
  status: RegionStatus;
  /** Bumped at every takeover (and when an operator brings a region back): writes carry it, a stale one is fenced. */
  epoch: number;
  /** The last heartbeat (ISO 8601), or null when the region never beat. */
  heartbeatAt: string | null;
  /** Until when the last heartbeat holds (ISO 8601); past it, a peer may take the region over. */
  leaseUntil: string | null;
  /** The region that took this one over (at `epoch`), while it is down. */
  takenOverBy: string | null;
  /** Who changed the status last and why: `heartbeat`, `lease-expired`, `operator:<client id>`. */
  changedBy: string;
  changedAt: string;
}

/** Why a registry call did not apply. */
export class RegionFencedError extends Error {
  readonly code = 'REGION.FENCED';
  constructor(
    readonly region: string,
    readonly record: RegionRecord,
  ) {
    super(
      `region ${region} is ${record.status} at epoch ${record.epoch}${record.takenOverBy ? ` (taken over by ${record.takenOverBy})` : ''}: it acts on nothing until an operator brings it back`,
    );
    this.name = 'RegionFencedError';
  }
}

export interface RegionRegistry {
  /**
   * Renews `region`'s lease until `leaseUntil`, creating its record (healthy, epoch 1) on the first beat. The status
   * is left as stored (only an operator's `setStatus` changes it, so every instance of a region may beat without
   * undoing a drain). A region that is `down` is not revived by its heartbeat: the call throws RegionFencedError
   * with the record as stored, and changes nothing.
   */
  heartbeat(region: string, at: Date, leaseUntil: Date): Promise<RegionRecord>;
  /** Every region's record, by id. */
  list(): Promise<RegionRecord[]>;
  get(region: string): Promise<RegionRecord | null>;
  /**
   * Marks `region` down and bumps its epoch, by `takenOverBy` (the surviving region taking it over) — only if its
   * epoch is still `expectedEpoch` (conditional: of two survivors, one wins; the loser gets null). `by` says why
   * (`lease-expired`, `operator:<client id>`).
   */
  takeOver(region: string, expectedEpoch: number, takenOverBy: string, by: string, at: Date): Promise<RegionRecord | null>;
  /**
   * An operator sets a region's status: `draining` (no new payments), `down` (declared down: taken over at the next
   * sweep of a survivor), or `healthy` (brought back: bumps the epoch again, clears `takenOverBy`, so the region
   * acts again with a fresh epoch). Creates the record when there is none.
   */
  setStatus(region: string, status: RegionStatus, by: string, at: Date): Promise<RegionRecord>;
}

/**
 * CONSISTENCY=eventual (issue 15, ADR 0021): every region writes to its own replica of the store, replicated
 * asynchronously (last writer wins), so a payment may be changed only by the region that owns its home region —
 * the home region itself while it is not down, else the region that took it over. Each write on a payment carries
 * the epoch of the home region under which the writer acts, and is conditional on the payment's item carrying no
 * higher one: once the taker (or the region brought back) wrote a payment, a region acting on an older epoch can no
 * longer change it. The writer's belief comes from its heartbeats, so a region that was taken over stops acting
 * within a heartbeat of the takeover reaching its replica.
 */
export const REGION_FENCE = Symbol('clearway.RegionFence');

/** What a write on a payment of `home` must find in the home region's record: `epoch`, held by `holder`. */
export interface FenceToken {
  home: string;
  epoch: number;
  /** This region: `home` itself, or the region that took it over. */
  holder: string;
}

export interface RegionFence {
  /** This region (the home of a payment stored before regions were recorded). */
  readonly region: string;
  /** The token for a write on a payment of `homeRegion`, or throws RegionNotHomeError / RegionFencedWriteError. */
  tokenFor(homeRegion: string): FenceToken;
}

/** This region does not own the payment's home region: the write belongs to the region that does. */
export class RegionNotHomeError extends Error {
  readonly code = 'REGION.NOT_HOME';
  constructor(
    readonly homeRegion: string,
    readonly region: string,
  ) {
    super(
      `the payment belongs to region ${homeRegion}: with CONSISTENCY=eventual only the region that owns it changes it (this is ${region})`,
    );
    this.name = 'RegionNotHomeError';
  }
}

/** The home region's record changed under the write (a takeover, a fresh epoch): this region's belief is stale. */
export class RegionFencedWriteError extends Error {
  readonly code = 'REGION.FENCED';
  constructor(
    readonly token: FenceToken,
    detail?: string,
  ) {
    super(
      detail ??
        `region ${token.holder} no longer acts for region ${token.home} at epoch ${token.epoch}: the write was refused (the region was taken over, or brought back with a fresh epoch)`,
    );
    this.name = 'RegionFencedWriteError';
  }
}
