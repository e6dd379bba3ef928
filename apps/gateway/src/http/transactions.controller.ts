// SPDX-License-Identifier: Apache-2.0
import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { GetOutboxQuery, GetTransactionQuery, ListTransactionsQuery } from '#application';
import { isPaymentStatus, type PaymentStatus } from '#domain';
import { CurrentClient, JwtAuthGuard, Scopes, ScopesGuard } from '../auth/auth.guards.js';
import type { AuthenticatedClient } from '../auth/jwt.strategy.js';
import { ProblemException } from './problem.js';
import { transactionView, UUID } from './transaction.view.js';

function notFound(id: string): ProblemException {
  return new ProblemException(404, 'TRANSACTION.NOT_FOUND', `no transaction ${id} for this client`);
}

/** ISO 8601 as the API documents it: a date, or a date-time with optional seconds, fraction and offset. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A time-range bound of the list. Only ISO 8601 is taken (`new Date` alone also took "0", "-1" or "Tue Mar 05
 * 2024"); a bound before 1970 is the epoch, since no payment is older (the DynamoDB store's sort keys cannot
 * hold a negative time: such a bound was a 500 there).
 */
export function parseTime(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (!ISO_8601.test(value) || Number.isNaN(d.getTime())) {
    throw new ProblemException(400, 'REQUEST.INVALID_QUERY', `${name} must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z`);
  }
  return d.getTime() < 0 ? new Date(0) : d;
}

@ApiTags('payments')
@ApiBearerAuth()
@Controller('v1/transactions')
@UseGuards(JwtAuthGuard, ScopesGuard)
export class TransactionsController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @Scopes('payments:read')
  @ApiOperation({ summary: "List the client's transactions, newest first, with cursor pagination" })
  @ApiQuery({ name: 'status', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'createdAt >= (ISO 8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'createdAt < (ISO 8601)' })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiQuery({ name: 'cursor', required: false })
  async list(
    @CurrentClient() client: AuthenticatedClient,
    @Query('status') status?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    if (status !== undefined && !isPaymentStatus(status)) {
      throw new ProblemException(400, 'REQUEST.INVALID_QUERY', `status must be one of RCVD ACTC PDNG ACSP ACSC RJCT CANC`);
    }
    const n = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 200) {
      throw new ProblemException(400, 'REQUEST.INVALID_QUERY', 'limit must be an integer from 1 to 200');
    }
    const page = await this.queries.execute(
      new ListTransactionsQuery(client.clientId, {
        status: status as PaymentStatus | undefined,
        from: parseTime('from', from),
        to: parseTime('to', to),
        limit: n,
        cursor: cursor ?? null,
      }),
    );
    return { items: page.items.map(transactionView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @Scopes('payments:read')
  @ApiOperation({ summary: 'Current status, reason and history of a transaction' })
  async get(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string) {
    if (!UUID.test(id)) throw notFound(id);
    const p = await this.queries.execute(new GetTransactionQuery(client.clientId, id.toLowerCase()));
    if (!p) throw notFound(id);
    return transactionView(p);
  }

  @Get(':id/outbox')
  @Scopes('payments:read')
  @ApiOperation({ summary: 'The latest outgoing ISO 20022 message (pacs.002 ...) of a transaction' })
  @ApiProduces('application/xml')
  @ApiQuery({ name: 'type', required: false, description: 'message id prefix, e.g. pacs.002' })
  async outbox(
    @CurrentClient() client: AuthenticatedClient,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('type') type?: string,
  ): Promise<string> {
    if (!UUID.test(id)) throw notFound(id);
    if (type !== undefined && !/^[a-z]{4}\.\d{3}(\.\d{3}(\.\d{2})?)?$/.test(type)) {
      throw new ProblemException(400, 'REQUEST.INVALID_QUERY', 'type must be a message id prefix such as pacs.002');
    }
    const result = await this.queries.execute(new GetOutboxQuery(client.clientId, id.toLowerCase(), type));
    if (result.kind === 'not-found') throw notFound(id);
    if (result.kind === 'empty') {
      throw new ProblemException(404, 'OUTBOX.EMPTY', `transaction ${id} has no outgoing message yet`);
    }
    void reply.header('Content-Type', 'application/xml; charset=utf-8').header('X-Message-Type', result.message.messageType);
    return result.message.body;
  }
}
