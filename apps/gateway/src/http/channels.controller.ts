// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Headers, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  MAX_IDEMPOTENCY_KEY,
  readPaymentOrder,
  readQrPaymentRequest,
  SubmitChannelPaymentCommand,
  SubmitQrPaymentCommand,
  type FieldIssue,
  type QrRefusal,
  type SubmitPaymentResult,
} from '#application';
import { CurrentClient, JwtAuthGuard, Scopes, ScopesGuard } from '../auth/auth.guards.js';
import type { AuthenticatedClient } from '../auth/jwt.strategy.js';
import { answerSubmit } from './inbox.controller.js';
import { invalidFields } from './json-fields.js';
import { ProblemException } from './problem.js';

/** An `Idempotency-Key`: 1 to 64 printable ASCII characters. */
const IDEMPOTENCY_KEY = new RegExp(`^[\\x21-\\x7e]([\\x20-\\x7e]{0,${MAX_IDEMPOTENCY_KEY - 2}}[\\x21-\\x7e])?$`);

const KEY_HEADER_DOC =
  'Optional, recommended: any string of 1 to 64 printable ASCII characters. The transaction id is derived from (client, key) ' +
  '(a UUID made of the SHA-256 of `channel-key|<client>|<key>`), so a retry with the same key and the same body is answered ' +
  'with the same transactionId (Idempotent-Replayed: true), and the same key with another body gets 409 IDEMPOTENCY.KEY_REUSED.';

const ACCOUNT = { type: 'string', description: 'IBAN (checked, mod-97) or another account id (at most 34 characters)' };
const AMOUNT = {
  type: 'object',
  required: ['value', 'currency'],
  properties: {
    value: { type: 'string', example: '12.50', description: 'a decimal STRING: a JSON number is refused (money is never a float)' },
    currency: { type: 'string', example: 'EUR' },
  },
};

/** The body of POST /v1/payments, for the OpenAPI document. */
const PAYMENT_BODY = {
  type: 'object',
  required: ['debtor', 'creditor', 'amount', 'serviceLevel'],
  properties: {
    debtor: {
      type: 'object',
      required: ['name', 'account'],
      properties: {
        name: { type: 'string' },
        account: ACCOUNT,
        agent: { type: 'string', description: 'BIC; default CHANNEL_DEBTOR_AGENT_BIC' },
        country: { type: 'string' },
      },
    },
    creditor: {
      type: 'object',
      required: ['name', 'account', 'agent'],
      properties: {
        name: { type: 'string' },
        account: ACCOUNT,
        agent: { type: 'string', description: 'BIC' },
        country: { type: 'string' },
        address: { type: 'array', items: { type: 'string' }, maxItems: 7 },
      },
    },
    amount: AMOUNT,
    remittance: { type: 'string', maxLength: 140 },
    serviceLevel: { type: 'string', example: 'INST', description: 'PmtTpInf/SvcLvl/Cd: SEPA, INST, URGP, ...' },
    localInstrument: { type: 'string', example: 'INST' },
    categoryPurpose: { type: 'string', example: 'SUPP' },
    endToEndId: { type: 'string', maxLength: 35, description: 'default: the transaction id without dashes' },
    requestedExecutionDate: { type: 'string', format: 'date', description: 'the interbank settlement date; default: today (UTC)' },
  },
};

/** The body of POST /v1/qr-payments, for the OpenAPI document. */
const QR_BODY = {
  type: 'object',
  required: ['payload', 'payer'],
  properties: {
    payload: { type: 'string', description: 'the EMVCo merchant-presented QR payload as scanned' },
    payer: {
      type: 'object',
      required: ['name', 'account'],
      properties: { name: { type: 'string' }, account: ACCOUNT, agent: { type: 'string', description: 'BIC' } },
    },
    amount: { ...AMOUNT, description: 'only for a QR code without an amount (no tag 54), in its currency' },
    remittance: { type: 'string', maxLength: 140 },
    serviceLevel: { type: 'string', example: 'INST' },
  },
};

/** The JSON body or a 415 problem (an XML body belongs to /v1/inbox). */
function requireJson(contentType: string | undefined, body: unknown): void {
  if (!/^application\/json\b/i.test(contentType ?? '') || body instanceof Uint8Array) {
    throw new ProblemException(
      415,
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      'send the payment as a JSON object, with Content-Type application/json',
    );
  }
}

