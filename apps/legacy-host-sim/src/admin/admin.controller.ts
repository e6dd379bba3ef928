// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Get, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { FaultInjector } from '../faults/fault-injector.js';
import { PaymentLedger, type PaymentPage, type SimulatorStats } from '../payments/payment-ledger.js';
import { ConfigError, type FaultSettings, type ResolvedSimulatorConfig } from '../sim.config.js';
import { sendProblem } from '../problem.js';
import { SIM_CONFIG } from '../sim.tokens.js';

/** Largest page of `GET /admin/payments`. */
export const MAX_PAYMENTS_PAGE = 10_000;

/** Health, statistics and the test controls (faults, reset). */
@Controller()
export class AdminController {
  constructor(
    @Inject(PaymentLedger) private readonly ledger: PaymentLedger,
    @Inject(FaultInjector) private readonly faults: FaultInjector,
    @Inject(SIM_CONFIG) private readonly config: ResolvedSimulatorConfig,
  ) {}

  /** `{name}` for a named host (SIM_HOSTS), nothing for the one unnamed host. */
  private get named(): { name?: string } {
    return this.config.name === null ? {} : { name: this.config.name };
  }

  /** 200 while the process runs, also while SIM_DOWN (that fault only affects /v1). */
  @Get('health')
  health(): { status: 'ok'; name?: string } {
    return { status: 'ok', ...this.named };
  }

  @Get('stats')
  stats(): SimulatorStats & { name?: string } {
    return { ...this.named, ...this.ledger.stats() };
  }

  /**
   * The payments this host decided (`status=ACSC|RJCT` to filter), one page (`offset`, `limit` default 1000,
   * max 10000): tests check that no payment settled at two hosts.
   */
  @Get('admin/payments')
  payments(
    @Query('status') status: string | undefined,
    @Query('offset') offset: string | undefined,
    @Query('limit') limit: string | undefined,
    @Res() reply: FastifyReply,
  ): FastifyReply {
    if (status !== undefined && status !== 'ACSC' && status !== 'RJCT') {
      return sendProblem(reply, 400, 'SIM.BAD_QUERY', 'Bad query', 'status must be ACSC or RJCT');
    }
    const from = wholeNumber(offset, 0);
    const size = wholeNumber(limit, 1000);
    if (from === null || size === null || size < 1 || size > MAX_PAYMENTS_PAGE) {
      return sendProblem(reply, 400, 'SIM.BAD_QUERY', 'Bad query', `offset must be >= 0 and limit 1..${MAX_PAYMENTS_PAGE}`);
    }
    const page: PaymentPage = this.ledger.list({ status: status ?? null, offset: from, limit: size });
    return reply.status(200).send({ ...this.named, ...page });
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

function wholeNumber(raw: string | undefined, fallback: number): number | null {
  if (raw === undefined || raw === '') return fallback;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : null;
}
