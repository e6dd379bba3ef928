// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { Global, Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import {
  ApplicationModule,
  BUSINESS_RULES,
  CHANNEL_SETTINGS,
  HOLD_POLICY,
  HoldPolicy,
  CLOCK,
  ID_GENERATOR,
  ISO20022_CODEC,
  LEGACY_HOST,
  PIPELINE_SETTINGS,
  ADMISSION,
  SCREENING_SERVICE,
  standardBusinessRules,
  SECRET_STORE,
  STATUS_PUBLISHER,
  WORK_QUEUE_SIGNAL,
  type ChannelSettings,
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
import { expandScopes } from './auth/scope-aliases.js';
import { loadConfiguration, resolveMqClient, type Configuration, type MqClient } from './config/configuration.js';
import {
  ALL_NAMESPACES,
  amqpConfig,
  authConfig,
  channelsConfig,
  clientsConfig,
  hostConfig,
  intakeConfig,
  ledgerConfig,
  regionConfig,
  routingConfig,
  rulesConfig,
  runtimeConfig,
  workerConfig,
} from './config/namespaces.js';
import { NoLegacyHost } from './core-host.adapter.js';
import { CUSTOM_BUSINESS_RULES } from './custom-business-rules.js';
import { AMQP_SESSION, MQ_CLIENT } from './gateway.tokens.js';
import { HostEndpoint } from './host-endpoint.js';
import { connectorQueues, connectorsProvider } from './connectors.provider.js';
import { readTlsFiles } from './tls-files.js';
import { AmqpLifecycle } from './mq/amqp-lifecycle.service.js';
import { HostAnswerBridge } from './mq/host-answer.bridge.js';
import { InboundQueueConsumer } from './mq/inbound-queue.consumer.js';
import { HealthController } from './http/health.controller.js';
import { AwsCompatController, AwsDiscoveryController } from './http/aws-compat.controller.js';
import { ChannelsController } from './http/channels.controller.js';
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
import { MetricsController } from './metrics/metrics.controller.js';
import { RoutesController } from './operator/routes.controller.js';
import { RegionsController } from './region/regions.controller.js';
import { GlobalDurability } from './region/global-durability.service.js';
import { RegionService } from './region/region.service.js';
import { OperatorController } from './operator/operator.controller.js';
import { AdmissionGate } from './admission/admission.gate.js';
import { MetricsRegistry } from './metrics/metrics.registry.js';
import { Tracing } from './tracing/tracing.js';
import { TracingModule } from './tracing/tracing.module.js';
import { PaymentAuditLog } from './logging/payment-audit.handler.js';
import { GatewayInstruments } from './metrics/instruments.js';
import { meteredScreening } from './metrics/metered-screening.js';
import { MetricsServer } from './metrics/metrics.server.js';
import { PaymentMetricsHandler } from './metrics/payment-metrics.handler.js';

type Runtime = ConfigType<typeof runtimeConfig>;
type Worker = ConfigType<typeof workerConfig>;
type Rules = ConfigType<typeof rulesConfig>;
type Host = ConfigType<typeof hostConfig>;
type Amqp = ConfigType<typeof amqpConfig>;
type Intake = ConfigType<typeof intakeConfig>;

/**
 * The ports every use case may need, bound to their adapters for this process (composition root). Which
 * providers exist follows the configuration validated at start; each provider injects its namespaces.
 */
