// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { ConfigType } from '@nestjs/config';
import {
  CLOCK,
  REGION_REGISTRY,
  RegionFencedError,
  RegionOwnership,
  TakeOverRegionCommand,
  type Clock,
  type RegionRecord,
  type RegionRegistry,
  type RegionStatus,
} from '#application';
import { regionConfig, runtimeConfig } from '../config/namespaces.js';

/** The store keeps no region records, so no region's status can be changed. */
export class NoRegionRegistryError extends Error {
  readonly code = 'REGION.NO_REGISTRY';
  constructor() {
    super('no region registry: the store keeps no region records');
    this.name = 'NoRegionRegistryError';
  }
}

/** What `GET /health/region` and the operator API show of this region and its peers. */
export interface RegionView {
  region_id: string;
  status: RegionStatus;
  epoch: number | null;
  consistency: 'strong' | 'eventual';
  /** The peers this region took over (it carries their in-flight payments on). */
  adopted: string[];
  peers: { id: string; status: RegionStatus | 'unknown'; epoch: number | null; leaseUntil: string | null; takenOverBy: string | null }[];
}

/**
 * This region in the shared store (issue 15, ADR 0021): renews its heartbeat lease, knows its own status
 * (an operator may drain it or declare it down from any region), and — in processes that run workers — takes
 * over a peer whose lease expired or that was declared down, then carries that peer's in-flight payments on.
 * A region found `down` is fenced: its workers and sweepers stop and its doors refuse payments until an operator
 * brings it back. Without a registry (no store support) the region is simply healthy.
 */
