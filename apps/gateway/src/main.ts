// SPDX-License-Identifier: Apache-2.0
import 'reflect-metadata';
import type { Duplex } from 'node:stream';
import { Logger, ShutdownSignal, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module.js';
import { ConfigError, type Configuration, type MqClient } from './config/configuration.js';
import { loadFromProcessEnv } from './config/namespaces.js';
import { unknownVariableWarning } from './config/unknown-variables.js';
import { MQ_CLIENT } from './gateway.tokens.js';
import { HostEndpoint } from './host-endpoint.js';
import { applySecurityHeaders, edgeServerOptions, installEdge } from './http/edge/index.js';
import { clientErrorResponse, frameworkProblem, ProblemFilter } from './http/problem.filter.js';
import { looksLikeXml } from './http/xml-body.js';
import { installHttpTracing } from './tracing/http-tracing.js';
import { Tracing } from './tracing/tracing.js';
import { createRootLogger, nestLoggerOn } from './logging/logger.js';
import { installRequestLogging } from './logging/request-logging.js';
import { installSubmitTimer } from './metrics/submit-timer.js';

/**
 * The gateway's logging (ADR 0016): one pino root logger (LOG_LEVEL, LOG_FORMAT) that Nest's `Logger`
 * writes through (nestjs-pino), from the first line on.
 */
export function startLogging(config: Configuration): { root: ReturnType<typeof createRootLogger>; nest: LoggerService } {
  const root = createRootLogger(config.logging);
  const nest = nestLoggerOn(root);
  Logger.overrideLogger(nest);
  return { root, nest };
}

/** Builds the Nest application on Fastify with the gateway's parsers, problem responses, logs and API docs. */
export async function createGateway(
  config: Configuration,
  logging: ReturnType<typeof startLogging> = startLogging(config),
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.intake.maxBodyBytes,
    // X-Forwarded-* only from TRUSTED_PROXIES, X-Request-Id, timeouts, HTTPS (http/edge)
    ...edgeServerOptions(config.server),
    // errors Fastify raises before routing (bad %-encoding in the path, an over-long path parameter): problems too
    frameworkErrors: (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) => {
      const problem = { ...frameworkProblem(error, request.url), requestId: String(request.id) };
      applySecurityHeaders(request, reply);
      void reply.status(problem.status).header('Content-Type', 'application/problem+json').send(problem);
    },
    // requests Node's HTTP parser refuses (headers too large, ...): problems too, then the socket is closed
    clientErrorHandler: (error: Error & { code?: string }, socket: Duplex) => {
      const answer = socket.destroyed ? null : clientErrorResponse(error);
      if (answer && socket.writable) socket.write(answer);
      socket.destroy(error);
    },
  });
  const fastify = adapter.getInstance();
  // First of all hooks: the request's log context (requestId), and its `request completed` line.
  installRequestLogging(fastify, logging.root);
  // ISO 20022 arrives as XML: keep the exact bytes; the codec decodes them (strict UTF-8, nothing replaced)
  // and parses them with entities and network off.
  for (const type of ['application/xml', 'text/xml', /^application\/[\w.+-]+\+xml$/]) {
    fastify.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: config.intake.maxBodyBytes }, (_req, body, done) =>
      done(null, body),
    );
  }
  // application/x-www-form-urlencoded (the token endpoint) is parsed by Nest's Fastify adapter itself.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: logging.nest,
    // a provider that fails at start (an adapter's ConfigError) rejects here, so the caller can say what to do
    abortOnError: false,
  });
  // JSON, except that an XML body sent as application/json (how the AWS guidance's clients post to /inbox) is
  // kept as bytes; /v1/inbox still refuses JSON with 415, only the compatibility route takes it.
  app.useBodyParser('application/json', { bodyLimit: config.intake.maxBodyBytes }, (_req, body, done) => {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    if (looksLikeXml(bytes)) return done(null, bytes);
    const text = bytes.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('the body is not valid JSON'), { statusCode: 400 }));
    }
  });
  app.useGlobalFilters(new ProblemFilter());
  // With OTEL_EXPORTER_OTLP_ENDPOINT set: a server span per request, child of its traceparent (tracing/)
  installHttpTracing(app.getHttpAdapter().getInstance(), app.get(Tracing));
  installEdge(app, config);
  installSubmitTimer(app);
  // With an HTTPS listener, SIGHUP reloads its certificate (http/edge) instead of shutting down.
  app.enableShutdownHooks(config.server.tls ? Object.values(ShutdownSignal).filter((s) => s !== ShutdownSignal.SIGHUP) : undefined);
  if (config.runtime.role !== 'worker' && config.server.apiDocs !== 'off') {
    const doc = new DocumentBuilder()
      .setTitle('Clearway ISO 20022 gateway')
      .setDescription('Receive, validate, track and release ISO 20022 payments. Errors are RFC 9457 problem details.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .addOAuth2({
        type: 'oauth2',
        flows: {
          clientCredentials: {
            tokenUrl: '/oauth2/token',
            scopes: {
              'payments:read': 'read',
              'payments:write': 'submit',
              'payments:operate': 'decide (accept, reject, cancel, return, redrive)',
              'rp2/read': 'alias of payments:read (AWS guidance)',
              'rp2/write': 'alias of payments:write (AWS guidance)',
              'ledger:admin': 'read and set core-mode ledger accounts',
              'metrics:read': 'scrape GET /metrics (Prometheus)',
              operator: "every client's troubled payments: find, list, re-drive; queue figures (/v1/operator)",
            },
          },
        },
      })
      .build();
    SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, doc));
  }
  return app;
}

async function bootstrap(): Promise<void> {
  let config: Configuration;
  let unknown: ReturnType<typeof loadFromProcessEnv>['unknown'];
  try {
    // The environment validated: every namespace, every rule across them (exit code 2 when wrong).
    ({ config, unknown } = loadFromProcessEnv());
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const line of e.message.split('\n')) console.error(`clearway: configuration error: ${line}`);
      process.exit(2);
    }
    throw e;
  }
  const logging = startLogging(config);
  const log = new Logger('Gateway');
  for (const u of unknown) log.warn(unknownVariableWarning(u));
  if (config.clients.demo) {
    log.warn(`CLEARWAY_CLIENTS is not set: the local demo client "demo" is enabled (see README); never use it in production`);
  }
  if (config.ledger.ignored.length > 0) {
    log.warn(`${config.ledger.ignored.join(' and ')} ignored: the ledger exists only in MODE=core`);
  }
  let app: Awaited<ReturnType<typeof createGateway>>;
  try {
    app = await createGateway(config, logging);
  } catch (e) {
    // what only the adapters can tell at start (a PostgreSQL schema too new, or behind with DATABASE_MIGRATE=false;
    // a server that refuses): a configuration error too, exit code 2
    if (e instanceof ConfigError) {
      console.error(`clearway: configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  await app.listen({ port: config.server.port, host: config.server.host });
  const { runtime, amqp } = config;
  const hostUrl = app.get(HostEndpoint).url;
  log.log(
    `listening on ${config.server.host}:${config.server.port} (role ${runtime.role}, mode ${runtime.mode}, data ${config.store.dataDir}` +
      `${runtime.mode === 'proxy' ? `, host ${config.host.transport === 'amqp' ? `amqp queue ${amqp.topology.requestQueue}` : (hostUrl ?? 'none')}` : `, ledger ${config.ledger.enabled ? 'on' : 'off'}`}` +
      `${amqp.enabled ? `, inbound queue ${amqp.topology.inboundQueue} as ${app.get<MqClient>(MQ_CLIENT).id}` : ''})`,
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  void bootstrap();
}
