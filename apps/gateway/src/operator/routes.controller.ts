// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Get, Headers, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { EvaluateRouteQuery, type RouteEvaluation, ListRoutesQuery, type RoutesView } from '#application';
import { CurrentClient, JwtAuthGuard, Scopes, ScopesGuard } from '../auth/auth.guards.js';
import type { AuthenticatedClient } from '../auth/jwt.strategy.js';
import { STATUS_OF } from '../http/inbox.controller.js';
import { ProblemException } from '../http/problem.js';
import { UUID } from '../http/transaction.view.js';
import { assertUtf8Charset } from '../http/xml-body.js';
import { OPERATOR_SCOPE } from './operator.controller.js';

const CHANNEL = /^[a-z0-9.:-]{1,32}$/;

/**
 * The routing table as it runs (issue 14, docs/routing.md): each connector's health, circuit, cut-off state and
 * recent error rate, and a dry run of the router on a message. Operator scope; nothing here stores anything.
 */
@ApiTags('operator')
@ApiBearerAuth()
@Controller('v1/routes')
@UseGuards(JwtAuthGuard, ScopesGuard)
@Scopes(OPERATOR_SCOPE)
export class RoutesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({ summary: 'The connectors (health, circuit state, cut-off state, recent error rate), the rules and the default route' })
  routes(): Promise<RoutesView> {
    return this.queries.execute(new ListRoutesQuery());
  }

  @Post('evaluate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Route one pacs.008 without storing anything: the decision, its explanation, and the connector a release would take now',
  })
  @ApiConsumes('application/xml')
  @ApiBody({ schema: { type: 'string', format: 'xml' } })
  @ApiQuery({ name: 'channel', required: false, description: 'the channel to route it as (api, mq, json, qr, pain.001); default api' })
  @ApiQuery({ name: 'clientId', required: false, description: 'the client to route it for; default the caller' })
  @ApiQuery({ name: 'transactionId', required: false, description: 'a UUID: the id a weighted split hashes (default a fixed one)' })
  async evaluate(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentClient() client: AuthenticatedClient,
    @Query('channel') channel?: string,
    @Query('clientId') clientId?: string,
    @Query('transactionId') transactionId?: string,
  ) {
    if (!(body instanceof Uint8Array) || body.length === 0) {
      throw new ProblemException(
        body instanceof Uint8Array ? 400 : 415,
        body instanceof Uint8Array ? 'REQUEST.EMPTY_BODY' : 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        'send one pacs.008 as the body, with Content-Type application/xml',
      );
    }
    assertUtf8Charset(contentType);
    if (channel !== undefined && !CHANNEL.test(channel))
      throw new ProblemException(400, 'REQUEST.INVALID_QUERY', 'channel: 1-32 of a-z 0-9 . : -');
    if (clientId !== undefined && (clientId.length === 0 || clientId.length > 128)) {
      throw new ProblemException(400, 'REQUEST.INVALID_QUERY', 'clientId: 1-128 characters');
    }
    if (transactionId !== undefined && !UUID.test(transactionId))
      throw new ProblemException(400, 'REQUEST.INVALID_QUERY', 'transactionId must be a UUID');
    const result: RouteEvaluation = await this.queries.execute(
      new EvaluateRouteQuery(clientId ?? client.clientId, body, channel ?? 'api', transactionId?.toLowerCase() ?? null),
    );
    switch (result.kind) {
      case 'no-routing':
        throw new ProblemException(
          409,
          'ROUTING.NOT_CONFIGURED',
          'no routing table is in use (ROUTING_FILE): every payment goes to the one legacy host',
        );
      case 'unprocessable':
        throw new ProblemException(422, result.code, result.detail);
      case 'invalid':
        throw new ProblemException(STATUS_OF[result.error.code], result.error.code, result.error.message, {
          errors: result.error.issues.slice(0, 50),
        });
      case 'evaluated': {
        return {
          facts: result.facts,
          decision: {
            rule: result.decision.rule,
            strategy: result.decision.strategy,
            connector: result.decision.candidates[0] ?? null,
            candidates: result.decision.candidates,
            refused: result.decision.refused,
            onNoRoute: result.decision.onNoRoute,
          },
          now: result.now,
          noRoute: result.noRoute,
        };
      }
    }
  }
}