@Global()
@Module({})
class PortsModule {
  static forRoot(config: Configuration): DynamicModule {
    const providers: Provider[] = [
      {
        provide: PIPELINE_SETTINGS,
        inject: [runtimeConfig.KEY, workerConfig.KEY, ledgerConfig.KEY, amqpConfig.KEY, intakeConfig.KEY, regionConfig.KEY],
        useFactory: (
          runtime: Runtime,
          worker: Worker,
          ledger: ConfigType<typeof ledgerConfig>,
          amqp: Amqp,
          intake: Intake,
          region: ConfigType<typeof regionConfig>,
        ): PipelineSettings => ({
          mode: runtime.mode,
          slaMs: worker.slaMs,
          recoveryAfterMs: worker.recoveryAfterMs,
          completedJobRetentionMs: 24 * 3_600_000,
          ledger: runtime.mode === 'core' && ledger.enabled,
          publishStatusReports: amqp.enabled,
          maxTransactionsPerMessage: intake.maxTransactionsPerMessage,
          regionId: region.id,
        }),
      },
      { provide: CLOCK, useValue: { now: () => new Date() } },
      {
        // The JSON and QR payment channels: the default debtor agent, the merchant directory (checked at start).
        provide: CHANNEL_SETTINGS,
        inject: [channelsConfig.KEY],
        useFactory: (channels: ConfigType<typeof channelsConfig>): ChannelSettings => ({
          debtorAgentBic: channels.debtorAgentBic,
          merchants: channels.merchants,
        }),
      },
      // Metrics recorded as things happen (payments, host calls, screening), registered by MetricsRegistry.
      GatewayInstruments,
      { provide: ID_GENERATOR, useValue: { uuid: () => randomUUID() } },
      {
        provide: SCREENING_SERVICE,
        inject: [rulesConfig.KEY, GatewayInstruments, Tracing],
        useFactory: ({ screening }: Rules, instruments: GatewayInstruments, tracing: Tracing) =>
          screening
            ? meteredScreening(
                new HttpScreeningService({
                  url: screening.url,
                  timeoutMs: screening.timeoutMs,
                  ...(screening.authHeader ? { authHeader: screening.authHeader } : {}),
                  // Tracing on: each call is a span and carries its traceparent header.
                  ...(tracing.enabled ? { tracer: tracing.screeningCall } : {}),
                }),
                instruments,
              )
            : null,
      },
      {
        provide: BUSINESS_RULES,
        inject: [SCREENING_SERVICE, rulesConfig.KEY],
        useFactory: (service: ScreeningService | null, rules: Rules) => {
          const built = standardBusinessRules({
            amountLimits: rules.amountLimits,
            creditorCountries: { allow: rules.creditorCountryAllow, deny: rules.creditorCountryDeny },
            screening: service && rules.screening ? { service, failure: rules.screening.failure, logger: new Logger('Screening') } : null,
            extraRules: CUSTOM_BUSINESS_RULES,
            order: rules.order,
          });
          const screeningNote = rules.screening
            ? ` (screening: fail-${rules.screening.failure}, timeout ${rules.screening.timeoutMs} ms)`
            : '';
          new Logger('BusinessRules').log(`business rules in order: ${built.ids.join(', ')}${screeningNote}`);
          return built;
        },
      },
      {
        provide: HOLD_POLICY,
        inject: [rulesConfig.KEY],
        useFactory: (rules: Rules) => HoldPolicy.fromConfig({ amountAbove: rules.holdAmountAbove, rulesJson: rules.holdRules }),
      },
      WorkSignalHub,
      { provide: WORK_QUEUE_SIGNAL, useExisting: WorkSignalHub },
      {
        provide: ISO20022_CODEC,
        inject: [intakeConfig.KEY],
        useFactory: (intake: Intake) =>
          Iso20022Codec.create({
            schemaDir: intake.schemaDir,
            limits: { maxBytes: intake.maxBodyBytes, maxDepth: intake.maxXmlDepth },
          }),
      },
      {
        // LEGACY_HOST_URL, or the simulator this process uses (started here when none answers on SIM_PORT).
        provide: HostEndpoint,
        inject: [hostConfig.KEY, intakeConfig.KEY],
        useFactory: (host: Host, intake: Intake) => HostEndpoint.resolve(host, intake.schemaDir),
      },
      connectorsProvider,
      {
        provide: LEGACY_HOST,
        inject: [
          ISO20022_CODEC,
          SECRET_STORE,
          runtimeConfig.KEY,
          hostConfig.KEY,
          amqpConfig.KEY,
          workerConfig.KEY,
          HostEndpoint,
          Tracing,
          GatewayInstruments,
          { token: AMQP_SESSION, optional: true },
        ],
        useFactory: (
          codec: Iso20022Codec,
          secrets: SecretStore,
          runtime: Runtime,
          host: Host,
          amqp: Amqp,
          worker: Worker,
          endpoint: HostEndpoint,
          tracing: Tracing,
          instruments: GatewayInstruments,
          session: AmqpSession | undefined,
        ) => {
          if (runtime.mode === 'core') return new NoLegacyHost();
          // Tracing on: each host call is a span and carries its traceparent (HTTP header, AMQP header).
          const traced = tracing.enabled ? { tracer: tracing.hostCall } : {};
          if (host.transport === 'amqp' && session && amqp.enabled) {
            return new AmqpLegacyHost({
              session,
              topology: amqp.topology,
              // Reads every answer (pacs.002, camt.029) with readHostAnswer, as the HTTP adapter does.
              codec,
              timeoutMs: host.timeoutMs,
              replyPrefetch: Math.max(32, worker.concurrency * 2),
              logger: new Logger('LegacyHost'),
              ...traced,
              onCall: instruments.hostCallObserver('amqp'),
            });
          }
          if (!endpoint.url) return new NoLegacyHost();
          return new HttpLegacyHost({
            baseUrl: endpoint.url,
            codec,
            timeoutMs: host.timeoutMs,
            attempts: host.attempts,
            logger: new Logger('LegacyHost'),
            onCall: instruments.hostCallObserver('http'),
            // HOST_TLS_*: a private CA and/or a client certificate (http/edge, issue 10 point 8)
            ...(host.tls ? { tls: readTlsFiles(host.tls) } : {}),
            // The host's credentials (an Authorization header value) from the secret store, read per call.
            ...(host.authSecret ? { authHeader: () => secrets.get(host.authSecret!) } : {}),
            ...traced,
          });
        },
      },
    ];
    if (config.amqp.enabled) {
      providers.push(
        {
          provide: AMQP_SESSION,
          inject: [amqpConfig.KEY, runtimeConfig.KEY, routingConfig.KEY],
          // The whole topology is declared at start and after every reconnect (docs/amqp-topology.md).
          useFactory: (amqp: Amqp, runtime: Runtime, routing: ConfigType<typeof routingConfig>) =>
            AmqpSession.open({
              url: amqp.url,
              name: `clearway-gateway-${runtime.role}-${process.pid}`,
              // AMQP_TLS_*: a private CA and/or a client certificate for amqps:// (issue 10 point 8)
              ...(amqp.tls ? { tls: readTlsFiles(amqp.tls) } : {}),
              declare: (channel) =>
                declareQueues(channel, amqp.topology.deadLetterExchange, [
                  amqp.topology.inboundQueue,
                  amqp.topology.outboundQueue,
                  amqp.topology.requestQueue,
                  amqp.topology.replyQueue,
                  // AMQP connectors of ROUTING_FILE: their request queues and their own reply queues
                  ...connectorQueues(routing, amqp),
                ]),
              logger: new Logger('Amqp'),
            }),
        },
        {
          provide: STATUS_PUBLISHER,
          inject: [AMQP_SESSION, amqpConfig.KEY],
          useFactory: (session: AmqpSession, amqp: Amqp) => new AmqpStatusPublisher(session, amqp.topology.outboundQueue),
        },
        {
          // The owner of the payments from the inbound queue, with its scopes expanded (rp2/* aliases).
          provide: MQ_CLIENT,
          inject: [amqpConfig.KEY, clientsConfig.KEY, authConfig.KEY],
          useFactory: (amqp: Amqp, clients: ConfigType<typeof clientsConfig>, auth: ConfigType<typeof authConfig>): MqClient => {
            const client = resolveMqClient(amqp, clients, auth)!;
            return { id: client.id, scopes: expandScopes(client.scopes) };
          },
        },
        AmqpLifecycle,
      );
    }
    // This region: heartbeat, status, takeover of failed peers (docs/multi-region.md); admission, the workers,
    // the sweepers and /health/region ask it.
    providers.push(RegionService, GlobalDurability);
    if (config.runtime.role !== 'worker') {
      // Admission control for the inbox and the MQ front door of this process (docs/operations.md, "Overload").
      providers.push(AdmissionGate, { provide: ADMISSION, useExisting: AdmissionGate });
    }
    return { module: PortsModule, providers, exports: providers };
  }
}

