// SPDX-License-Identifier: Apache-2.0
import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ListInvestigationsQuery, type InvestigationList } from '#application';
import { CurrentClient, JwtAuthGuard, Scopes, ScopesGuard } from '../auth/auth.guards.js';
import type { AuthenticatedClient } from '../auth/jwt.strategy.js';
import { ProblemException } from './problem.js';
import { transactionView } from './transaction.view.js';

/** Payments whose outcome at the legacy host is unknown: never reported rejected, asked about until the host answers. */
@ApiTags('payments')
@ApiBearerAuth()
@Controller('v1/investigations')
@UseGuards(JwtAuthGuard, ScopesGuard)
export class InvestigationsController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @Scopes('payments:read')
  @ApiOperation({ summary: 'Payments whose outcome at the host is unknown (PDNG under investigation), oldest first, with their count' })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 100' })
  async list(@CurrentClient() client: AuthenticatedClient, @Query('limit') limit?: string) {
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 500)
      throw new ProblemException(400, 'REQUEST.INVALID_QUERY', 'limit must be an integer from 1 to 500');
    const result: InvestigationList = await this.queries.execute(new ListInvestigationsQuery(client.clientId, n));
    return { count: result.count, complete: result.complete, items: result.items.map(transactionView) };
  }
}
