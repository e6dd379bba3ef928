// SPDX-License-Identifier: Apache-2.0
import { Body, Controller, Get, Inject, Param, Put, Req, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  GetLedgerAccountQuery,
  isLedgerAccountId,
  LedgerError,
  LedgerNotEnabledError,
  ListLedgerAccountsQuery,
  OpenLedgerAccountsCommand,
  type LedgerAccount,
} from '#application';
import { InvalidValueError, Money } from '#domain';
import { CurrentClient, JwtAuthGuard, Scopes, ScopesGuard } from '../auth/auth.guards.js';
import type { AuthenticatedClient } from '../auth/jwt.strategy.js';
import { FieldReader, jsonFields } from '../http/json-fields.js';
import { ProblemException } from '../http/problem.js';

export const LEDGER_ADMIN_SCOPE = 'ledger:admin';

/** The JSON of a ledger account: the balance as a decimal string with the currency's decimals. */
export function ledgerAccountView(a: LedgerAccount) {
  return {
    id: a.id,
    currency: a.currency,
    balance: Money.ofMinor(a.balance, a.currency).toDecimalString(),
    updatedAt: a.updatedAt,
    // who opened the account or last set its balance (null `by`: LEDGER_OPENING_BALANCES at start)
    lastChange: a.lastChange ?? null,
  };
}

/**
 * The request id journalled with an adjustment: the client's `X-Request-Id` when it is a plain token (1-128 of
 * A-Z a-z 0-9 . _ : -), else the id Fastify gave the request.
 */
export function requestIdOf(req: Pick<FastifyRequest, 'headers' | 'id'>): string | null {
  const header = req.headers['x-request-id'];
  if (typeof header === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(header)) return header;
  return typeof req.id === 'string' && req.id !== '' ? req.id : null;
}

const ACCOUNT_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', example: 'DE89370400440532013000' },
    currency: { type: 'string', example: 'EUR' },
    balance: { type: 'string', example: '1000.00', description: 'decimal string; never a JSON number' },
    updatedAt: { type: 'string', format: 'date-time' },
    lastChange: {
      type: 'object',
      nullable: true,
      description: 'the last opening or balance adjustment, as journalled',
      properties: {
        kind: { type: 'string', enum: ['opening', 'adjustment'] },
        by: { type: 'string', nullable: true, description: 'the API client that made it; null: LEDGER_OPENING_BALANCES at start' },
        requestId: { type: 'string', nullable: true },
        at: { type: 'string', format: 'date-time' },
      },
    },
  },
};

function notFound(id: string): ProblemException {
  return new ProblemException(404, 'LEDGER.ACCOUNT_NOT_FOUND', `no ledger account ${id}`);
}

/** Problems for what the ledger use cases throw. */
function toProblem(e: unknown): unknown {
  if (e instanceof LedgerNotEnabledError) return new ProblemException(404, e.code, e.message);
  if (e instanceof InvalidValueError) {
    return new ProblemException(400, 'LEDGER.INVALID_ACCOUNT', e.message, { errors: [{ path: e.field, message: e.message }] });
  }
  if (e instanceof LedgerError && e.code === 'LEDGER.AMOUNT_TOO_LARGE') {
    // well-formed but more than the ledger can hold (2^63-1 minor units): 422, like other amounts refused by rule
    return new ProblemException(422, e.code, e.message, { errors: [{ path: 'balance', message: e.message }] });
  }
  if (e instanceof LedgerError) return new ProblemException(409, e.code, e.message);
  return e;
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toProblem(e);
  }
}

/** Operators' view of the core-mode ledger: read accounts, open them or set their balance. */
@ApiTags('ledger')
@ApiBearerAuth()
@Controller('v1/ledger/accounts')
@UseGuards(JwtAuthGuard, ScopesGuard)
@Scopes(LEDGER_ADMIN_SCOPE)
export class LedgerController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(CommandBus) private readonly commands: CommandBus,
  ) {}

  @Get()
  @ApiOperation({ summary: 'All ledger accounts with their balances (MODE=core with the ledger on)' })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { items: { type: 'array', items: ACCOUNT_SCHEMA } } } })
  @ApiResponse({ status: 404, description: 'LEDGER.NOT_ENABLED' })
  async list() {
    const accounts = await guarded(() => this.queries.execute(new ListLedgerAccountsQuery()));
    return { items: accounts.map(ledgerAccountView) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One ledger account and its balance' })
  @ApiParam({ name: 'id', description: 'account id as in payments: an IBAN or an Othr/Id' })
  @ApiResponse({ status: 200, schema: ACCOUNT_SCHEMA })
  @ApiResponse({ status: 404, description: 'LEDGER.ACCOUNT_NOT_FOUND or LEDGER.NOT_ENABLED' })
  async get(@Param('id') id: string) {
    const account = await guarded(() => this.queries.execute(new GetLedgerAccountQuery(id)));
    if (!account) throw notFound(id);
    return ledgerAccountView(account);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Open an account with a balance, or set the balance of an open one (its currency never changes)' })
  @ApiParam({ name: 'id', description: 'account id as in payments: an IBAN or an Othr/Id' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['balance', 'currency'],
      properties: { balance: { type: 'string', example: '100.00' }, currency: { type: 'string', example: 'EUR' } },
    },
  })
  @ApiResponse({ status: 201, description: 'opened', schema: ACCOUNT_SCHEMA })
  @ApiResponse({ status: 200, description: 'balance set', schema: ACCOUNT_SCHEMA })
  @ApiResponse({ status: 400, description: 'LEDGER.INVALID_ACCOUNT (id, balance or currency)' })
  @ApiResponse({ status: 409, description: 'LEDGER.CURRENCY_MISMATCH: the account is kept in another currency' })
  @ApiResponse({ status: 422, description: 'LEDGER.AMOUNT_TOO_LARGE: a balance above 2^63-1 minor units' })
  async put(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentClient() client: AuthenticatedClient,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const fields = jsonFields(body);
    const reader = new FieldReader(fields instanceof Map ? fields : new Map());
    if (!isLedgerAccountId(id)) reader.issue('id', 'must be 1-34 characters of A-Z a-z 0-9 . _ : -');
    let balance: string | undefined;
    let currency: string | undefined;
    if (fields instanceof Map) {
      balance = reader.string('balance', { required: true, expected: 'a decimal string such as "100.00" (money is never a JSON number)' });
      currency = reader.string('currency', { required: true, expected: 'an ISO 4217 code such as "EUR"' });
    } else {
      reader.issue('', 'the body must be a JSON object {"balance":"100.00","currency":"EUR"}');
    }
    reader.problem('LEDGER.INVALID_ACCOUNT');
    const existed = (await guarded(() => this.queries.execute(new GetLedgerAccountQuery(id)))) !== null;
    const [account] = await guarded(() =>
      this.commands.execute(
        new OpenLedgerAccountsCommand([{ id, balance: balance!, currency: currency! }], true, {
          clientId: client.clientId,
          requestId: requestIdOf(req),
        }),
      ),
    );
    if (!account) throw notFound(id);
    void reply.status(existed ? 200 : 201);
    return ledgerAccountView(account);
  }
}
