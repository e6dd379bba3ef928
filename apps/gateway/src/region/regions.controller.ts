// SPDX-License-Identifier: Apache-2.0
import { Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RegionRecord, RegionStatus } from '#application';
import { CurrentClient, JwtAuthGuard, Scopes, ScopesGuard } from '../auth/auth.guards.js';
import type { AuthenticatedClient } from '../auth/jwt.strategy.js';
import { ProblemException } from '../http/problem.js';
import { OPERATOR_SCOPE } from '../operator/operator.controller.js';
import { NoRegionRegistryError, RegionService, type RegionView } from './region.service.js';

const REGION = /^[a-z0-9-]{1,32}$/;
const ACTIONS: Record<string, RegionStatus> = { drain: 'draining', down: 'down', up: 'healthy' };

/**
 * The operator's hand on regions (issue 15, docs/multi-region.md): read every region's record, drain one (it takes
 * no new payments), declare one down (a survivor takes it over at its next heartbeat), bring one back (a fresh
 * epoch; it acts again). Operator scope; any region's API can act on any region's record in the shared store.
 */
@ApiTags('operator')
@ApiBearerAuth()
@Controller('v1/operator/regions')
@UseGuards(JwtAuthGuard, ScopesGuard)
@Scopes(OPERATOR_SCOPE)
export class RegionsController {
  constructor(private readonly region: RegionService) {}

  @Get()
  @ApiOperation({ summary: 'This region and its peers: status, epoch, lease, who took over whom' })
  regions(): RegionView {
    return this.region.view();
  }

  @Post(':id/:action')
  @HttpCode(200)
  @ApiOperation({
    summary: 'drain | down | up a region: drain stops new payments, down hands its payments to a survivor, up brings it back',
  })
  async act(@Param('id') id: string, @Param('action') action: string, @CurrentClient() client: AuthenticatedClient): Promise<RegionRecord> {
    if (!REGION.test(id)) throw new ProblemException(400, 'REQUEST.INVALID_PATH', 'a region id is 1-32 of a-z 0-9 -');
    const status = ACTIONS[action];
    if (!status) throw new ProblemException(404, 'REQUEST.NOT_FOUND', `no such action "${action}": drain, down or up`);
    const known = [this.region.id, ...this.region.view().peers.map((p) => p.id)];
    if (!known.includes(id)) throw new ProblemException(404, 'REGION.UNKNOWN', `${id} is neither this region nor one of PEER_REGIONS`);
    try {
      return await this.region.setStatus(id, status, `operator:${client.clientId}`);
    } catch (e) {
      if (e instanceof NoRegionRegistryError) throw new ProblemException(409, e.code, 'this store keeps no region records');
      throw e;
    }
  }
}
