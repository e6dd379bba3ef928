// SPDX-License-Identifier: Apache-2.0
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import {
  CLOCK,
  type Clock,
  LEDGER_STORE,
  MESSAGE_ARCHIVE,
  REGION_REGISTRY,
  SECRET_STORE,
  TRANSACTION_REPOSITORY,
  WORK_QUEUE,
} from '#application';
import { EmbeddedDatabase, type SynchronousMode } from './embedded-database.js';
import { FileSecretStore } from './file-secret-store.adapter.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.adapter.js';
import { SqliteMessageArchive } from './sqlite-message-archive.adapter.js';
import { SqliteRegionRegistry } from './sqlite-region-registry.adapter.js';
import { SqliteTransactionRepository } from './sqlite-transaction-repository.adapter.js';
import { SqliteWorkQueue } from './sqlite-work-queue.adapter.js';

export interface EmbeddedAdaptersOptions {
  /** Directory holding `clearway.db` and `secrets/`; created when missing. */
  dataDir: string;
  /** SQLite `synchronous` setting; `FULL` unless told otherwise. */
  synchronous?: SynchronousMode;
  /** Deliveries a job gets before it is dead-lettered; 8 unless told otherwise. */
  maxAttempts?: number;
  /** Busy timeout for the write lock when several processes share the file; 5000 ms unless told otherwise. */
  busyTimeoutMs?: number;
  /**
   * The port tokens this module binds (all four unless told otherwise), so a composition root can put some
   * ports on other adapters (e.g. STORE=dynamodb with the embedded archive). The adapter classes are
   * provided and exported either way.
   */
  ports?: ReadonlyArray<'store' | 'queue' | 'archive' | 'secrets'>;
}

export const EMBEDDED_ADAPTERS_OPTIONS = Symbol('clearway.EmbeddedAdaptersOptions');

/**
 * The embedded default: transaction store, work queue, message archive and core-mode ledger in one SQLite file
 * (`${dataDir}/clearway.db`, one connection per process), secrets as files under `${dataDir}/secrets`.
 * Global: import once in the composition root. Uses the application's CLOCK when one is visible, else
 * the system time. Closes the database on application shutdown (call `app.enableShutdownHooks()`).
 */
@Module({})
export class EmbeddedAdaptersModule implements OnApplicationShutdown {
  constructor(@Inject(EmbeddedDatabase) private readonly database: EmbeddedDatabase) {}

  static forRoot(options: EmbeddedAdaptersOptions): DynamicModule {
    const clockDep = { token: CLOCK, optional: true };
    const ports = new Set(options.ports ?? ['store', 'queue', 'archive', 'secrets']);
    const bindings = [
      ports.has('store') ? { provide: TRANSACTION_REPOSITORY, useExisting: SqliteTransactionRepository } : null,
      ports.has('queue') ? { provide: WORK_QUEUE, useExisting: SqliteWorkQueue } : null,
      ports.has('archive') ? { provide: MESSAGE_ARCHIVE, useExisting: SqliteMessageArchive } : null,
      ports.has('secrets') ? { provide: SECRET_STORE, useExisting: FileSecretStore } : null,
      // The core-mode ledger lives in the store's database (its postings are written with the payment).
      ports.has('store') ? { provide: LEDGER_STORE, useExisting: SqliteLedgerStore } : null,
      // So do the regions' records (issue 15): the registry is the store's.
      ports.has('store') ? { provide: REGION_REGISTRY, useExisting: SqliteRegionRegistry } : null,
    ].filter((b) => b !== null);
    return {
      module: EmbeddedAdaptersModule,
      global: true,
      providers: [
        { provide: EMBEDDED_ADAPTERS_OPTIONS, useValue: options },
        {
          provide: EmbeddedDatabase,
          useFactory: (opts: EmbeddedAdaptersOptions) =>
            new EmbeddedDatabase({
              dataDir: opts.dataDir,
              ...(opts.synchronous ? { synchronous: opts.synchronous } : {}),
              ...(opts.busyTimeoutMs !== undefined ? { busyTimeoutMs: opts.busyTimeoutMs } : {}),
            }),
          inject: [EMBEDDED_ADAPTERS_OPTIONS],
        },
        {
          provide: SqliteTransactionRepository,
          useFactory: (db: EmbeddedDatabase, clock?: Clock) => new SqliteTransactionRepository(db, clock ? { clock } : {}),
          inject: [EmbeddedDatabase, clockDep],
        },
        {
          provide: SqliteWorkQueue,
          useFactory: (opts: EmbeddedAdaptersOptions, db: EmbeddedDatabase, clock?: Clock) =>
            new SqliteWorkQueue(db, {
              ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
              ...(clock ? { clock } : {}),
            }),
          inject: [EMBEDDED_ADAPTERS_OPTIONS, EmbeddedDatabase, clockDep],
        },
        {
          provide: SqliteMessageArchive,
          useFactory: (db: EmbeddedDatabase) => new SqliteMessageArchive(db),
          inject: [EmbeddedDatabase],
        },
        {
          provide: SqliteLedgerStore,
          useFactory: (db: EmbeddedDatabase, clock?: Clock) => new SqliteLedgerStore(db, clock ? { clock } : {}),
          inject: [EmbeddedDatabase, clockDep],
        },
        {
          provide: SqliteRegionRegistry,
          useFactory: (db: EmbeddedDatabase) => new SqliteRegionRegistry(db),
          inject: [EmbeddedDatabase],
        },
        {
          provide: FileSecretStore,
          useFactory: (opts: EmbeddedAdaptersOptions) => new FileSecretStore(opts.dataDir),
          inject: [EMBEDDED_ADAPTERS_OPTIONS],
        },
        ...bindings,
      ],
      exports: [
        EmbeddedDatabase,
        SqliteTransactionRepository,
        SqliteWorkQueue,
        SqliteMessageArchive,
        FileSecretStore,
        SqliteLedgerStore,
        SqliteRegionRegistry,
        ...bindings.map((b) => b.provide),
      ],
    };
  }

  onApplicationShutdown(): void {
    this.database.close();
  }
}
