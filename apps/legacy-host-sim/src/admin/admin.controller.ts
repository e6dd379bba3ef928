import { Body, Controller, Get, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { FaultInjector } from '../faults/fault-injector.js';
import { PaymentLedger, type SimulatorStats } from '../payments/payment-ledger.js';
import { ConfigError, type FaultSettings } from '../sim.config.js';
import { sendProblem } from '../problem.js';

/** Health, statistics and the test controls (faults, reset). */
@Controller()
export class AdminController {
  constructor(
    @Inject(PaymentLedger) private readonly ledger: PaymentLedger,
    @Inject(FaultInjector) private readonly faults: FaultInjector,
  ) {}

  /** 200 while the process runs, also while SIM_DOWN (that fault only affects /v1). */
  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('stats')
  stats(): SimulatorStats {
    return this.ledger.stats();
  }

  @Get('admin/faults')
  getFaults(): FaultSettings {
    return this.faults.current;
  }

  /** Changes some fault settings (camelCase names of the SIM_* variables); answers the new settings. */
  @Post('admin/faults')
  setFaults(@Body() body: unknown, @Res() reply: FastifyReply): FastifyReply {
    try {
      return reply.status(200).send(this.faults.update(body ?? {}));
    } catch (err) {
      if (err instanceof ConfigError) return sendProblem(reply, 400, 'SIM.BAD_FAULTS', 'Bad fault settings', err.message);
      throw err;
    }
  }

  /** Forgets every payment and counter (tests). */
  @Post('admin/reset')
  @HttpCode(204)
  reset(): void {
    this.ledger.reset();
  }
}
