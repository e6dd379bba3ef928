import { randomUUID } from 'node:crypto';
import { Global, Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import {
  ApplicationModule,
  BUSINESS_RULES,
  BusinessRuleSet,
  CLOCK,
  ID_GENERATOR,
  ISO20022_CODEC,
  LEGACY_HOST,
  PIPELINE_SETTINGS,
  WORK_QUEUE_SIGNAL,
  type PipelineSettings,
} from '#application';
import { HttpLegacyHost } from '#adapters/http-host';
import { Iso20022Codec } from '#iso20022';
import { AdaptersModule } from './adapters.module.js';
import { AuthModule } from './auth/auth.module.js';
import type { ClientRegistry } from './auth/client-registry.js';
import { NoLegacyHost } from './core-host.adapter.js';
import type { GatewayConfig } from './gateway.config.js';
import { GATEWAY_CONFIG } from './gateway.tokens.js';
import { HealthController } from './http/health.controller.js';
import { InboxController } from './http/inbox.controller.js';
import { TransactionsController } from './http/transactions.controller.js';
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
      maxAmount: config.maxAmount,
    };
    const providers: Provider[] = [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: PIPELINE_SETTINGS, useValue: settings },
      { provide: CLOCK, useValue: { now: () => new Date() } },
      { provide: ID_GENERATOR, useValue: { uuid: () => randomUUID() } },
      { provide: BUSINESS_RULES, useValue: BusinessRuleSet.defaults({ maxAmount: config.maxAmount }) },
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
        inject: [ISO20022_CODEC],
        useFactory: (codec: Iso20022Codec) =>
          config.mode === 'core' || !config.legacyHostUrl
            ? new NoLegacyHost()
            : new HttpLegacyHost({
                baseUrl: config.legacyHostUrl,
                codec,
                timeoutMs: config.hostTimeoutMs,
                attempts: config.hostAttempts,
                logger: new Logger('LegacyHost'),
              }),
      },
    ];
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
      controllers: api ? [InboxController, TransactionsController, HealthController] : [HealthController],
      providers: workers
        ? [PipelineWorker, SweeperService, ...(config.adapters.store === 'dynamodb' ? [OutboxRelay] : [])]
        : [],
    };
  }
}
