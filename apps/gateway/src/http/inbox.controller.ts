// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Headers, HttpCode, Inject, Post, Res, UseGuards } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SubmitPaymentCommand, type SubmitPaymentResult } from '#application';
import type { Iso20022Error } from '#iso20022';
import { CurrentClient, JwtAuthGuard, Scopes, ScopesGuard } from '../auth/auth.guards.js';
import type { AuthenticatedClient } from '../auth/jwt.strategy.js';
import { logRefusedDuplicate, type IntakeChannel } from '../logging/intake-log.js';
import { ProblemException } from './problem.js';
import { clientsConfig, regionConfig } from '../config/namespaces.js';
import { assertUtf8Charset } from './xml-body.js';
import { UUID } from './transaction.view.js';
import { GlobalDurability, GlobalDurabilityTimeoutError } from '../region/global-durability.service.js';

/** The HTTP status of each way a message can fail to be ISO 20022 the gateway takes. */
export const STATUS_OF: Record<Iso20022Error['code'], number> = {
  'ISO20022.NOT_XML': 400,
  'ISO20022.INVALID_ENCODING': 400,
  'ISO20022.UNSUPPORTED_ENCODING': 415,
  'ISO20022.DTD_FORBIDDEN': 400,
  'ISO20022.TOO_DEEP': 400,
  'ISO20022.TOO_LARGE': 413,
  'ISO20022.UNSUPPORTED_MESSAGE': 422,
  'ISO20022.SCHEMA_INVALID': 422,
  'ISO20022.ENVELOPE_INVALID': 422,
};

@ApiTags('payments')
@ApiBearerAuth()
@Controller('v1')
@UseGuards(JwtAuthGuard, ScopesGuard)
export class InboxController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(regionConfig.KEY) private readonly region: ConfigType<typeof regionConfig>,
    @Inject(clientsConfig.KEY) private readonly clients: ConfigType<typeof clientsConfig>,
    private readonly global: GlobalDurability,
  ) {}

  @Post('inbox')
  @HttpCode(202)
  @Scopes('payments:write')
  @ApiOperation({ summary: 'Submit one ISO 20022 message (pacs.008.001.08), bare Document or AppHdr + Document in an envelope' })
  @ApiConsumes('application/xml')
  @ApiBody({ schema: { type: 'string', format: 'xml' } })
  @ApiHeader({ name: 'X-Transaction-Id', required: false, description: 'UUID chosen by the client; makes the call idempotent' })
  @ApiHeader({
    name: 'X-Consistency',
    required: false,
    description:
      '`region` (default): 202 once stored in this region; `global`: 202 only once readable in a peer region (docs/multi-region.md)',
  })
  @ApiResponse({ status: 202, description: '{transactionId, status, messageType}; Location header' })
  async submit(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Headers('x-transaction-id') transactionId: string | undefined,
    @Headers('x-consistency') consistency: string | undefined,
    @CurrentClient() client: AuthenticatedClient,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ transactionId: string; status: string; messageType: string }> {
    const durability = this.durability(consistency, client.clientId);
    if (/^application\/json\b/i.test(contentType ?? '')) {
      throw new ProblemException(
        415,
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        'send one ISO 20022 message as the body, with Content-Type application/xml (XML sent as application/json is taken only by the AWS-guidance route POST /inbox)',
      );
    }
    if (!(body instanceof Uint8Array) || body.length === 0) {
      throw new ProblemException(
        body instanceof Uint8Array ? 400 : 415,
        body instanceof Uint8Array ? 'REQUEST.EMPTY_BODY' : 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        'send one ISO 20022 message as the body, with Content-Type application/xml',
      );
    }
    assertUtf8Charset(contentType);
    if (transactionId !== undefined && !UUID.test(transactionId)) {
      throw new ProblemException(400, 'REQUEST.INVALID_TRANSACTION_ID', 'X-Transaction-Id must be a UUID');
    }
    const result = await this.commands.execute(
      new SubmitPaymentCommand(client.clientId, body, 'api', transactionId?.toLowerCase() ?? null, client.scopes),
    );
    void reply.header('X-Consistency', durability);
    if (durability === 'global' && result.kind === 'accepted') {
      // CONSISTENCY=strong: met by the write; eventual: once a peer region's replica holds the payment
      try {
        const peer = await this.global.await(result.transactionId);
        if (peer) void reply.header('X-Consistency-Replica', peer);
      } catch (e) {
        if (!(e instanceof GlobalDurabilityTimeoutError)) throw e;
        throw new ProblemException(
          503,
          e.code,
          e.message,
          { transactionId: e.transactionId, retryAfterSeconds: 1 },
          { 'Retry-After': '1', Location: `/v1/transactions/${e.transactionId}` },
        );
      }
    }
    return answerSubmit(result, reply, client.clientId);
  }

  /**
   * The durability asked for: the request's X-Consistency, else its client's default (CLEARWAY_CLIENTS
   * `consistency`), else `region`; checked before anything is read or stored.
   */
  private durability(header: string | undefined, clientId: string): 'region' | 'global' {
    const fallback = this.clients.clients.find((c) => c.id === clientId)?.consistency ?? 'region';
    const asked = header?.trim().toLowerCase() || fallback;
    if (asked !== 'region' && asked !== 'global') {
      throw new ProblemException(400, 'REQUEST.INVALID_CONSISTENCY', 'X-Consistency must be region or global');
    }
    if (asked === 'global' && this.region.peers.length === 0) {
      throw new ProblemException(
        422,
        'CONSISTENCY.NO_PEER_REGION',
        'X-Consistency: global needs a peer region (PEER_REGIONS); this gateway runs in one region',
      );
    }
    return asked;
  }
}