/**
 * The gateway: API and/or workers (ROLE), on the adapters chosen by STORE, QUEUE, SECRETS and ARCHIVE. The
 * configuration namespaces (config/namespaces.ts) are global providers; `config` is the same configuration,
 * validated at start, and decides which modules and providers this process has.
 */
@Module({})
export class AppModule {
  static forRoot(config: Configuration): DynamicModule {
    const api = config.runtime.role !== 'worker';
    const workers = config.runtime.role !== 'api';
    // Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; on, the SDK is registered here, before any request or job.
    const tracing = Tracing.start(config.tracing);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: ALL_NAMESPACES,
          // The same validation as at start (main.ts): a module built without it still refuses a bad environment.
          validate: (env) => {
            loadConfiguration(env as Record<string, string | undefined>);
            return env;
          },
        }),
        CqrsModule.forRoot(),
        TerminusModule,
        TracingModule.forRoot(tracing),
        AdaptersModule.forRoot(config, tracing),
        PortsModule.forRoot(config),
        ApplicationModule,
        AuthModule.forRoot(),
      ],
      controllers: api
        ? [
            InboxController,
            ChannelsController,
            TransactionsController,
            InvestigationsController,
            OperatorController,
            RoutesController,
            RegionsController,
            DecisionsController,
            AwsCompatController,
            AwsDiscoveryController,
            LedgerController,
            HealthController,
            MetricsController,
          ]
        : [HealthController, MetricsController],
      providers: [
        LedgerSeeder,
        MetricsRegistry,
        // the audit trail: one line per stored status change (docs/operations.md, "Logs")
        PaymentAuditLog,
        PaymentMetricsHandler,
        ...(config.server.metricsPort !== null ? [MetricsServer] : []),
        ...(workers ? [PipelineWorker, SweeperService, ...(config.store.store === 'dynamodb' ? [OutboxRelay] : [])] : []),
        ...(config.amqp.enabled && api ? [InboundQueueConsumer] : []),
        ...(config.amqp.enabled &&
        workers &&
        config.runtime.mode === 'proxy' &&
        (config.host.transport === 'amqp' || (config.routing.table?.connectors ?? []).some((c) => c.transport === 'amqp'))
          ? [HostAnswerBridge]
          : []),
      ],
    };
  }
}