@Injectable()
export class RegionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Region');
  private timer: NodeJS.Timeout | null = null;
  private tick: Promise<void> | null = null;
  private record: RegionRecord | null = null;
  private peers = new Map<string, RegionRecord>();
  /** Peers this region took over, with the epoch of the takeover. */
  private readonly adopted = new Map<string, number>();

  constructor(
    @Inject(regionConfig.KEY) private readonly config: ConfigType<typeof regionConfig>,
    @Inject(runtimeConfig.KEY) private readonly runtime: ConfigType<typeof runtimeConfig>,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commands: CommandBus,
    @Optional() @Inject(REGION_REGISTRY) private readonly registry: RegionRegistry | null = null,
    /** CONSISTENCY=eventual: what this region acts for, told at every beat (it fences the store's writes). */
    @Optional() @Inject(RegionOwnership) private readonly ownership: RegionOwnership | null = null,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.registry) return;
    await this.beat();
    if (this.record?.status === 'down') this.log.warn(this.fencedMessage());
    this.timer = setInterval(() => {
      this.tick ??= this.beat().finally(() => (this.tick = null));
    }, this.config.heartbeatMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.tick;
  }

  get id(): string {
    return this.config.id;
  }

  get status(): RegionStatus {
    return this.record?.status ?? 'healthy';
  }

  /** Whether this region works its queue and sweeps (not when it is down: fenced). */
  get acting(): boolean {
    return this.status !== 'down';
  }

  /** The home regions whose payments this region looks after: its own and those it took over. */
  ownedRegions(): string[] {
    return [this.config.id, ...this.adopted.keys()];
  }

  view(): RegionView {
    return {
      region_id: this.config.id,
      status: this.status,
      epoch: this.record?.epoch ?? null,
      consistency: this.config.consistency,
      adopted: [...this.adopted.keys()],
      peers: this.config.peers.map((id) => {
        const r = this.peers.get(id);
        return r
          ? { id, status: r.status, epoch: r.epoch, leaseUntil: r.leaseUntil, takenOverBy: r.takenOverBy }
          : { id, status: 'unknown' as const, epoch: null, leaseUntil: null, takenOverBy: null };
      }),
    };
  }

  /** An operator's change of a region's status (drain, declare down, bring back); read again at once. */
  async setStatus(region: string, status: RegionStatus, by: string): Promise<RegionRecord> {
    if (!this.registry) throw new NoRegionRegistryError();
    const record = await this.registry.setStatus(region, status, by, this.clock.now());
    if (region === this.config.id) this.record = record;
    else this.peers.set(region, record);
    if (status === 'healthy') this.adopted.delete(region);
    this.ownership?.update(this.record, this.adopted);
    return record;
  }

  /** One heartbeat, then (in worker processes) the takeover of failed peers and the carrying on of their payments. */
  private async beat(): Promise<void> {
    try {
      await this.beatOnce();
    } finally {
      this.ownership?.update(this.record, this.adopted);
    }
  }

  private async beatOnce(): Promise<void> {
    const registry = this.registry!;
    const now = this.clock.now();
    try {
      const before = this.record?.status;
      this.record = await registry.heartbeat(this.config.id, now, new Date(now.getTime() + this.config.leaseMs));
      if (before === 'down') this.log.log(`region ${this.config.id} is ${this.record.status} again (epoch ${this.record.epoch})`);
    } catch (e) {
      if (!(e instanceof RegionFencedError)) {
        this.log.error(`heartbeat failed: ${(e as Error).message}`);
        return;
      }
      if (this.record?.status !== 'down') this.log.warn(e.message);
      this.record = e.record;
      return;
    }
    if (this.config.peers.length === 0) return;
    try {
      for (const r of await registry.list()) if (r.id !== this.config.id) this.peers.set(r.id, r);
      await this.takeOverFailedPeers(registry, now, this.runtime.role !== 'api');
    } catch (e) {
      this.log.error(`takeover sweep failed: ${(e as Error).message}`);
    }
  }

  /**
   * Notes the peers this region holds; a process that runs workers (`acts`) also claims failed peers and carries
   * their payments on. An API-only process only follows what the store says (it needs it to accept decisions on
   * an adopted region's payments under CONSISTENCY=eventual).
   */
  private async takeOverFailedPeers(registry: RegionRegistry, now: Date, acts: boolean): Promise<void> {
    for (const id of this.config.peers) {
      const peer = this.peers.get(id);
      if (!peer) continue;
      if (!acts) {
        if (peer.status === 'down' && peer.takenOverBy === this.config.id) this.adopted.set(id, peer.epoch);
        else this.adopted.delete(id);
        continue;
      }
      if (peer.status === 'down' && peer.takenOverBy === this.config.id) {
        this.adopted.set(id, peer.epoch);
      } else if (peer.status === 'down' && peer.takenOverBy !== null) {
        this.adopted.delete(id); // another survivor holds it now
      } else if (peer.status === 'down' && peer.takenOverBy === null) {
        await this.claim(registry, peer, peer.changedBy, now);
      } else if (peer.status !== 'down' && this.leaseExpired(peer, now)) {
        await this.claim(registry, peer, 'lease-expired', now);
      } else if (peer.status !== 'down') {
        this.adopted.delete(id);
      }
    }
    if (!acts) return;
    // the store's fence must know of a takeover before its payments are re-driven
    this.ownership?.update(this.record, this.adopted);
    for (const [id, epoch] of this.adopted) {
      const { redriven } = await this.commands.execute(new TakeOverRegionCommand(id, epoch));
      if (redriven) this.log.log(`carried on ${redriven} payment(s) of region ${id} (epoch ${epoch})`);
    }
  }

  /**
   * Whether a peer's lease ran out: its last heartbeat's lease, and a full lease after its last status change
   * (a region an operator just brought back has one lease to beat again before it can be taken over again).
   */
  private leaseExpired(peer: RegionRecord, now: Date): boolean {
    if (peer.leaseUntil === null) return false;
    const graceUntil = Date.parse(peer.changedAt) + this.config.leaseMs;
    return Math.max(Date.parse(peer.leaseUntil), graceUntil) < now.getTime();
  }

  private async claim(registry: RegionRegistry, peer: RegionRecord, by: string, now: Date): Promise<void> {
    const taken = await registry.takeOver(peer.id, peer.epoch, this.config.id, by, now);
    if (!taken) return; // another survivor won, or the peer beat again: read at the next tick
    this.peers.set(peer.id, taken);
    if (taken.takenOverBy === this.config.id) {
      this.adopted.set(peer.id, taken.epoch);
      this.log.warn(`took over region ${peer.id} (${by}) at epoch ${taken.epoch}: carrying on its in-flight payments`);
    }
  }

  private fencedMessage(): string {
    const r = this.record!;
    return `region ${this.config.id} is down at epoch ${r.epoch}${r.takenOverBy ? `, taken over by ${r.takenOverBy}` : ''}: it acts on nothing until an operator brings it back (POST /v1/operator/regions/${this.config.id}/up)`;
  }
}
