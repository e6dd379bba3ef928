// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Get, HttpCode, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  FindByReferenceQuery,
  GetQueueStatsQuery,
  ListAllInvestigationsQuery,
  ListAllPaymentsQuery,
  ListDeadLettersQuery,
  MAX_OPERATOR_PAGE,
  ListStuckPaymentsQuery,
  MAX_REDRIVE,
  PIPELINE_SETTINGS,
  RedrivePaymentsCommand,
  type DeadLetterPage,
  type PipelineSettings,
  type QueueStats,
  type RedriveResult,
  type RedriveSelection,
  type ReferenceLookup,
  type StuckPaymentPage,
  type TransactionPage,
} from '#application';
import { isPaymentStatus, PaymentStatus, type PaymentSnapshot } from '#domain';
import { CurrentClient, JwtAuthGuard, Scopes, ScopesGuard } from '../auth/auth.guards.js';
import type { AuthenticatedClient } from '../auth/jwt.strategy.js';
import { jsonFields } from '../http/json-fields.js';
import { ProblemException, type ProblemIssue } from '../http/problem.js';
import { parseTime } from '../http/transactions.controller.js';
import { transactionView, UUID } from '../http/transaction.view.js';

/** The scope of the operator API: every client's payments, read and re-driven. No client holds it by default. */
export const OPERATOR_SCOPE = 'operator';

/** A reference as ISO 20022 allows it (Max35Text for MsgId and EndToEndId; a UETR is 36). */
const MAX_REFERENCE = 64;

function invalid(detail: string): ProblemException {
  return new ProblemException(400, 'REQUEST.INVALID_QUERY', detail);
}

/** An integer query parameter in [min, max], `fallback` when absent. */
export function intParam(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** Exactly one of uetr, msgId, endToEndId. */
export function referenceParam(q: { uetr?: string; msgId?: string; endToEndId?: string }): ReferenceLookup {
  const given = (['uetr', 'msgId', 'endToEndId'] as const).filter((k) => q[k] !== undefined);
  if (given.length !== 1) throw invalid('give exactly one of uetr, msgId, endToEndId');
  const key = given[0]!;
  const value = q[key]!;
  if (value.length === 0 || value.length > MAX_REFERENCE) throw invalid(`${key} must be 1 to ${MAX_REFERENCE} characters`);
  return key === 'uetr' ? { uetr: value } : key === 'msgId' ? { msgId: value } : { endToEndId: value };
}

/** The body of POST /v1/operator/redrive, checked field by field (a wrong body is one 400 naming each field). */
export function redriveBody(body: unknown): { selection: RedriveSelection; dryRun: boolean } {
  const fields = jsonFields(body);
  if (fields === null || fields === 'not-an-object') {
    throw new ProblemException(
      400,
      'REQUEST.INVALID_BODY',
      'the body must be a JSON object: {transactionIds?, deadLettered?, stuckOlderThanSeconds?, dryRun?}',
    );
  }
  const issues: ProblemIssue[] = [];
  const selection: RedriveSelection = {};
  const ids = fields.get('transactionIds');
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length > MAX_REDRIVE || !ids.every((id) => typeof id === 'string' && UUID.test(id))) {
      issues.push({ path: 'transactionIds', message: `must be an array of at most ${MAX_REDRIVE} transaction ids (UUIDs)` });
    } else {
      selection.transactionIds = ids.map((id: string) => id.toLowerCase());
    }
  }
  const dead = fields.get('deadLettered');
  if (dead !== undefined && typeof dead !== 'boolean') issues.push({ path: 'deadLettered', message: 'must be true or false' });
  else if (dead) selection.deadLettered = true;
  const stuck = fields.get('stuckOlderThanSeconds');
  if (stuck !== undefined) {
    if (typeof stuck !== 'number' || !Number.isSafeInteger(stuck) || stuck < 0) {
      issues.push({ path: 'stuckOlderThanSeconds', message: 'must be a whole number of seconds, 0 or more' });
    } else {
      selection.stuckOlderThanSeconds = stuck;
    }
  }
  const dryRun = fields.get('dryRun');
  if (dryRun !== undefined && typeof dryRun !== 'boolean') issues.push({ path: 'dryRun', message: 'must be true or false' });
  for (const key of fields.keys()) {
    if (!['transactionIds', 'deadLettered', 'stuckOlderThanSeconds', 'dryRun'].includes(key)) {
      issues.push({ path: key, message: 'is not a field of a re-drive' });
    }
  }
  if (
    issues.length === 0 &&
    !selection.transactionIds?.length &&
    !selection.deadLettered &&
    selection.stuckOlderThanSeconds === undefined
  ) {
    issues.push({ message: 'select what to re-drive: transactionIds, deadLettered: true, or stuckOlderThanSeconds' });
  }
  if (issues.length) throw new ProblemException(400, 'REQUEST.INVALID_BODY', 'the re-drive request is not valid', { errors: issues });
  return { selection, dryRun: dryRun === true };
}

/**
 * The operator API (ADR 0019): every client's troubled payments, found and re-driven, and the queue's figures.
 * Only the `operator` scope reaches it; the clients' own endpoints stay scoped to each client.
 */
