// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DecidePaymentCommand, type DecisionAction, type DecisionResult } from '#application';
import type { StatusReason } from '#domain';
import { CurrentClient, JwtAuthGuard, Scopes, ScopesGuard } from '../auth/auth.guards.js';
import type { AuthenticatedClient } from '../auth/jwt.strategy.js';
import { FieldReader, invalidFields, jsonFields } from './json-fields.js';
import { ProblemException } from './problem.js';
import { transactionView, UUID } from './transaction.view.js';

const REASON_CODE = /^[A-Z0-9]{4}$/;
const MAX_REASON_TEXT = 105;
/** Characters XML 1.0 can carry (the narrative goes into the pacs.002 AddtlInf). */
const XML_TEXT = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/**
 * The optional body of a decision: an ISO reason code and a narrative, read field by field (JSON may carry
 * anything: numbers, objects, arrays, null). Problems name the field: 400 REQUEST.INVALID_REASON_CODE for
 * `reasonCode`, 400 REQUEST.INVALID_BODY for the body or the narrative.
 */
export function reasonOf(body: unknown): StatusReason | null {
  const fields = jsonFields(body);
  if (fields === null) return null;
  if (fields === 'not-an-object') {
    throw invalidFields('REQUEST.INVALID_BODY', [{ path: '', message: 'must be, when sent, a JSON object {reasonCode?, reason?}' }]);
  }
  const codeReader = new FieldReader(fields);
  const code = codeReader.string('reasonCode', {
    pattern: REASON_CODE,
    expected: 'an ISO 20022 external code of 4 capital letters or digits, e.g. AM04, CUST, DUPL',
  });
  codeReader.problem('REQUEST.INVALID_REASON_CODE');
  const textReader = new FieldReader(fields);
  // `reason` is the narrative; `reasonText` an accepted alias. JSON null counts as not sent.
  const name = textReader.has('reason') && fields.get('reason') !== null ? 'reason' : 'reasonText';
  const text = textReader.string(name, {
    nullable: true,
    maxLength: MAX_REASON_TEXT,
    expected: `a text of at most ${MAX_REASON_TEXT} characters (the code goes in reasonCode)`,
  });
  if (text !== undefined && !XML_TEXT.test(text)) {
    textReader.issue(name, 'must hold only characters XML can carry (no control characters or unpaired surrogates)');
  }
  textReader.problem('REQUEST.INVALID_BODY');
  if (code === undefined && text === undefined) return null;
  return { code: code ?? 'NARR', text: text ?? null };
}

const SUMMARY: Record<DecisionAction, string> = {
  accept: 'Release a payment held by a hold rule (PDNG) to the legacy host (or to settlement in core mode)',
  reject: 'Reject a payment that was not released yet (held, RCVD or ACTC), with an ISO reason code; a pacs.002 RJCT follows',
  cancel:
    'Cancel a payment: before release it ends CANC at once; after release a camt.056 goes to the legacy host and its camt.029 decides',
  return: 'Return a settled payment (ACSC): a pacs.004 linked to the original goes to the legacy host',
  redrive: 'Re-run a dead-lettered or stranded payment from the step that failed',
};

@ApiTags('decisions')
@ApiBearerAuth()
@Controller('v1/transactions')
@UseGuards(JwtAuthGuard, ScopesGuard)
export class DecisionsController {
  constructor(private readonly commands: CommandBus) {}

  private async decide(action: DecisionAction, client: AuthenticatedClient, id: string, body: unknown, reply: FastifyReply) {
    if (!UUID.test(id)) throw new ProblemException(404, 'TRANSACTION.NOT_FOUND', `no transaction ${id} for this client`);
    const reason = action === 'accept' || action === 'redrive' ? null : reasonOf(body);
    const result: DecisionResult = await this.commands.execute(new DecidePaymentCommand(client.clientId, id.toLowerCase(), action, reason));
    switch (result.kind) {
      case 'not-found':
        throw new ProblemException(404, 'TRANSACTION.NOT_FOUND', `no transaction ${id} for this client`);
      case 'not-allowed':
        throw new ProblemException(
          409,
          'TRANSACTION.DECISION_NOT_ALLOWED',
          `cannot ${action} transaction ${result.transaction.id}: ${result.detail}`,
          {
            transactionId: result.transaction.id,
            transactionStatus: result.transaction.status,
          },
        );
      case 'completed':
      case 'accepted':
        void reply.status(result.kind === 'completed' ? 200 : 202);
        void reply.header('Location', `/v1/transactions/${result.transaction.id}`);
        if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
        return transactionView(result.transaction);
    }
  }

  @Post(':id/accept')
  @HttpCode(200)
  @Scopes('payments:operate')
  @ApiOperation({ summary: SUMMARY.accept })
  @ApiResponse({ status: 202, description: 'accepted: the payment goes on to release' })
  @ApiResponse({ status: 409, description: 'the status does not allow it (problem)' })
  accept(@CurrentClient() c: AuthenticatedClient, @Param('id') id: string, @Res({ passthrough: true }) r: FastifyReply) {
    return this.decide('accept', c, id, undefined, r);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Scopes('payments:operate')
  @ApiOperation({ summary: SUMMARY.reject })
  @ApiBody({
    required: false,
    schema: { type: 'object', properties: { reasonCode: { type: 'string', example: 'AM04' }, reason: { type: 'string' } } },
  })
  reject(
    @CurrentClient() c: AuthenticatedClient,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) r: FastifyReply,
  ) {
    return this.decide('reject', c, id, body, r);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Scopes('payments:operate')
  @ApiOperation({ summary: SUMMARY.cancel })
  @ApiBody({
    required: false,
    schema: { type: 'object', properties: { reasonCode: { type: 'string', example: 'CUST' }, reason: { type: 'string' } } },
  })
  @ApiResponse({ status: 200, description: 'cancelled (CANC) now' })
  @ApiResponse({ status: 202, description: 'a camt.056 is on its way to the legacy host; its camt.029 decides' })
  cancel(
    @CurrentClient() c: AuthenticatedClient,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) r: FastifyReply,
  ) {
    return this.decide('cancel', c, id, body, r);
  }

  @Post(':id/return')
  @HttpCode(200)
  @Scopes('payments:operate')
  @ApiOperation({ summary: SUMMARY.return })
  @ApiBody({
    required: false,
    schema: { type: 'object', properties: { reasonCode: { type: 'string', example: 'CUST' }, reason: { type: 'string' } } },
  })
  return(
    @CurrentClient() c: AuthenticatedClient,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) r: FastifyReply,
  ) {
    return this.decide('return', c, id, body, r);
  }

  @Post(':id/redrive')
  @HttpCode(200)
  @Scopes('payments:operate')
  @ApiOperation({ summary: SUMMARY.redrive })
  redrive(@CurrentClient() c: AuthenticatedClient, @Param('id') id: string, @Res({ passthrough: true }) r: FastifyReply) {
    return this.decide('redrive', c, id, undefined, r);
  }
}
