import { randomUUID } from 'node:crypto';
import { Global, Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import {
  ApplicationModule,
  BUSINESS_RULES,
  HOLD_POLICY,
  HoldPolicy,
  CLOCK,
  ID_GENERATOR,
  ISO20022_CODEC,
  LEGACY_HOST,
  PIPELINE_SETTINGS,
  SCREENING_SERVICE,
  standardBusinessRules,
  SECRET_STORE,
  STATUS_PUBLISHER,
  WORK_QUEUE_SIGNAL,
  type PipelineSettings,
  type SecretStore,
  type ScreeningService,
} from '#application';
import { AmqpLegacyHost, AmqpSession, AmqpStatusPublisher, declareQueues } from '#adapters/amqp';
import { HttpLegacyHost } from '#adapters/http-host';
import { HttpScreeningService } from '#adapters/screening-http';
import { Iso20022Codec } from '#iso20022';
import { AdaptersModule } from './adapters.module.js';
import { AuthModule } from './auth/auth.module.js';
import type { ClientRegistry } from './auth/client-registry.js';
import { NoLegacyHost } from './core-host.adapter.js';
import { CUSTOM_BUSINESS_RULES } from './custom-business-rules.js';
import type { GatewayConfig } from './gateway.config.js';
import { AMQP_SESSION, GATEWAY_CONFIG } from './gateway.tokens.js';
import { readTlsFiles } from './tls-files.js';
import { AmqpLifecycle } from './mq/amqp-lifecycle.service.js';
import { HostAnswerBridge } from './mq/host-answer.bridge.js';
import { InboundQueueConsumer } from './mq/inbound-queue.consumer.js';
import { HealthController } from './http/health.controller.js';
import { AwsCompatController, AwsDiscoveryController } from './http/aws-compat.controller.js';
import { DecisionsController } from './http/decisions.controller.js';
import { LedgerController } from './ledger/ledger.controller.js';
import { LedgerSeeder } from './ledger/ledger.seeder.js';
import { InboxController } from './http/inbox.controller.js';
import { TransactionsController } from './http/transactions.controller.js';
import { InvestigationsController } from './http/investigations.controller.js';
import { OutboxRelay } from './worker/outbox-relay.service.js';
import { PipelineWorker } from './worker/pipeline.worker.js';
import { SweeperService } from './worker/sweeper.service.js';
import { WorkSignalHub } from './worker/work-signal.hub.js';

/** The ports every use case may need, bound to their adapters for this process (composition root). */
@Global()
@Module({})
class PortsModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const settings: PipelineSettings = {
      mode: config.mode,
      slaMs: config.slaMs,
      recoveryAfterMs: config.recoveryAfterMs,
      completedJobRetentionMs: 24 * 3_600_000,
      ledger: config.mode === 'core' && config.ledger.enabled,
      publishStatusReports: config.amqp !== null,
      maxTransactionsPerMessage: config.maxTransactionsPerMessage,
    };
    const providers: Provider[] = [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: PIPELINE_SETTINGS, useValue: settings },
      { provide: CLOCK, useValue: { now: () => new Date() } },
      { provide: ID_GENERATOR, useValue: { uuid: () => randomUUID() } },
      {
        provide: SCREENING_SERVICE,
        useValue: config.screening
          ? new HttpScreeningService({
              url: config.screening.url,
              timeoutMs: config.screening.timeoutMs,
              ...(config.screening.authHeader ? { authHeader: config.screening.authHeader } : {}),
            })
          : null,
      },
      {
        provide: BUSINESS_RULES,
        inject: [SCREENING_SERVICE],
        useFactory: (screening: ScreeningService | null) => {
          const rules = standardBusinessRules({
            amountLimits: config.businessRules.amountLimits,
            creditorCountries: { allow: config.businessRules.creditorCountryAllow, deny: config.businessRules.creditorCountryDeny },
            screening:
              screening && config.screening
                ? { service: screening, failure: config.screening.failure, logger: new Logger('Screening') }
                : null,
            extraRules: CUSTOM_BUSINESS_RULES,
            order: config.businessRules.order,
          });
          const screeningNote = config.screening
            ? ` (screening: fail-${config.screening.failure}, timeout ${config.screening.timeoutMs} ms)`
            : '';
          new Logger('BusinessRules').log(`business rules in order: ${rules.ids.join(', ')}${screeningNote}`);
          return rules;
        },
      },
      { provide: HOLD_POLICY, useValue: HoldPolicy.fromConfig({ amountAbove: config.holdAmountAbove, rulesJson: config.holdRules }) },
      WorkSignalHub,
      { provide: WORK_QUEUE_SIGNAL, useExisting: WorkSignalHub },
      {
        provide: ISO20022_CODEC,
        useFactory: () =>
          Iso20022Codec.create({
            schemaDir: config.schemaDir,
            limits: { maxBytes: config.maxBodyBytes, maxDepth: config.maxXmlDepth },
          }),
      },
      {
        provide: LEGACY_HOST,
        inject: [ISO20022_CODEC, SECRET_STORE, { token: AMQP_SESSION, optional: true }],
        useFactory: (codec: Iso20022Codec, secrets: SecretStore, session: AmqpSession | undefined) => {
          if (config.mode === 'core') return new NoLegacyHost();
          if (config.hostTransport === 'amqp' && session && config.amqp) {
            return new AmqpLegacyHost({
              session,
              topology: config.amqp.topology,
              // Reads every answer (pacs.002, camt.029) with readHostAnswer, as the HTTP adapter does.
              codec,
              timeoutMs: config.hostTimeoutMs,
              replyPrefetch: Math.max(32, config.workerConcurrency * 2),
              logger: new Logger('LegacyHost'),
            });
          }
          if (!config.legacyHostUrl) return new NoLegacyHost();
          return new HttpLegacyHost({
            baseUrl: config.legacyHostUrl,
            codec,
            timeoutMs: config.hostTimeoutMs,
            attempts: config.hostAttempts,
            logger: new Logger('LegacyHost'),
            // HOST_TLS_*: a private CA and/or a client certificate (http/edge, issue 10 point 8)
            ...(config.edge.hostTls ? { tls: readTlsFiles(config.edge.hostTls) } : {}),
            // The host's credentials (an Authorization header value) from the secret store, read per call.
            ...(config.legacyHostAuthSecret ? { authHeader: () => secrets.get(config.legacyHostAuthSecret!) } : {}),
          });
        },
      },
    ];
    const amqp = config.amqp;
    if (amqp) {
      providers.push(
        {
          provide: AMQP_SESSION,
          // The whole topology is declared at start and after every reconnect (docs/amqp-topology.md).
          useFactory: () =>
            AmqpSession.open({
              url: amqp.url,
              name: `clearway-gateway-${config.role}-${process.pid}`,
              // AMQP_TLS_*: a private CA and/or a client certificate for amqps:// (issue 10 point 8)
              ...(config.edge.amqpTls ? { tls: readTlsFiles(config.edge.amqpTls) } : {}),
              declare: (channel) =>
                declareQueues(channel, amqp.topology.deadLetterExchange, [
                  amqp.topology.inboundQueue,
                  amqp.topology.outboundQueue,
                  amqp.topology.requestQueue,
                  amqp.topology.replyQueue,
                ]),
              logger: new Logger('Amqp'),
            }),
        },
        {
          provide: STATUS_PUBLISHER,
          inject: [AMQP_SESSION],
          useFactory: (session: AmqpSession) => new AmqpStatusPublisher(session, amqp.topology.outboundQueue),
        },
        AmqpLifecycle,
      );
    }
    return { module: PortsModule, providers, exports: providers };
  }
}

/** The gateway: API and/or workers (ROLE), on the adapters chosen by STORE, QUEUE, SECRETS and ARCHIVE. */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, clients: ClientRegistry): DynamicModule {
    const api = config.role !== 'worker';
    const workers = config.role !== 'api';
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        TerminusModule,
        AdaptersModule.forRoot(config),
        PortsModule.forRoot(config),
        ApplicationModule,
        AuthModule.forRoot(clients),
      ],
      controllers: api
        ? [
            InboxController,
            TransactionsController,
            InvestigationsController,
            DecisionsController,
            AwsCompatController,
            AwsDiscoveryController,
            LedgerController,
            HealthController,
          ]
        : [HealthController],
      providers: [
        LedgerSeeder,
        ...(workers ? [PipelineWorker, SweeperService, ...(config.adapters.store === 'dynamodb' ? [OutboxRelay] : [])] : []),
        ...(config.amqp && api ? [InboundQueueConsumer] : []),
        ...(config.amqp && workers && config.hostTransport === 'amqp' && config.mode === 'proxy' ? [HostAnswerBridge] : []),
      ],
    };
  }
}
