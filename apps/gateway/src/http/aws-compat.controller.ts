// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdmissionRefusedError, GetOutboxQuery, GetTransactionQuery, SubmitPaymentCommand } from '#application';
import { CurrentClient, JwtAuthGuard, Scopes, ScopesGuard } from '../auth/auth.guards.js';
import type { AuthenticatedClient } from '../auth/jwt.strategy.js';
import type { ConfigType } from '@nestjs/config';
import { compatConfig } from '../config/namespaces.js';
import { answerSubmit } from './inbox.controller.js';
import { admissionProblem, ProblemException } from './problem.js';
import { UUID } from './transaction.view.js';
import { assertUtf8Charset } from './xml-body.js';

/** True when the body holds nothing but whitespace (ASCII). */
function isBlank(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
}

/** `YYYY-MM-DD HH:MM:SS.ffffff`, the guidance's `request_timestamp` of GET /uuid. */
function pythonTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000`;
}

/** A Host value that is a host name or address with an optional port, nothing else. */
const HOST_VALUE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * `api_endpoint` of the guidance's answers: the scheme and host the client called, as Fastify reads them
 * (`req.protocol`, `req.host`: forwarded headers count only from trusted proxies). A Host value that is not a
 * host name or address is not echoed (null).
 */
export function apiEndpoint(req: Pick<FastifyRequest, 'protocol' | 'host'>): string | null {
  const host = req.host;
  if (typeof host !== 'string' || !HOST_VALUE.test(host)) return null;
  return `${req.protocol === 'https' ? 'https' : 'http'}://${host}`;
}

/**
 * `GET /`: the guidance's region discovery (its client calls it on the global name, without a token, and reads
 * `region_id`; `bin/test.sh` sends it with `--location` and `X-S3-Skip`/`X-SNS-Skip`/`X-SQS-Skip`). It answers
 * the guidance health body without what made that an oracle: no transaction lookup (X-Transaction-Id,
 * X-Transaction-Status and X-Transaction-Region are ignored), no queue/bucket/table counts, no dependency
 * checks (readiness is `GET /health/ready`). Never a redirect.
 */
@ApiTags('aws-guidance compatibility')
@Controller()
export class AwsDiscoveryController {
  constructor(@Inject(compatConfig.KEY) private readonly compat: ConfigType<typeof compatConfig>) {}

  @Get()
  @ApiOperation({ summary: 'AWS guidance: region discovery (no auth): region_id and api_endpoint of this instance' })
  discover(@Req() req: FastifyRequest) {
    const started = performance.now();
    return {
      message: 'execution successful',
      request_id: req.id ? String(req.id) : randomUUID(),
      request_timestamp: pythonTimestamp(new Date()),
      region_id: this.compat.regionId,
      api_endpoint: apiEndpoint(req),
      request_duration: String((performance.now() - started) / 1000),
    };
  }
}

/**
 * The AWS reference guidance's API (`GET /uuid`, `POST /inbox`, `POST /outbox`) with its JSON field names, so
 * its clients work unchanged. Behind it runs the same pipeline as /v1. Unlike the guidance, `/inbox` validates
 * before it answers, `/outbox` answers the real pacs.002 XML, can be read again, and shows rejections.
 *
 * `/inbox` follows the guidance's contract (receipt acknowledged, verdict through `/outbox`) whenever the verdict
 * can be a pacs.002: a schema-invalid message that names itself, and a Document in no namespace named by its
 * AppHdr's MsgDefIdr (the guidance's own sample), are stored as RJCT/FF01 transactions and answered 200; with
 * AWS_COMPAT_REPAIR_NAMESPACE=true the latter is repaired and validated strictly instead. What cannot be
 * answered with a pacs.002 (not XML, a bad envelope or encoding, an unknown message, ...) is refused at once
 * with a 4xx problem that also carries the guidance's fields (`message`, `error_code`, ...).
 */
