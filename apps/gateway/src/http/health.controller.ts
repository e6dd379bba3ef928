import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { LEGACY_HOST, type LegacyHost } from '#application';
import { READINESS_CHECKS, type ReadinessCheck } from '../readiness.js';

/**
 * Liveness (the process answers) and readiness (every active adapter answers: one Terminus indicator per
 * dependency — `store`, `queue`, `archive` on the embedded adapters; `dynamodb`, `sqs`, `sqs-dlq`, `s3`,
 * `secretsmanager` on AWS — and the legacy host). No auth.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
    @Inject(LEGACY_HOST) private readonly host: LegacyHost,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      ...this.checks.map(
        (c) => () =>
          this.indicators
            .check(c.key)
            .attempt(async () => {
              await c.ping();
              return c.details;
            })
            .withTimeout(c.timeoutMs ?? 2000),
      ),
      () =>
        this.indicators
          .check(`host:${this.host.name}`)
          .attempt(() => this.host.ping())
          .withTimeout(3000)
          .cacheFor(1000),
    ]);
  }
}
