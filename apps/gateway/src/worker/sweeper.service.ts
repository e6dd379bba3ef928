import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { SweepStalePaymentsCommand } from '#application';
import { GATEWAY_CONFIG } from '../gateway.tokens.js';
import type { GatewayConfig } from '../gateway.config.js';

/** Runs the SLA and stranded-work sweepers on an interval (never two passes at once). */
@Injectable()
export class SweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Sweeper');
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;

  constructor(
    private readonly commands: CommandBus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.pass) return;
      this.pass = this.sweep().finally(() => (this.pass = null));
    }, this.config.sweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.pass;
  }

  async sweep(): Promise<void> {
    try {
      const r = await this.commands.execute(new SweepStalePaymentsCommand());
      if (r.timedOut || r.redriven) this.log.log(`timed out ${r.timedOut}, re-drove ${r.redriven}`);
    } catch (e) {
      this.log.error(`sweep failed: ${(e as Error).message}`);
    }
  }
}
