// SPDX-License-Identifier: Apache-2.0
import { Global, Inject, Logger, Module, Optional, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import {
  CLOCK,
  LEDGER_STORE,
  MESSAGE_ARCHIVE,
  PEER_REPLICAS,
  REGION_FENCE,
  REGION_REGISTRY,
  RegionOwnership,
  SECRET_STORE,
  TRANSACTION_REPOSITORY,
  WORK_QUEUE,
  WORK_QUEUE_SIGNAL,
  type Clock,
  type MessageArchive,
  type SecretStore,
  type TransactionRepository,
  type WorkQueue,
  type WorkSignal,
} from '#application';
import {
  AwsAdaptersModule,
  AwsConfigError,
  AwsRequestMeter,
  checkRedrivePolicy,
  DynamoDBClient,
  DynamoDbLedgerStore,
  AwsSecretStore,
  DynamoDbOutbox,
  DynamoDbPeerReplicas,
  DynamoDbRegionRegistry,
  DynamoDbTransactionRepository,
  resolveQueueUrl,
  SQSClient,
  SqsWorkQueue,
} from '#adapters/aws';
import {
  EmbeddedAdaptersModule,
  FileSecretStore,
  SqliteLedgerStore,
  SqliteRegionRegistry,
  SqliteTransactionRepository,
  SqliteWorkQueue,
} from '#adapters/embedded';
import {
  PostgresDatabase,
  PostgresJobListener,
  PostgresLedgerStore,
  PostgresMessageArchive,
  PostgresSecretStore,
  PostgresTransactionRepository,
  PostgresWorkQueue,
} from '#adapters/postgres';
import { ConfigError, type AdapterSelection, type RegionConfig, type StoreConfig, type WorkerConfig } from './config/configuration.js';
import { openPostgres, prepareSchema, readSecretsKey, redactedUrl } from './postgres-connection.js';
import { QueueForwardingRepository } from './queue-forwarding.repository.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness.js';
import { TracedTransactionRepository, TracedWorkQueue } from './tracing/traced-ports.js';
import { Tracing } from './tracing/tracing.js';

/** The SDK clients of the AWS adapters in use (one per service, shared by its adapters). */
export const SQS_CLIENT = Symbol('clearway.SqsClient');
export const DYNAMODB_CLIENT = Symbol('clearway.DynamoDbClient');

type Aws = AdapterSelection['aws'];

function clientConfig(aws: Aws, endpoint: string | null): { region: string; endpoint?: string } {
  return { region: aws.region!, ...(endpoint ? { endpoint } : {}) };
}

/**
 * Binds the ports to the adapters chosen by STORE, QUEUE, SECRETS and ARCHIVE (composition root) and lists
 * what `/health/ready` checks. The embedded adapters share one SQLite file; the AWS ones each get an SDK
 * client on AWS_REGION and the standard AWS_ENDPOINT_URL_<SERVICE> endpoint when one is set.
 */
@Global()
@Module({})
export class AdaptersModule implements OnApplicationShutdown {
  constructor(
    @Optional() @Inject(SqsWorkQueue) private readonly sqs: SqsWorkQueue | null = null,
    @Optional() @Inject(PostgresJobListener) private readonly pgListener: PostgresJobListener | null = null,
    @Optional() @Inject(PostgresDatabase) private readonly pg: PostgresDatabase | null = null,
  ) {}

  /**
   * With tracing on (`tracing.enabled`), the store and queue ports are bound to decorators that carry the
   * active `traceparent` on every job and make spans of the calls (tracing/traced-ports.ts); off, the adapters
   * themselves, untouched.
   */
  static forRoot(
    config: { store: StoreConfig; worker: WorkerConfig; region: RegionConfig; runtime: { role: 'all' | 'api' | 'worker' } },
    tracing: Tracing = Tracing.OFF,
  ): DynamicModule {
    const a = config.store;
    const traced = tracing.enabled;
    const imports: DynamicModule[] = [];
    const providers: Provider[] = [];
    // One meter for every AWS client of the process (GET /metrics publishes what it counts).
    const usesAws = a.store === 'dynamodb' || a.queue === 'sqs' || a.archive === 's3' || a.secrets === 'aws';
    const meter = usesAws ? new AwsRequestMeter() : null;
    if (meter) providers.push({ provide: AwsRequestMeter, useValue: meter });
    const embeddedPorts = [
      ...(a.store === 'embedded' && !traced ? (['store'] as const) : []),
      ...(a.queue === 'embedded' && !traced ? (['queue'] as const) : []),
      ...(a.archive === 'embedded' ? (['archive'] as const) : []),
    ];
    if (traced && a.store === 'embedded') {
      providers.push(
        {
          provide: TRANSACTION_REPOSITORY,
          inject: [SqliteTransactionRepository],
          useFactory: (store: SqliteTransactionRepository) => new TracedTransactionRepository(store, tracing, 'sqlite'),
        },
        { provide: LEDGER_STORE, useExisting: SqliteLedgerStore },
        { provide: REGION_REGISTRY, useExisting: SqliteRegionRegistry },
      );
    }
    if (traced && a.queue === 'embedded') {
      providers.push({
        provide: WORK_QUEUE,
        inject: [SqliteWorkQueue],
        useFactory: (queue: SqliteWorkQueue) => new TracedWorkQueue(queue, tracing, 'sqlite'),
      });
    }
    if (embeddedPorts.length > 0 || (traced && (a.store === 'embedded' || a.queue === 'embedded'))) {
      imports.push(
        EmbeddedAdaptersModule.forRoot({
          dataDir: a.dataDir,
          synchronous: a.sqliteSynchronous,
          maxAttempts: config.worker.jobMaxAttempts,
          ports: [...embeddedPorts, ...(a.secrets === 'file' ? (['secrets'] as const) : [])],
        }),
      );
    } else if (a.secrets === 'file') {
      providers.push({ provide: SECRET_STORE, useFactory: () => new FileSecretStore(a.dataDir) });
    }

    if (a.queue === 'sqs') {
      providers.push(
        { provide: SQS_CLIENT, useFactory: () => meter!.attach(new SQSClient(clientConfig(a.aws, a.aws.endpoints.sqs)), 'sqs') },
        {
          provide: SqsWorkQueue,
          inject: [SQS_CLIENT],
          useFactory: async (client: SQSClient) => {
            const [queueUrl, deadLetterQueueUrl] = await Promise.all([
              resolveQueueUrl(client, a.aws.sqsQueue!),
              resolveQueueUrl(client, a.aws.sqsDeadLetterQueue!),
            ]);
            const maxAttempts = await checkRedrivePolicy(client, queueUrl, deadLetterQueueUrl, config.worker.jobMaxAttempts, (m) =>
              new Logger('Adapters').warn(m),
            ).catch((e: unknown) => {
              throw e instanceof AwsConfigError ? new ConfigError(e.message) : e;
            });
            const log = new Logger('SqsWorkQueue');
            return new SqsWorkQueue({
              client,
              queueUrl,
              deadLetterQueueUrl,
              maxAttempts,
              waitTimeSeconds: a.aws.sqsWaitSeconds,
              // long host calls keep their job hidden, up to the SLA; a dead process stops renewing
              extendVisibility: { maxMs: config.worker.slaMs },
              onError: (m) => log.warn(m),
            });
          },
        },
        traced
          ? { provide: WORK_QUEUE, inject: [SqsWorkQueue], useFactory: (queue: SqsWorkQueue) => new TracedWorkQueue(queue, tracing, 'sqs') }
          : { provide: WORK_QUEUE, useExisting: SqsWorkQueue },
      );
    }

    if (a.store === 'dynamodb') providers.push(...dynamoDbProviders(a, config.region, meter!, tracing));
    if (a.postgres) providers.push(...postgresProviders(a, config.worker, tracing, config.runtime.role !== 'api'));
    if (a.archive === 's3' || a.secrets === 'aws') {
      // S3 archive and Secrets Manager store: the AWS adapters' own module binds their tokens.
      imports.push(
        AwsAdaptersModule.forRoot({
          region: a.aws.region!,
          meter: meter!,
          ...(a.archive === 's3'
            ? {
                archive: {
                  bucket: a.aws.s3Bucket!,
                  ...(a.aws.s3Prefix ? { prefix: a.aws.s3Prefix } : {}),
                  ...(a.aws.endpoints.s3 ? { endpoint: a.aws.endpoints.s3 } : {}),
                  forcePathStyle: a.aws.s3ForcePathStyle,
                },
              }
            : {}),
          ...(a.secrets === 'aws'
            ? {
                secrets: {
                  prefix: a.aws.secretsPrefix,
                  ttlMs: a.aws.secretsCacheSeconds * 1000,
                  ...(a.aws.endpoints.secretsManager ? { endpoint: a.aws.endpoints.secretsManager } : {}),
                },
              }
            : {}),
        }),
      );
    }

    providers.push({
      provide: READINESS_CHECKS,
      inject: [
        TRANSACTION_REPOSITORY,
        WORK_QUEUE,
        MESSAGE_ARCHIVE,
        SECRET_STORE,
        ...awsReadinessTokens(a),
        ...(a.postgres ? [PostgresDatabase] : []),
      ],
      useFactory: (store: TransactionRepository, queue: WorkQueue, archive: MessageArchive, secrets: SecretStore, ...extras: unknown[]) =>
        readinessChecks(a, store, queue, archive, secrets, extras),
    });

    return {
      module: AdaptersModule,
      global: true,
      imports,
      providers,
      exports: [...providers.map((p) => (typeof p === 'function' ? p : p.provide))],
    };
  }

  /** Stops the SQS queue's visibility extension so a stopping process hands its jobs back; closes the PostgreSQL pool. */
  async onApplicationShutdown(): Promise<void> {
    await this.sqs?.close();
    await this.pgListener?.close();
    await this.pg?.close();
  }
}

// ---- per-service providers ---------------------------------------------------------------------------

/**
 * STORE=dynamodb: the DynamoDB store commits each state change with its jobs as outbox items; the port is
 * bound to a QueueForwardingRepository that hands the jobs to the work queue right after the commit and
 * deletes their outbox items, and OutboxRelay (worker) sends what a crash left behind.
 */
function dynamoDbProviders(a: StoreConfig, region: RegionConfig, meter: AwsRequestMeter, tracing: Tracing): Provider[] {
  const aws = a.aws;
  const table = { tableName: aws.dynamodbTable! };
  const clockDep = { token: CLOCK, optional: true };
  // CONSISTENCY=eventual (docs/multi-region.md): what this region owns, kept by RegionService at each heartbeat,
  // fences every payment write and scopes the outbox relay.
  const ownership = region.consistency === 'eventual' ? new RegionOwnership(region.id) : null;
  return [
    { provide: DYNAMODB_CLIENT, useFactory: () => meter.attach(new DynamoDBClient(clientConfig(aws, aws.endpoints.dynamodb)), 'dynamodb') },
    ...(ownership
      ? [
          { provide: RegionOwnership, useValue: ownership },
          { provide: REGION_FENCE, useExisting: RegionOwnership },
          {
            // the peers' replicas, read for `X-Consistency: global`: PEER_DYNAMODB_ENDPOINTS, else the peer's
            // AWS region (a region id is then an AWS region name)
            provide: PEER_REPLICAS,
            useFactory: () =>
              new DynamoDbPeerReplicas(
                new Map(
                  region.peers.map((peer) => {
                    const endpoint = region.peerEndpoints[peer];
                    const config = endpoint ? clientConfig(aws, endpoint) : { region: peer };
                    return [peer, meter.attach(new DynamoDBClient(config), 'dynamodb')];
                  }),
                ),
                table,
              ),
          },
        ]
      : []),
    {
      provide: DynamoDbTransactionRepository,
      inject: [DYNAMODB_CLIENT, clockDep],
      useFactory: (client: DynamoDBClient, clock?: Clock) =>
        new DynamoDbTransactionRepository(client, { ...table, ...(clock ? { clock } : {}), ...(ownership ? { fence: ownership } : {}) }),
    },
    {
      provide: DynamoDbOutbox,
      inject: [DYNAMODB_CLIENT, clockDep],
      useFactory: (client: DynamoDBClient, clock?: Clock) => new DynamoDbOutbox(client, { ...table, ...(clock ? { clock } : {}) }),
    },
    {
      // The core-mode ledger's accounts live in the same table (postings go with the payment's own write).
      provide: LEDGER_STORE,
      inject: [DYNAMODB_CLIENT, clockDep],
      useFactory: (client: DynamoDBClient, clock?: Clock) => new DynamoDbLedgerStore(client, { ...table, ...(clock ? { clock } : {}) }),
    },
    {
      // The regions' records (issue 15) live in the same table, one item each under one partition.
      provide: REGION_REGISTRY,
      inject: [DYNAMODB_CLIENT],
      useFactory: (client: DynamoDBClient) => new DynamoDbRegionRegistry(client, table),
    },
    {
      provide: TRANSACTION_REPOSITORY,
      inject: [DynamoDbTransactionRepository, DynamoDbOutbox, WORK_QUEUE, WORK_QUEUE_SIGNAL],
      useFactory: (store: DynamoDbTransactionRepository, outbox: DynamoDbOutbox, queue: WorkQueue, signal: WorkSignal) => {
        const forwarding = new QueueForwardingRepository(store, queue, { signal, outbox });
        return tracing.enabled ? new TracedTransactionRepository(forwarding, tracing, 'dynamodb') : forwarding;
      },
    },
  ];
}

/**
 * STORE=postgres (docs/postgres.md): payments, their jobs, the ledger, and (unless set otherwise) the archive and
 * secrets on one PostgreSQL server shared by every instance. The pool opens at start and the schema is migrated
 * (DATABASE_MIGRATE) before anything uses it; a listener wakes this process's workers when any instance commits jobs.
 */
function postgresProviders(a: StoreConfig, worker: WorkerConfig, tracing: Tracing, workers: boolean): Provider[] {
  const config = a.postgres!;
  const clockDep = { token: CLOCK, optional: true };
  const log = new Logger('PostgreSQL');
  const providers: Provider[] = [
    {
      provide: PostgresDatabase,
      useFactory: async () => {
        const db = openPostgres(config, (m) => log.warn(m));
        try {
          const applied = await prepareSchema(db, config, { migrate: config.migrate });
          const where = `${redactedUrl(config.url)}${config.schema ? ` schema ${config.schema}` : ''}`;
          log.log(
            applied.length > 0
              ? `${where}: migrated to version ${applied.at(-1)} (applied ${applied.join(', ')})`
              : `${where}: schema up to date`,
          );
          return db;
        } catch (e) {
          await db.close().catch(() => undefined);
          throw e;
        }
      },
    },
  ];
  if (a.store === 'postgres') {
    providers.push(
      {
        provide: PostgresTransactionRepository,
        inject: [PostgresDatabase, clockDep],
        useFactory: (db: PostgresDatabase, clock?: Clock) => new PostgresTransactionRepository(db, clock ? { clock } : {}),
      },
      {
        provide: TRANSACTION_REPOSITORY,
        inject: [PostgresTransactionRepository],
        useFactory: (store: PostgresTransactionRepository) =>
          tracing.enabled ? new TracedTransactionRepository(store, tracing, 'postgresql') : store,
      },
      {
        // the core-mode ledger's postings are written in the payment's own transaction
        provide: LEDGER_STORE,
        inject: [PostgresDatabase, clockDep],
        useFactory: (db: PostgresDatabase, clock?: Clock) => new PostgresLedgerStore(db, clock ? { clock } : {}),
      },
    );
  }
  if (a.queue === 'postgres') {
    providers.push(
      {
        provide: PostgresWorkQueue,
        inject: [PostgresDatabase, clockDep],
        useFactory: (db: PostgresDatabase, clock?: Clock) =>
          new PostgresWorkQueue(db, { maxAttempts: worker.jobMaxAttempts, ...(clock ? { clock } : {}) }),
      },
      {
        provide: WORK_QUEUE,
        inject: [PostgresWorkQueue],
        useFactory: (queue: PostgresWorkQueue) => (tracing.enabled ? new TracedWorkQueue(queue, tracing, 'postgresql') : queue),
      },
    );
  }
  // the listener wakes this process's workers: a ROLE=api process has none, and spares the connection
  if (a.queue === 'postgres' && workers) {
    providers.push({
      provide: PostgresJobListener,
      inject: [PostgresDatabase, WORK_QUEUE_SIGNAL],
      useFactory: async (db: PostgresDatabase, signal: WorkSignal) => {
        const listener = new PostgresJobListener(db, { onJobs: () => signal.notify(), onError: (m) => log.warn(m) });
        await listener.start();
        return listener;
      },
    });
  }
  if (a.archive === 'postgres') {
    providers.push({
      provide: MESSAGE_ARCHIVE,
      inject: [PostgresDatabase],
      useFactory: (db: PostgresDatabase) => new PostgresMessageArchive(db),
    });
  }
  if (a.secrets === 'postgres') {
    const key = readSecretsKey(config);
    providers.push({
      provide: SECRET_STORE,
      inject: [PostgresDatabase],
      useFactory: (db: PostgresDatabase) => new PostgresSecretStore(db, key),
    });
  }
  return providers;
}

function awsReadinessTokens(a: AdapterSelection): Array<typeof SqsWorkQueue | typeof AwsSecretStore> {
  return [...(a.queue === 'sqs' ? [SqsWorkQueue] : []), ...(a.secrets === 'aws' ? [AwsSecretStore] : [])];
}

function readinessChecks(
  a: AdapterSelection,
  store: TransactionRepository,
  queue: WorkQueue,
  archive: MessageArchive,
  secrets: SecretStore,
  /** The AWS adapters and the PostgreSQL pool in use, whose own pings the checks call. */
  extras: unknown[],
): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [];
  // one check for the PostgreSQL server, whichever adapters are on it (they share its pool)
  if (a.postgres) {
    const db = extras.find((x): x is PostgresDatabase => x instanceof PostgresDatabase)!;
    const ping = async () => void (await db.run('SELECT 1'));
    checks.push({ key: 'postgres', ping, ...(a.postgres.schema ? { details: { schema: a.postgres.schema } } : {}) });
  }
  if (a.store === 'embedded') checks.push({ key: 'store', ping: () => store.ping() });
  else if (a.store === 'dynamodb') checks.push({ key: 'dynamodb', ping: () => store.ping(), details: { table: a.aws.dynamodbTable! } });
  if (a.queue === 'embedded') checks.push({ key: 'queue', ping: () => queue.ping() });
  else if (a.queue === 'sqs') {
    const sqs = extras.find((x): x is SqsWorkQueue => x instanceof SqsWorkQueue)!;
    checks.push(
      { key: 'sqs', ping: () => sqs.ping(), details: { queue: a.aws.sqsQueue! } },
      { key: 'sqs-dlq', ping: () => sqs.pingDeadLetterQueue(), details: { queue: a.aws.sqsDeadLetterQueue! } },
    );
  }
  if (a.archive === 'embedded') checks.push({ key: 'archive', ping: () => archive.ping() });
  else if (a.archive === 's3') checks.push({ key: 's3', ping: () => archive.ping(), details: { bucket: a.aws.s3Bucket! } });
  // the file store answers when its directory can be read (the signing key's file, through the port)
  if (a.secrets === 'file') checks.push({ key: 'secrets', ping: async () => void (await secrets.get('auth-signing-key')) });
  if (a.secrets === 'aws') {
    const store = extras.find((x): x is AwsSecretStore => x instanceof AwsSecretStore) ?? (secrets as AwsSecretStore);
    checks.push({ key: 'secretsmanager', ping: () => store.ping(), details: { prefix: a.aws.secretsPrefix } });
  }
  return checks;
}