@ApiTags('operator')
@ApiBearerAuth()
@Controller('v1/operator')
@UseGuards(JwtAuthGuard, ScopesGuard)
@Scopes(OPERATOR_SCOPE)
export class OperatorController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
  ) {}

  @Get('dead-letters')
  @ApiOperation({ summary: "Every client's dead-lettered jobs, oldest first, with cursor pagination" })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 100' })
  @ApiQuery({ name: 'cursor', required: false })
  async deadLetters(@Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    const page: DeadLetterPage = await this.queries.execute(
      new ListDeadLettersQuery(intParam('limit', limit, 100, 1, 500), cursor ?? null),
    );
    return page;
  }

  @Get('payments/stuck')
  @ApiOperation({ summary: "Every client's non-terminal payments not updated for olderThanSeconds, oldest update first" })
  @ApiQuery({ name: 'olderThanSeconds', required: false, description: 'default RECOVERY_AFTER_SECONDS' })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 100' })
  @ApiQuery({ name: 'cursor', required: false })
  async stuck(@Query('olderThanSeconds') olderThan?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    const seconds = intParam('olderThanSeconds', olderThan, Math.round(this.settings.recoveryAfterMs / 1000), 0, 31_536_000);
    const page: StuckPaymentPage = await this.queries.execute(
      new ListStuckPaymentsQuery(seconds, intParam('limit', limit, 100, 1, 500), cursor ?? null),
    );
    return {
      olderThanSeconds: seconds,
      complete: page.complete,
      nextCursor: page.nextCursor,
      items: page.items.map((s) => ({
        ...transactionView(s.payment),
        clientId: s.payment.clientId,
        // null: no job will carry it on (stranded); "unknown": the queue cannot tell (SQS)
        liveJob: s.liveJob === undefined ? 'unknown' : s.liveJob,
      })),
    };
  }

  @Get('payments/unknown-outcome')
  @ApiOperation({ summary: "Every client's payments whose outcome at the host is unknown (under investigation), oldest first" })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 100' })
  @ApiQuery({ name: 'cursor', required: false })
  async unknownOutcome(@Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    const r = await this.queries.execute(new ListAllInvestigationsQuery(intParam('limit', limit, 100, 1, 500), cursor ?? null));
    return {
      count: r.count,
      complete: r.complete,
      nextCursor: r.nextCursor,
      items: r.items.map((p) => ({ ...transactionView(p), clientId: p.clientId })),
    };
  }

  @Get('payments')
  @ApiOperation({
    summary:
      "Every client's transactions: with a UETR, MsgId or EndToEndId (exactly one), those that carry it, oldest first; " +
      'without one, all of them (status, since, until), newest first on the embedded store and in table order on DynamoDB, with cursor pages',
  })
  @ApiQuery({ name: 'uetr', required: false, description: 'any case' })
  @ApiQuery({ name: 'msgId', required: false })
  @ApiQuery({ name: 'endToEndId', required: false })
  @ApiQuery({ name: 'status', required: false, description: 'without a reference only' })
  @ApiQuery({ name: 'since', required: false, description: 'createdAt >= (ISO 8601); without a reference only' })
  @ApiQuery({ name: 'until', required: false, description: 'createdAt < (ISO 8601); without a reference only' })
  @ApiQuery({ name: 'limit', required: false, description: 'with a reference 1-100, default 100; without 1-500, default 100' })
  @ApiQuery({ name: 'cursor', required: false, description: 'without a reference only' })
  async payments(
    @Query('uetr') uetr?: string,
    @Query('msgId') msgId?: string,
    @Query('endToEndId') endToEndId?: string,
    @Query('status') status?: string,
    @Query('since') since?: string,
    @Query('until') until?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    if (uetr === undefined && msgId === undefined && endToEndId === undefined) {
      return this.listAll(status, since, until, limit, cursor);
    }
    if (status !== undefined || since !== undefined || until !== undefined || cursor !== undefined) {
      throw invalid('a lookup by uetr, msgId or endToEndId takes no status, since, until or cursor');
    }
    const ref = referenceParam({ uetr, msgId, endToEndId });
    const found: PaymentSnapshot[] = await this.queries.execute(new FindByReferenceQuery(ref, intParam('limit', limit, 100, 1, 100)));
    return { items: found.map((p) => ({ ...transactionView(p), clientId: p.clientId })) };
  }

  /** Every client's transactions, for an export across clients (`clearway export`). */
  private async listAll(status?: string, since?: string, until?: string, limit?: string, cursor?: string) {
    if (status !== undefined && !isPaymentStatus(status)) {
      throw invalid(`status must be one of ${Object.keys(PaymentStatus).join(' ')}`);
    }
    if (cursor !== undefined && (cursor.length === 0 || cursor.length > 1000)) throw invalid('cursor is not valid');
    const page: TransactionPage = await this.queries.execute(
      new ListAllPaymentsQuery({
        status: status as PaymentStatus | undefined,
        from: parseTime('since', since),
        to: parseTime('until', until),
        limit: intParam('limit', limit, 100, 1, MAX_OPERATOR_PAGE),
        cursor: cursor ?? null,
      }),
    );
    return { items: page.items.map((p) => ({ ...transactionView(p), clientId: p.clientId })), nextCursor: page.nextCursor };
  }

  @Post('redrive')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-drive payments in bulk (dead-lettered jobs back to the queue; stranded payments their next step); dryRun changes nothing',
  })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        transactionIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
        deadLettered: { type: 'boolean' },
        stuckOlderThanSeconds: { type: 'integer' },
        dryRun: { type: 'boolean' },
      },
    },
  })
  async redrive(@CurrentClient() operator: AuthenticatedClient, @Body() body: unknown) {
    const { selection, dryRun } = redriveBody(body);
    const result: RedriveResult = await this.commands.execute(new RedrivePaymentsCommand(selection, dryRun, operator.clientId));
    return result;
  }

  @Get('queue')
  @ApiOperation({ summary: "The work queue's backlog and its jobs by state" })
  async queue() {
    const stats: QueueStats = await this.queries.execute(new GetQueueStatsQuery());
    return stats;
  }
}
