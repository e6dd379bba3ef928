// SPDX-License-Identifier: Apache-2.0
import { mayRequest } from './scope-aliases.js';
import { noteAuthFailure } from './auth-failures.js';
import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CLIENT_REGISTRY } from '../gateway.tokens.js';
import type { ClientRegistry } from './client-registry.js';
import { SigningKeysService } from './signing-keys.service.js';
import { decodeBasicCredentials } from './basic-credentials.js';

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'unauthorized_client';

/** The parameters of a token request, or why they cannot be read (RFC 6749 §3.2: each at most once). */
export type TokenForm = { ok: true; fields: ReadonlyMap<string, string> } | { ok: false; description: string };

/**
 * Reads the token request's parameters as a Map of own string fields. Fastify's form parser turns a repeated
 * parameter into an array; RFC 6749 §3.2 says a parameter MUST NOT be sent more than once, so that (and any
 * other non-string value, e.g. from a JSON body) is an invalid_request, never a TypeError.
 */
export function readTokenForm(body: unknown): TokenForm {
  if (body === undefined || body === null || body === '') return { ok: true, fields: new Map() };
  if (typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, description: 'send the parameters as application/x-www-form-urlencoded' };
  }
  const fields = new Map<string, string>();
  for (const [name, value] of Object.entries(body)) {
    if (Array.isArray(value)) return { ok: false, description: `parameter ${name} was sent more than once` };
    if (typeof value !== 'string') return { ok: false, description: `parameter ${name} must be a string` };
    fields.set(name, value);
  }
  return { ok: true, fields };
}

/** Parameters never taken from the query string: a secret there ends up in access logs and proxies' URL logs. */
const NEVER_IN_QUERY: ReadonlySet<string> = new Set(['client_secret']);

/**
 * The token request's parameters from the form body and the query string together. The AWS guidance's MQ
 * reader and writer send `grant_type`, `scope` and `client_id` as query parameters with an empty body (as its
 * Cognito token endpoint accepts); the secret never: `client_secret` in the query string is an invalid_request
 * (its value is not echoed). A parameter sent in both places counts as sent twice (RFC 6749 §3.2).
 */
export function readTokenParameters(body: unknown, query: unknown): TokenForm {
  const fromBody = readTokenForm(body);
  if (!fromBody.ok) return fromBody;
  const fromQuery = readTokenForm(query);
  if (!fromQuery.ok) return fromQuery;
  const fields = new Map(fromBody.fields);
  for (const [name, value] of fromQuery.fields) {
    if (NEVER_IN_QUERY.has(name)) {
      return { ok: false, description: `${name} must not be sent in the query string (send it in the body or use HTTP Basic)` };
    }
    if (fields.has(name)) return { ok: false, description: `parameter ${name} was sent more than once` };
    fields.set(name, value);
  }
  return { ok: true, fields };
}

/** OAuth 2.0 client credentials grant (RFC 6749 §4.4) with the built-in issuer, and its JWKS. */
@ApiTags('auth')
@Controller()
export class TokenController {
  constructor(
    private readonly keys: SigningKeysService,
    @Inject(CLIENT_REGISTRY) private readonly clients: ClientRegistry,
  ) {}

  @Post('oauth2/token')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Client credentials token (HTTP Basic, optionally with a matching client_id, or client_id/client_secret form fields; grant_type, scope and client_id may come in the query string)',
  })
  async token(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: unknown = undefined,
  ): Promise<Record<string, unknown>> {
    void reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    const fail = (status: number, error: OAuthError, description: string) => {
      void reply.status(status);
      if (status === 401) {
        void reply.header('WWW-Authenticate', 'Basic realm="clearway"');
        // the edge logs the failed authentication with this reason, the client id and the source (http/edge)
        noteAuthFailure(reply, description);
      }
      return { error, error_description: description };
    };
    if (this.keys.external) return fail(400, 'unauthorized_client', 'tokens are issued by the configured identity provider');
    const read = readTokenParameters(body, query);
    if (!read.ok) return fail(400, 'invalid_request', read.description);
    const field = (name: string) => read.fields.get(name);
    const form = {
      grant_type: field('grant_type'),
      client_id: field('client_id'),
      client_secret: field('client_secret'),
      scope: field('scope'),
    };
    if (form.grant_type !== 'client_credentials') {
      return form.grant_type
        ? fail(400, 'unsupported_grant_type', 'only client_credentials is supported')
        : fail(400, 'invalid_request', 'grant_type is required');
    }
    let id = form.client_id;
    let secret = form.client_secret;
    const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
    if (basic) {
      // Never two secrets. A client_id beside HTTP Basic (the AWS guidance's client sends both) only names the
      // client the Basic credentials authenticate, so it must be that one.
      if (secret !== undefined) return fail(400, 'invalid_request', 'use one client authentication method, not two');
      const credentials = decodeBasicCredentials(basic[1]!);
      if (!credentials) {
        return fail(401, 'invalid_client', 'malformed Basic credentials (client id and secret are form-urlencoded, RFC 6749 §2.3.1)');
      }
      if (id !== undefined && id !== credentials.id) {
        return fail(400, 'invalid_request', 'client_id does not match the client authenticated by HTTP Basic');
      }
      ({ id, secret } = credentials);
    }
    if (!id || !secret) return fail(401, 'invalid_client', 'client authentication is required');
    const client = await this.clients.authenticate(id, secret);
    if (!client) return fail(401, 'invalid_client', 'unknown client or wrong secret');
    const requested = form.scope ? form.scope.split(' ').filter(Boolean) : client.scopes;
    const refused = requested.filter((s) => !mayRequest(s, client.scopes));
    if (refused.length) return fail(400, 'invalid_scope', `not allowed for this client: ${refused.join(' ')}`);
    const { token, expiresIn } = await this.keys.issue(client.id, requested);
    return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: requested.join(' ') };
  }

  @Get('.well-known/jwks.json')
  @ApiExcludeEndpoint()
  jwks(): Promise<{ keys: unknown[] }> {
    return this.keys.jwks();
  }
}
