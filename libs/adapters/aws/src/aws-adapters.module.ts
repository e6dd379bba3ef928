// SPDX-License-Identifier: Apache-2.0
import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CLOCK, type Clock, MESSAGE_ARCHIVE, REGION_REGISTRY, SECRET_STORE, TRANSACTION_REPOSITORY } from '#application';
import { AwsSecretStore } from './aws-secret-store.adapter.js';
import { DynamoDbLedgerStore } from './dynamodb-ledger-store.adapter.js';
import { DynamoDbOutbox } from './dynamodb-outbox.js';
import { DynamoDbRegionRegistry } from './dynamodb-region-registry.adapter.js';
import type { ShardCounts } from './dynamodb-table.js';
import { DynamoDbTransactionRepository } from './dynamodb-transaction-repository.adapter.js';
import { S3MessageArchive } from './s3-message-archive.adapter.js';
import type { AwsRequestMeter } from './aws-request-meter.js';

/** What the SDK clients share. Absent fields fall back to the SDK's own chain (AWS_REGION, roles, ...). */
export interface AwsClientSettings {
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Per-service endpoint overrides (local engines); the SDK also reads AWS_ENDPOINT_URL_<SERVICE> itself. */
  endpoint?: string;
}

export interface AwsAdaptersOptions {
  region?: string;
  credentials?: AwsClientSettings['credentials'];
  /** Counts the requests of every client this module creates (and DynamoDB's consumed capacity). */
  meter?: AwsRequestMeter;
  /** STORE=dynamodb: the transaction store (and core-mode ledger) in one DynamoDB table. */
  store?: {
    tableName: string;
    endpoint?: string;
    shards?: Partial<ShardCounts>;
    retentionDays?: number;
    /** Outbox items in the state change's transaction (default true); see DynamoDbStoreOptions.outbox. */
    outbox?: boolean;
  };
  /** ARCHIVE=s3: the message archive in an S3 bucket. */
  archive?: {
    bucket: string;
    prefix?: string;
    endpoint?: string;
    /** Path-style URLs (`http://host/bucket/key`); needed by most S3 emulators. */
    forcePathStyle?: boolean;
  };
  /** SECRETS=aws: the secret store in Secrets Manager. */
  secrets?: {
    prefix?: string;
    ttlMs?: number;
    endpoint?: string;
  };
}

export const AWS_ADAPTERS_OPTIONS = Symbol('clearway.AwsAdaptersOptions');

