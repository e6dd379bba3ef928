import { mayRequest } from './scope-aliases.js';
import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CLIENT_REGISTRY } from '../gateway.tokens.js';
import type { ClientRegistry } from './client-registry.js';
import { SigningKeysService } from './signing-keys.service.js';

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'unauthorized_client';

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
  @ApiOperation({ summary: 'Client credentials token (HTTP Basic or client_id/client_secret form fields)' })
  async token(
    @Body() body: Record<string, string> | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    void reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    const form = body ?? {};
    const fail = (status: number, error: OAuthError, description: string) => {
      void reply.status(status);
      if (status === 401) void reply.header('WWW-Authenticate', 'Basic realm="clearway"');
      return { error, error_description: description };
    };
    if (this.keys.external) return fail(400, 'unauthorized_client', 'tokens are issued by the configured identity provider');
    if (form.grant_type !== 'client_credentials') {
      return form.grant_type
        ? fail(400, 'unsupported_grant_type', 'only client_credentials is supported')
        : fail(400, 'invalid_request', 'grant_type is required');
    }
    let id = form.client_id;
    let secret = form.client_secret;
    const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
    if (basic) {
      if (id || secret) return fail(400, 'invalid_request', 'use one client authentication method, not two');
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep < 0) return fail(401, 'invalid_client', 'malformed Basic credentials');
      id = decodeURIComponent(decoded.slice(0, sep));
      secret = decodeURIComponent(decoded.slice(sep + 1));
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
  jwks(): { keys: unknown[] } {
    return this.keys.jwks();
  }
}
