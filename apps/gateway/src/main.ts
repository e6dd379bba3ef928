import 'reflect-metadata';
import type { Duplex } from 'node:stream';
import { Logger, ShutdownSignal, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module.js';
import { ClientRegistry, DEMO_CLIENT } from './auth/client-registry.js';
import { expandScopes } from './auth/scope-aliases.js';
import { ConfigError, loadGatewayConfig, type GatewayConfig } from './gateway.config.js';
import { applySecurityHeaders, edgeServerOptions, installEdge } from './http/edge/index.js';
import { clientErrorResponse, frameworkProblem, ProblemFilter } from './http/problem.filter.js';
import { looksLikeXml } from './http/xml-body.js';
import { ensureSimulator } from './simulator.launcher.js';

const LEVELS: Record<GatewayConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

/** Builds the Nest application on Fastify with the gateway's parsers, problem responses and API docs. */
export async function createGateway(config: GatewayConfig, clients: ClientRegistry): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.maxBodyBytes,
    // X-Forwarded-* only from TRUSTED_PROXIES, X-Request-Id, timeouts, HTTPS (http/edge)
    ...edgeServerOptions(config.edge),
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
  // ISO 20022 arrives as XML: keep the exact bytes; the codec decodes them (strict UTF-8, nothing replaced)
  // and parses them with entities and network off.
  for (const type of ['application/xml', 'text/xml', /^application\/[\w.+-]+\+xml$/]) {
    fastify.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: config.maxBodyBytes }, (_req, body, done) => done(null, body));
  }
  // application/x-www-form-urlencoded (the token endpoint) is parsed by Nest's Fastify adapter itself.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, clients), adapter, {
    logger: LEVELS[config.logLevel],
  });
  // JSON, except that an XML body sent as application/json (how the AWS guidance's clients post to /inbox) is
  // kept as bytes; /v1/inbox still refuses JSON with 415, only the compatibility route takes it.
  app.useBodyParser('application/json', { bodyLimit: config.maxBodyBytes }, (_req, body, done) => {
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
  installEdge(app, config);
  // With an HTTPS listener, SIGHUP reloads its certificate (http/edge) instead of shutting down.
  app.enableShutdownHooks(config.edge.tls ? Object.values(ShutdownSignal).filter((s) => s !== ShutdownSignal.SIGHUP) : undefined);
  if (config.role !== 'worker' && config.edge.apiDocs !== 'off') {
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
  const log = new Logger('Gateway');
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`clearway: configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  let clientList = config.clients;
  if (clientList.length === 0) {
    if (process.env.NODE_ENV === 'production') {
      console.error('clearway: configuration error: CLEARWAY_CLIENTS is required when NODE_ENV=production');
      process.exit(2);
    }
    clientList = [DEMO_CLIENT];
    log.warn(`CLEARWAY_CLIENTS is not set: the local demo client "${DEMO_CLIENT.id}" is enabled (see README); never use it in production`);
  }
  if (config.amqp) {
    // Payments from the inbound queue belong to MQ_CLIENT_ID; with only the demo client, to it.
    let clientId = config.amqp.clientId;
    if (clientId === null && clientList.length === 1 && clientList[0] === DEMO_CLIENT) clientId = DEMO_CLIENT.id;
    if (clientId === null) {
      console.error(
        'clearway: configuration error: MQ_CLIENT_ID is required with an AMQP broker (the API client that owns payments from the inbound queue)',
      );
      process.exit(2);
    }
    if (!config.auth.jwksUrl && !clientList.some((c) => c.id === clientId)) {
      console.error(`clearway: configuration error: MQ_CLIENT_ID "${clientId}" is not a client in CLEARWAY_CLIENTS`);
      process.exit(2);
    }
    const clientScopes = expandScopes(clientList.find((c) => c.id === clientId)?.scopes ?? []);
    config = { ...config, amqp: { ...config.amqp, clientId, clientScopes } };
  }
  if (config.mode === 'proxy' && config.hostTransport === 'http' && !config.legacyHostUrl && config.role !== 'api') {
    if (process.env.NODE_ENV === 'production') {
      console.error(
        'clearway: configuration error: LEGACY_HOST_URL is required in proxy mode when NODE_ENV=production (the simulator is for local use)',
      );
      process.exit(2);
    }
    const sim = await ensureSimulator(config.simPort, config.schemaDir);
    config = { ...config, legacyHostUrl: sim.url };
  }
  if (config.ledger.ignored.length > 0) {
    log.warn(`${config.ledger.ignored.join(' and ')} ignored: the ledger exists only in MODE=core`);
  }
  const app = await createGateway(config, new ClientRegistry(clientList));
  await app.listen({ port: config.port, host: config.host });
  log.log(
    `listening on ${config.host}:${config.port} (role ${config.role}, mode ${config.mode}, data ${config.dataDir}` +
      `${config.mode === 'proxy' ? `, host ${config.hostTransport === 'amqp' ? `amqp queue ${config.amqp?.topology.requestQueue}` : (config.legacyHostUrl ?? 'none')}` : `, ledger ${config.ledger.enabled ? 'on' : 'off'}`}` +
      `${config.amqp ? `, inbound queue ${config.amqp.topology.inboundQueue} as ${config.amqp.clientId}` : ''})`,
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  void bootstrap();
}