/** The Idempotency-Key header, or a 400 problem. */
function idempotencyKey(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(raw)) {
    throw new ProblemException(
      400,
      'REQUEST.INVALID_IDEMPOTENCY_KEY',
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} printable ASCII characters without surrounding spaces`,
    );
  }
  return raw;
}

/**
 * The wrong fields of a body as one problem naming each: 400 REQUEST.INVALID_BODY when a field is missing or
 * of the wrong JSON type, else 422 PAYMENT.INVALID_FIELDS (an IBAN failing mod-97, an unknown currency, ...).
 */
export function fieldsProblem(issues: readonly FieldIssue[]): ProblemException {
  const shape = issues.some((i) => i.kind === 'shape');
  return invalidFields(
    shape ? 'REQUEST.INVALID_BODY' : 'PAYMENT.INVALID_FIELDS',
    issues.map(({ path, message }) => ({ path, message })),
    shape ? 400 : 422,
  );
}

/**
 * Payment channels beyond ISO 20022 XML (issue 14 point 5): a JSON payment initiation API and EMVCo QR
 * payments. Each is written as a pacs.008.001.08 and taken through exactly the inbox's intake
 * (SubmitPaymentCommand: XSD validation, duplicates, storage), on the channel `json` or `qr`, and answered
 * like the inbox: 202 `{transactionId, status, messageType}` and a Location header.
 */
@ApiTags('payments')
@ApiBearerAuth()
@Controller('v1')
@UseGuards(JwtAuthGuard, ScopesGuard)
export class ChannelsController {
  constructor(private readonly commands: CommandBus) {}

  @Post('payments')
  @HttpCode(202)
  @Scopes('payments:write')
  @ApiOperation({
    summary: 'Initiate a payment in JSON (wallets, fintechs): written as a pacs.008 and taken like POST /v1/inbox (channel json)',
  })
  @ApiConsumes('application/json')
  @ApiBody({ schema: PAYMENT_BODY })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: KEY_HEADER_DOC })
  @ApiResponse({ status: 202, description: '{transactionId, status, messageType}; Location header' })
  @ApiResponse({ status: 400, description: 'REQUEST.INVALID_BODY: errors [{path, message}] name each missing or mistyped field' })
  @ApiResponse({
    status: 422,
    description: 'PAYMENT.INVALID_FIELDS: errors [{path, message}] name each wrong value (IBAN, BIC, amount, ...)',
  })
  async pay(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentClient() client: AuthenticatedClient,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ transactionId: string; status: string; messageType: string }> {
    requireJson(contentType, body);
    const idempotency = idempotencyKey(key);
    const read = readPaymentOrder(body);
    if (!read.ok) throw fieldsProblem(read.issues);
    const result: SubmitPaymentResult = await this.commands.execute(
      new SubmitChannelPaymentCommand(client.clientId, read.order, 'json', idempotency, client.scopes),
    );
    return answerSubmit(result, reply, client.clientId, { channel: 'json', keyHeader: 'Idempotency-Key' });
  }

  @Post('qr-payments')
  @HttpCode(202)
  @Scopes('payments:write')
  @ApiOperation({
    summary:
      'Pay a merchant from its EMVCo merchant-presented QR code: the merchant resolved in the merchant directory, written as a pacs.008 and taken like POST /v1/inbox (channel qr)',
  })
  @ApiConsumes('application/json')
  @ApiBody({ schema: QR_BODY })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: KEY_HEADER_DOC })
  @ApiResponse({ status: 202, description: '{transactionId, status, messageType}; Location header' })
  @ApiResponse({
    status: 422,
    description:
      'QR.PAYLOAD_INVALID, QR.CRC_MISMATCH, QR.TAG_INVALID (errors [{path: "tag 54", message}] name the tag), QR.MERCHANT_UNKNOWN, QR.AMOUNT_INVALID',
  })
  async payQr(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentClient() client: AuthenticatedClient,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ transactionId: string; status: string; messageType: string }> {
    requireJson(contentType, body);
    const idempotency = idempotencyKey(key);
    const read = readQrPaymentRequest(body);
    if (!read.ok) throw fieldsProblem(read.issues);
    const result: SubmitPaymentResult | QrRefusal = await this.commands.execute(
      new SubmitQrPaymentCommand(client.clientId, read.request, idempotency, client.scopes),
    );
    if (result.kind === 'qr-refused') throw new ProblemException(422, result.code, result.detail, { errors: result.errors });
    return answerSubmit(result, reply, client.clientId, { channel: 'qr', keyHeader: 'Idempotency-Key' });
  }
}
