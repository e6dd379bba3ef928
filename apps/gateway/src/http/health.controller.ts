// SPDX-License-Identifier: Apache-2.0
import { Controller, Get, Inject, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { LEGACY_HOST, SCREENING_SERVICE, type LegacyHost, type ScreeningService } from '#application';
import { AMQP_SESSION } from '../gateway.tokens.js';
import { READINESS_CHECKS, type ReadinessCheck } from '../readiness.js';
import { ProblemException } from './problem.js';
import { RegionService, type RegionView } from '../region/region.service.js';

/** One entry of GET /health/dependencies. */
export interface DependencyStatus {
  status: 'up' | 'down';
  /** Why it is down (never a URL, never a secret). */
  message?: string;
}

/** What a failed check may say: its message with anything that looks like a URL (and its credentials) taken out. */
export function safeMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>').slice(0, 200);
}

/** Runs `ping` with a deadline; up or down with a safe message. */
async function probe(ping: () => Promise<void>, timeoutMs: number): Promise<DependencyStatus> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up' };
  } catch (e) {
    return { status: 'down', message: safeMessage(e) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness (the process answers), readiness (this instance's own dependencies answer: one Terminus indicator
 * each — `store`, `queue`, `archive`, `secrets` on the embedded adapters; `dynamodb`, `sqs`, `sqs-dlq`, `s3`,
 * `secretsmanager` on AWS) and the report of the shared downstream dependencies (the legacy host, screening,
 * the broker), which is never a reason to take an instance out of a load balancer: while the host is down the
 * inbox still takes payments, and they wait for it. No auth.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
    @Inject(LEGACY_HOST) private readonly host: LegacyHost,
    @Optional() @Inject(SCREENING_SERVICE) private readonly screening?: ScreeningService | null,
    @Optional() @Inject(AMQP_SESSION) private readonly broker?: { ping(): Promise<void> },
    @Optional() @Inject(RegionService) private readonly regionService?: RegionService | null,
  ) {}

  @Get('region')
  @ApiOperation({
    summary:
      'This region for DNS failover health checks: {region_id, status: healthy | draining | down, epoch, peers}; 200 only when healthy, else 503',
  })
  region(@Res({ passthrough: true }) reply: FastifyReply): RegionView | { region_id: string; status: 'healthy' } {
    const view = this.regionService?.view() ?? null;
    if (!view) return { region_id: 'local', status: 'healthy' };
    if (view.status !== 'healthy') void reply.status(503);
    return view;
  }

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: "Readiness: this instance's own dependencies (store, queue, archive, secrets); 503 problem naming what is down",
  })
  @ApiResponse({ status: 200, description: 'Terminus result: {status: "ok", info, error, details}' })
  @ApiResponse({ status: 503, description: 'application/problem+json HEALTH.NOT_READY with the Terminus info, error and details' })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check(
        this.checks.map(
          (c) => () =>
            this.indicators
              .check(c.key)
              .attempt(async () => {
                await c.ping();
                return c.details;
              })
              .withTimeout(c.timeoutMs ?? 2000),
        ),
      );
    } catch (e) {
      if (!(e instanceof ServiceUnavailableException)) throw e;
      const result = e.getResponse() as { info?: Details; error?: Details; details?: Details };
      const error = result.error ?? {};
      const down = Object.keys(error);
      throw new ProblemException(503, 'HEALTH.NOT_READY', `not ready: ${down.length ? down.join(', ') : 'a dependency'} down`, {
        down,
        info: result.info ?? {},
        error: sanitised(error),
        details: sanitised(result.details ?? {}),
      });
    }
  }

  @Get('dependencies')
  @ApiOperation({
    summary: 'Shared downstream dependencies (legacy host, screening, broker): always 200, each up or down; not for load balancers',
  })
  async dependencies(): Promise<{ status: 'ok' | 'degraded'; dependencies: Record<string, DependencyStatus> }> {
    const probes: [string, () => Promise<void>][] = [[`host:${this.host.name}`, () => this.host.ping()]];
    const screening = this.screening as (ScreeningService & { ping?: () => Promise<void> }) | null | undefined;
    if (screening) probes.push(['screening', screening.ping ? () => screening.ping!() : async () => {}]);
    if (this.broker) probes.push(['broker', () => this.broker!.ping()]);
    const results = await Promise.all(probes.map(async ([key, ping]) => [key, await probe(ping, 3000)] as const));
    const dependencies = Object.fromEntries(results);
    return { status: results.every(([, r]) => r.status === 'up') ? 'ok' : 'degraded', dependencies };
  }
}

type Details = Record<string, Record<string, unknown>>;

/** Terminus details with every `message` made safe (no URL, no credentials). */
function sanitised(details: Details): Details {
  return Object.fromEntries(
    Object.entries(details).map(([key, d]) => [key, typeof d?.message === 'string' ? { ...d, message: safeMessage(d.message) } : d]),
  );
}