@ApiTags('aws-guidance compatibility')
@ApiBearerAuth()
@Controller()
@UseGuards(JwtAuthGuard, ScopesGuard)
export class AwsCompatController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(compatConfig.KEY) private readonly compat: ConfigType<typeof compatConfig>,
  ) {}

  private meta(req: FastifyRequest, started: number) {
    return {
      request_id: req.id ? String(req.id) : randomUUID(),
      region_id: this.compat.regionId,
      api_endpoint: apiEndpoint(req),
      request_duration: String((performance.now() - started) / 1000),
    };
  }

  private static transactionIdOf(header: string | undefined, required: boolean): string | null {
    if (header === undefined || header === '') {
      if (!required) return null;
      throw new ProblemException(400, 'REQUEST.MISSING_TRANSACTION_ID', 'the X-Transaction-Id header is required', {
        message: 'the X-Transaction-Id header is required',
        error_code: 'FF02',
      });
    }
    if (!UUID.test(header)) {
      throw new ProblemException(400, 'REQUEST.INVALID_TRANSACTION_ID', 'X-Transaction-Id must be a UUID', {
        message: 'X-Transaction-Id must be a UUID',
        error_code: 'FF02',
        transaction_id: header,
      });
    }
    return header.toLowerCase();
  }

  @Get('uuid')
  @Scopes('payments:read', 'payments:write')
  @ApiOperation({ summary: 'AWS guidance: get a new transaction id to submit with (scope rp2/read or payments:read)' })
  @ApiHeader({ name: 'X-Message-Type', required: false })
  uuid(@Req() req: FastifyRequest) {
    const started = performance.now();
    return {
      message: 'transaction initialized successfully',
      request_timestamp: pythonTimestamp(new Date()),
      transaction_id: randomUUID(),
      ...this.meta(req, started),
    };
  }

  @Post('inbox')
  @HttpCode(200)
  @Scopes('payments:write')
  @ApiOperation({
    summary: 'AWS guidance: submit an ISO 20022 message (XML, also when sent as Content-Type application/json)',
  })
  @ApiHeader({ name: 'X-Transaction-Id', required: true, description: 'the id from GET /uuid (any UUID); makes the call idempotent' })
  @ApiHeader({ name: 'X-Message-Type', required: false, description: 'e.g. pacs.008; informational, the message itself decides' })
  @ApiBody({ schema: { type: 'string', format: 'xml' } })
  async inbox(
    @Body() body: unknown,
    @Headers('x-transaction-id') header: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @CurrentClient() client: AuthenticatedClient,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const started = performance.now();
    const transactionId = AwsCompatController.transactionIdOf(header, true)!;
    // The body is bytes (XML, also when sent as application/json): the codec decodes them strictly.
    if (!(body instanceof Uint8Array) || isBlank(body)) {
      throw new ProblemException(400, 'REQUEST.EMPTY_BODY', 'send one ISO 20022 message (XML) as the body', {
        message: 'transaction received failed',
        error_code: 'FF01',
        transaction_id: transactionId,
      });
    }
    try {
      // JSON clients of the guidance send charset=utf-8 or nothing; any other charset is refused like /v1/inbox does.
      assertUtf8Charset(contentType);
      const result = await this.commands.execute(
        new SubmitPaymentCommand(
          client.clientId,
          body,
          'api',
          transactionId,
          client.scopes,
          this.compat.repairNamespace ? 'repair' : 'reject',
        ),
      );
      if (result.kind === 'invalid' && result.rejectedTransactionId !== null) {
        // The guidance's contract: receipt acknowledged, the verdict (a pacs.002 RJCT FF01) fetched from /outbox.
        const rejected = await this.queries.execute(new GetTransactionQuery(client.clientId, result.rejectedTransactionId));
        void reply.header('Location', `/v1/transactions/${result.rejectedTransactionId}`);
        return {
          message: 'transaction received successfully',
          transaction_id: result.rejectedTransactionId,
          status: rejected?.status ?? 'RJCT',
          ...(rejected ? { message_type: rejected.messageType } : {}),
          request_timestamp: Date.now(),
          ...this.meta(req, started),
        };
      }
      const accepted = answerSubmit(result, reply, client.clientId);
      void reply.removeHeader('Location');
      void reply.header('Location', `/v1/transactions/${accepted.transactionId}`);
      return {
        message: 'transaction received successfully',
        transaction_id: accepted.transactionId,
        status: accepted.status,
        message_type: accepted.messageType,
        request_timestamp: Date.now(),
        ...this.meta(req, started),
      };
    } catch (thrown) {
      const e = thrown instanceof AdmissionRefusedError ? admissionProblem(thrown) : thrown;
      if (e instanceof ProblemException) {
        const p = e.problem;
        throw new ProblemException(
          p.status,
          p.code,
          p.detail,
          {
            ...p,
            message: 'transaction received failed',
            error_code: p.code,
            error_message: p.detail,
            transaction_id: transactionId,
            ...this.meta(req, started),
          },
          e.headers,
        );
      }
      throw e;
    }
  }

  @Post('outbox')
  @HttpCode(200)
  @Scopes('payments:write', 'payments:read')
  @ApiOperation({
    summary: 'AWS guidance: the pacs.002 status report of a finished transaction, as XML (repeatable; rejections too)',
  })
  @ApiHeader({ name: 'X-Transaction-Id', required: true })
  async outbox(
    @Headers('x-transaction-id') header: string | undefined,
    @CurrentClient() client: AuthenticatedClient,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const started = performance.now();
    const transactionId = AwsCompatController.transactionIdOf(header, true)!;
    const tx = await this.queries.execute(new GetTransactionQuery(client.clientId, transactionId));
    const result = tx ? await this.queries.execute(new GetOutboxQuery(client.clientId, transactionId, 'pacs.002')) : null;
    if (!tx || !result || result.kind !== 'message') {
      // The guidance answers 400 "missing object in s3" until the report exists; its clients poll on that.
      const detail = tx
        ? `transaction ${transactionId} has no status report yet (status ${tx.status})`
        : `no transaction ${transactionId} for this client`;
      throw new ProblemException(400, 'OUTBOX.NOT_READY', detail, {
        message: 'missing object in s3',
        error_code: 'MISS',
        error_message: detail,
        transaction_id: transactionId,
        // `transaction_status`, never `status`: that member is the problem's HTTP status (RFC 9457).
        ...(tx ? { transaction_status: tx.status } : {}),
        ...this.meta(req, started),
      });
    }
    void reply
      .header('Content-Type', 'application/xml; charset=utf-8')
      .header('X-Message-Type', result.message.messageType)
      .header('X-Transaction-Id', transactionId)
      .header('X-Transaction-Status', tx.status);
    return result.message.body;
  }
}
