// SPDX-License-Identifier: Apache-2.0
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Server as TlsServer } from 'node:tls';
import { BearerPrecheck } from '../../auth/bearer-precheck.js';
import { SigningKeysService } from '../../auth/signing-keys.service.js';
import type { Configuration } from '../../config/configuration.js';
import { capConnectionsPerSource, installEdgeHooks, reloadTlsOnSighup } from './edge.js';
import { addressMatcher } from './source-addresses.js';

export { edgeServerOptions } from './edge.js';
export { applySecurityHeaders } from './security-headers.js';

/** Everything of the HTTP edge that needs the built application: hooks, connection cap, TLS reload on SIGHUP. */
export function installEdge(app: NestFastifyApplication, config: Pick<Configuration, 'server' | 'auth'>): void {
  const fastify = app.getHttpAdapter().getInstance();
  const log = new Logger('Edge');
  installEdgeHooks(fastify, {
    edge: config.server,
    authThrottle: config.auth.throttle,
    precheck: new BearerPrecheck(app.get(SigningKeysService), config.auth),
    log,
  });
  capConnectionsPerSource(fastify.server, config.server.maxConnectionsPerSource, addressMatcher(config.server.trustedProxies), log);
  if (config.server.tls) reloadTlsOnSighup(fastify.server as unknown as TlsServer, config.server.tls);
}
