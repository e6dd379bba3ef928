// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { SweepStalePaymentsCommand } from '#application';
import type { ConfigType } from '@nestjs/config';
import { regionConfig, workerConfig } from '../config/namespaces.js';
import { RegionService } from '../region/region.service.js';
import { runWithLogContext } from '../logging/log-context.js';

/** Runs the SLA and stranded-work sweepers on an interval (never two passes at once). */
@Injectable()
export class SweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Sweeper');
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private passes = 0;
  /** What the passes did since start (GET /metrics). */
  readonly totals = { timedOut: 0, redriven: 0 };

  constructor(
    private readonly commands: CommandBus,
    @Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>,
    @Optional() @Inject(RegionService) private readonly region: RegionService | null = null,
    @Optional() @Inject(regionConfig.KEY) private readonly regions: ConfigType<typeof regionConfig> | null = null,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.pass) return;
      // its lines carry `jobType: "sweep"` and the pass's number; the payments' own lines name them
      this.pass = runWithLogContext({ jobType: 'sweep', pass: ++this.passes }, () => this.sweep()).finally(() => (this.pass = null));
    }, this.worker.sweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.pass;
  }

  async sweep(): Promise<void> {
    // Fenced (this region is down): nothing is swept. With peers: this region's payments and those it took over.
    if (this.region && !this.region.acting) return;
    const owned = this.region && this.regions?.peers.length ? this.region.ownedRegions() : null;
    try {
      const r = await this.commands.execute(new SweepStalePaymentsCommand(100, owned));
      this.totals.timedOut += r.timedOut;
      this.totals.redriven += r.redriven;
      if (r.timedOut || r.redriven) this.log.log(`timed out ${r.timedOut}, re-drove ${r.redriven}`);
    } catch (e) {
      this.log.error(`sweep failed: ${(e as Error).message}`);
    }
  }
}