/** Which door a submission came through: its channel (for the log) and the header holding its idempotency key. */
export interface SubmitDoor {
  channel: IntakeChannel;
  keyHeader: string;
}

const INBOX_DOOR: SubmitDoor = { channel: 'api', keyHeader: 'X-Transaction-Id' };

/** Maps the outcome of a submission by `clientId` to the HTTP answer (202 body) or a problem; logs a refused duplicate. */
export function answerSubmit(
  result: SubmitPaymentResult,
  reply: FastifyReply,
  clientId: string,
  door: SubmitDoor = INBOX_DOOR,
): { transactionId: string; status: string; messageType: string } {
  logRefusedDuplicate(result, clientId, door.channel);
  switch (result.kind) {
    case 'accepted':
      void reply.header('Location', `/v1/transactions/${result.transactionId}`);
      if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
      return { transactionId: result.transactionId, status: result.status, messageType: result.messageType };
    case 'duplicate':
      throw new ProblemException(
        409,
        'PAYMENT.DUPLICATE',
        result.existingId
          ? `this payment was already received as transaction ${result.existingId} (same ${result.by === 'uetr' ? 'UETR' : 'MsgId and EndToEndId'})`
          : `a payment with the same ${result.by === 'uetr' ? 'UETR' : 'MsgId and EndToEndId'} was already received`,
        result.existingId ? { existingTransactionId: result.existingId, duplicateBy: result.by } : { duplicateBy: result.by },
        result.existingId ? { Location: `/v1/transactions/${result.existingId}` } : {},
      );
    case 'idempotency-conflict':
      throw new ProblemException(409, 'IDEMPOTENCY.KEY_REUSED', `this ${door.keyHeader} was already used with a different request body`, {
        transactionId: result.transactionId,
      });
    case 'unprocessable':
      throw new ProblemException(422, result.code, result.detail);
    case 'forbidden':
      throw new ProblemException(403, 'AUTH.INSUFFICIENT_SCOPE', result.detail, { requiredScope: result.scope });
    case 'invalid': {
      const e = result.error;
      const extensions: Record<string, unknown> = { errors: e.issues.slice(0, 50) };
      if (e.partial.messageType) extensions.messageType = e.partial.messageType;
      if (result.rejectedTransactionId) extensions.transactionId = result.rejectedTransactionId;
      throw new ProblemException(
        STATUS_OF[e.code],
        e.code,
        e.message,
        extensions,
        result.rejectedTransactionId ? { Location: `/v1/transactions/${result.rejectedTransactionId}` } : {},
      );
    }
  }
}
