import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import {
  LEGACY_HOST,
  MESSAGE_ARCHIVE,
  TRANSACTION_REPOSITORY,
  WORK_QUEUE,
  type LegacyHost,
  type MessageArchive,
  type TransactionRepository,
  type WorkQueue,
} from '#application';

/** Liveness (the process answers) and readiness (every active adapter answers). No auth. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(WORK_QUEUE) private readonly queue: WorkQueue,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
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
      () => this.indicators.check('store').attempt(() => this.repository.ping()).withTimeout(2000),
      () => this.indicators.check('queue').attempt(() => this.queue.ping()).withTimeout(2000),
      () => this.indicators.check('archive').attempt(() => this.archive.ping()).withTimeout(2000),
      () =>
        this.indicators
          .check(`host:${this.host.name}`)
          .attempt(() => this.host.ping())
          .withTimeout(3000)
          .cacheFor(1000),
    ]);
  }
}
