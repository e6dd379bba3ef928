// SPDX-License-Identifier: Apache-2.0
import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLOCK,
  LEDGER_STORE,
  type LedgerStore,
  MESSAGE_ARCHIVE,
  type MessageArchive,
  REGION_REGISTRY,
  type RegionRegistry,
  SECRET_STORE,
  type SecretStore,
  TRANSACTION_REPOSITORY,
  type TransactionRepository,
  WORK_QUEUE,
  type WorkQueue,
} from '#application';
import { EmbeddedAdaptersModule } from './embedded-adapters.module.js';
import { EmbeddedDatabase } from './embedded-database.js';
import { SqliteRegionRegistry } from './sqlite-region-registry.adapter.js';
import { SqliteWorkQueue } from './sqlite-work-queue.adapter.js';
import { keysOf, ManualClock, sampleJob, samplePayment, tempDataDir } from './testing/embedded.fixtures.js';

describe('EmbeddedAdaptersModule', () => {
  const tmp = tempDataDir();
  afterAll(() => tmp.cleanup());

  it('binds the six ports to the embedded adapters and closes the database on shutdown', async () => {
    const dataDir = join(tmp.dir, 'data');
    const moduleRef = await Test.createTestingModule({
      imports: [EmbeddedAdaptersModule.forRoot({ dataDir, synchronous: 'NORMAL', maxAttempts: 2 })],
    }).compile();
    // the testing module is an application context: init/close run the lifecycle hooks
    const app = await moduleRef.init();

    const repo = app.get<TransactionRepository>(TRANSACTION_REPOSITORY);
    const queue = app.get<WorkQueue>(WORK_QUEUE);
    const archive = app.get<MessageArchive>(MESSAGE_ARCHIVE);
    const secrets = app.get<SecretStore>(SECRET_STORE);
    const db = app.get(EmbeddedDatabase);
    expect(db.path).toBe(join(dataDir, 'clearway.db'));
    expect(db.synchronous).toBe('NORMAL');
    expect((queue as SqliteWorkQueue).maxAttempts).toBe(2);

    const p = samplePayment();
    await expect(repo.create(p, keysOf(p), [sampleJob({ transactionId: p.id })])).resolves.toEqual({ kind: 'created' });
    await expect(queue.receive(5, 1000)).resolves.toHaveLength(1);
    await expect(
      archive.put({ transactionId: p.id, direction: 'in', messageType: 'pacs.008.001.08', channel: 'api', body: '<x/>', at: p.createdAt }),
    ).resolves.toBe(1);
    await secrets.put('k', 'v');
    expect(statSync(join(dataDir, 'secrets', 'k')).mode & 0o777).toBe(0o600);
    const ledger = app.get<LedgerStore>(LEDGER_STORE);
    await ledger.openAccounts([{ id: 'DE89370400440532013000', currency: 'EUR', balance: 500n }], false);
    await expect(ledger.getAccount('DE89370400440532013000')).resolves.toMatchObject({ balance: 500n, currency: 'EUR' });
    const regions = app.get<RegionRegistry>(REGION_REGISTRY);
    await regions.heartbeat('eu-west-1', new Date('2026-03-01T10:00:00.000Z'), new Date('2026-03-01T10:00:15.000Z'));
    expect(db.get('SELECT epoch FROM regions WHERE id = ?', 'eu-west-1')).toEqual({ epoch: 1 });
    await Promise.all([repo.ping(), queue.ping(), archive.ping()]);

    await app.close();
    expect(db.isOpen).toBe(false);
  });

  it('binds the region registry with the store, not without it', async () => {
    const withoutStore = await Test.createTestingModule({
      imports: [EmbeddedAdaptersModule.forRoot({ dataDir: join(tmp.dir, 'queue-only'), ports: ['queue'] })],
    }).compile();
    const app = await withoutStore.init();
    try {
      expect(() => app.get(REGION_REGISTRY)).toThrow();
      // the class is provided either way, for a composition root that binds the token itself
      expect(app.get(SqliteRegionRegistry)).toBeInstanceOf(SqliteRegionRegistry);
    } finally {
      await app.close();
    }
  });

  it('uses the application clock when a global one is provided', async () => {
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00.000Z'));
    @Global()
    @Module({ providers: [{ provide: CLOCK, useValue: clock }], exports: [CLOCK] })
    class ClockModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [ClockModule, EmbeddedAdaptersModule.forRoot({ dataDir: join(tmp.dir, 'clocked') })],
    }).compile();
    const app = await moduleRef.init();
    try {
      const queue = app.get<WorkQueue>(WORK_QUEUE);
      // due by the system time but not by the application's (future) clock... and the reverse:
      await queue.enqueue([sampleJob({ notBefore: new Date('2029-12-31T23:59:59.000Z') })]);
      await expect(queue.receive(1, 1000)).resolves.toHaveLength(1);
      await queue.enqueue([sampleJob({ notBefore: new Date('2030-01-01T00:00:01.000Z') })]);
      await expect(queue.receive(1, 1000)).resolves.toHaveLength(0);
      clock.advance(1000);
      await expect(queue.receive(1, 1000)).resolves.toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