function clientConfig(o: AwsAdaptersOptions, endpoint?: string) {
  return {
    ...(o.region ? { region: o.region } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

function metered<C extends DynamoDBClient | S3Client | SecretsManagerClient>(
  o: AwsAdaptersOptions,
  client: C,
  service: 'dynamodb' | 's3' | 'secretsmanager',
): C {
  return o.meter ? o.meter.attach(client, service) : client;
}

/**
 * The AWS adapters, for the parts that are configured: `store` binds TRANSACTION_REPOSITORY to
 * DynamoDbTransactionRepository (and provides DynamoDbLedgerStore and DynamoDbOutbox) and REGION_REGISTRY to
 * DynamoDbRegionRegistry (the regions' records live in the store's table), `archive` binds
 * MESSAGE_ARCHIVE to S3MessageArchive, `secrets` binds SECRET_STORE to AwsSecretStore. Global: import once
 * in the composition root, instead of (or beside) EmbeddedAdaptersModule for the ports it does not bind —
 * do not bind one token twice. Uses the application's CLOCK when one is visible. Closes its SDK clients on
 * shutdown.
 */
@Module({})
export class AwsAdaptersModule implements OnApplicationShutdown {
  constructor(
    @Inject(AWS_ADAPTERS_OPTIONS) private readonly options: AwsAdaptersOptions,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  static forRoot(options: AwsAdaptersOptions): DynamicModule {
    const clockDep = { token: CLOCK, optional: true };
    const providers: Provider[] = [{ provide: AWS_ADAPTERS_OPTIONS, useValue: options }];
    const exported: (symbol | (abstract new (...args: never[]) => unknown))[] = [AWS_ADAPTERS_OPTIONS];

    if (options.store) {
      const store = options.store;
      providers.push(
        {
          provide: DynamoDBClient,
          useFactory: () => metered(options, new DynamoDBClient(clientConfig(options, store.endpoint)), 'dynamodb'),
        },
        {
          provide: DynamoDbTransactionRepository,
          useFactory: (client: DynamoDBClient, clock?: Clock) =>
            new DynamoDbTransactionRepository(client, {
              tableName: store.tableName,
              ...(store.shards ? { shards: store.shards } : {}),
              ...(store.retentionDays !== undefined ? { retentionDays: store.retentionDays } : {}),
              ...(store.outbox !== undefined ? { outbox: store.outbox } : {}),
              ...(clock ? { clock } : {}),
            }),
          inject: [DynamoDBClient, clockDep],
        },
        {
          provide: DynamoDbLedgerStore,
          useFactory: (client: DynamoDBClient, clock?: Clock) =>
            new DynamoDbLedgerStore(client, {
              tableName: store.tableName,
              ...(store.shards ? { shards: store.shards } : {}),
              ...(clock ? { clock } : {}),
            }),
          inject: [DynamoDBClient, clockDep],
        },
        {
          provide: DynamoDbOutbox,
          useFactory: (client: DynamoDBClient, clock?: Clock) =>
            new DynamoDbOutbox(client, {
              tableName: store.tableName,
              ...(store.shards ? { shards: store.shards } : {}),
              ...(clock ? { clock } : {}),
            }),
          inject: [DynamoDBClient, clockDep],
        },
        {
          provide: DynamoDbRegionRegistry,
          useFactory: (client: DynamoDBClient) => new DynamoDbRegionRegistry(client, { tableName: store.tableName }),
          inject: [DynamoDBClient],
        },
        { provide: TRANSACTION_REPOSITORY, useExisting: DynamoDbTransactionRepository },
        { provide: REGION_REGISTRY, useExisting: DynamoDbRegionRegistry },
      );
      exported.push(
        DynamoDBClient,
        DynamoDbTransactionRepository,
        DynamoDbLedgerStore,
        DynamoDbOutbox,
        DynamoDbRegionRegistry,
        TRANSACTION_REPOSITORY,
        REGION_REGISTRY,
      );
    }
    if (options.archive) {
      const archive = options.archive;
      providers.push(
        {
          provide: S3Client,
          useFactory: () =>
            metered(
              options,
              new S3Client({
                ...clientConfig(options, archive.endpoint),
                ...(archive.forcePathStyle !== undefined ? { forcePathStyle: archive.forcePathStyle } : {}),
              }),
              's3',
            ),
        },
        {
          provide: S3MessageArchive,
          useFactory: (client: S3Client) =>
            new S3MessageArchive(client, { bucket: archive.bucket, ...(archive.prefix ? { prefix: archive.prefix } : {}) }),
          inject: [S3Client],
        },
        { provide: MESSAGE_ARCHIVE, useExisting: S3MessageArchive },
      );
      exported.push(S3Client, S3MessageArchive, MESSAGE_ARCHIVE);
    }
    if (options.secrets) {
      const secrets = options.secrets;
      providers.push(
        {
          provide: SecretsManagerClient,
          useFactory: () => metered(options, new SecretsManagerClient(clientConfig(options, secrets.endpoint)), 'secretsmanager'),
        },
        {
          provide: AwsSecretStore,
          useFactory: (client: SecretsManagerClient, clock?: Clock) =>
            new AwsSecretStore(client, {
              ...(secrets.prefix !== undefined ? { prefix: secrets.prefix } : {}),
              ...(secrets.ttlMs !== undefined ? { ttlMs: secrets.ttlMs } : {}),
              ...(clock ? { clock } : {}),
            }),
          inject: [SecretsManagerClient, clockDep],
        },
        { provide: SECRET_STORE, useExisting: AwsSecretStore },
      );
      exported.push(SecretsManagerClient, AwsSecretStore, SECRET_STORE);
    }
    return { module: AwsAdaptersModule, global: true, providers, exports: exported };
  }

  onApplicationShutdown(): void {
    if (this.options.store) this.moduleRef.get(DynamoDBClient, { strict: true }).destroy();
    if (this.options.archive) this.moduleRef.get(S3Client, { strict: true }).destroy();
    if (this.options.secrets) this.moduleRef.get(SecretsManagerClient, { strict: true }).destroy();
  }
}
