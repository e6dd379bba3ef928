// SPDX-License-Identifier: Apache-2.0
import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Scopes, ScopesGuard } from '../auth/auth.guards.js';
import { MetricsRegistry } from './metrics.registry.js';

/** The scope a scraper's token needs for GET /metrics. */
export const METRICS_SCOPE = 'metrics:read';

/**
 * GET /metrics: Prometheus text, behind a bearer token with `metrics:read` (Prometheus sends one with
 * `authorization: { credentials_file: ... }`), on every role (API and worker processes each have their own).
 */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('metrics')
@UseGuards(JwtAuthGuard, ScopesGuard)
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Scopes(METRICS_SCOPE)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics of this process (scope metrics:read)' })
  async scrape(): Promise<string> {
    return this.metrics.text();
  }
}
