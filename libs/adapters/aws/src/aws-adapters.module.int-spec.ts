// SPDX-License-Identifier: Apache-2.0
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3Client } from '@aws-sdk/client-s3';
import {
  MESSAGE_ARCHIVE,
  type MessageArchive,
  REGION_REGISTRY,
  type RegionRegistry,
  SECRET_STORE,
  type SecretStore,
  TRANSACTION_REPOSITORY,
  type TransactionRepository,
} from '#application';
import { startAwsEngines, type AwsEngines } from '../../../../test/support/aws-engines.js';
import { keysOf, samplePayment } from '../../../application/src/testing/contracts/contract.fixtures.js';
import { AwsAdaptersModule } from './aws-adapters.module.js';
import { AwsSecretStore } from './aws-secret-store.adapter.js';
import { ensureArchiveBucket, ensureStoreTable } from './aws-resources.js';
import { DynamoDbLedgerStore } from './dynamodb-ledger-store.adapter.js';
import { DynamoDbOutbox } from './dynamodb-outbox.js';
import { DynamoDbRegionRegistry } from './dynamodb-region-registry.adapter.js';
import { DynamoDbTransactionRepository } from './dynamodb-transaction-repository.adapter.js';
import { S3MessageArchive } from './s3-message-archive.adapter.js';

describe('AwsAdaptersModule', () => {
  let engines: AwsEngines;

  beforeAll(async () => {
    engines = await startAwsEngines();
    const config = { region: engines.region, credentials: engines.credentials };
    const ddb = new DynamoDBClient({ ...config, endpoint: engines.dynamodb!.endpoint });
    await ensureStoreTable(ddb, 'module-test');
    ddb.destroy();
    const s3 = new S3Client({ ...config, endpoint: engines.fauxqs!.endpoint, forcePathStyle: true });
    await ensureArchiveBucket(s3, 'module-test');
    s3.destroy();
  }, 120_000);
  afterAll(async () => {
    await engines?.stop();
  });

  it('binds the store (with the region registry), archive and secret ports to the AWS adapters and closes its clients on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AwsAdaptersModule.forRoot({
          region: engines.region,
          credentials: engines.credentials,
          store: { tableName: 'module-test', endpoint: engines.dynamodb!.endpoint },
          archive: { bucket: 'module-test', endpoint: engines.fauxqs!.endpoint, forcePathStyle: true },
          secrets: { prefix: 'module/', endpoint: engines.secretsManager!.endpoint },
        }),
      ],
    }).compile();
    const app = await moduleRef.init();
    const repo = app.get<TransactionRepository>(TRANSACTION_REPOSITORY);
    const archive = app.get<MessageArchive>(MESSAGE_ARCHIVE);
    const secrets = app.get<SecretStore>(SECRET_STORE);
    expect(repo).toBeInstanceOf(DynamoDbTransactionRepository);
    expect(archive).toBeInstanceOf(S3MessageArchive);
    expect(secrets).toBeInstanceOf(AwsSecretStore);
    expect(app.get(DynamoDbLedgerStore)).toBeInstanceOf(DynamoDbLedgerStore);
    expect(app.get(DynamoDbOutbox)).toBeInstanceOf(DynamoDbOutbox);
    const regions = app.get<RegionRegistry>(REGION_REGISTRY);
    expect(regions).toBeInstanceOf(DynamoDbRegionRegistry);
    await expect(
      regions.heartbeat('eu-west-1', new Date('2026-03-01T10:00:00.000Z'), new Date('2026-03-01T10:00:15.000Z')),
    ).resolves.toMatchObject({ id: 'eu-west-1', epoch: 1 });

    const p = samplePayment();
    await expect(repo.create(p, keysOf(p), [])).resolves.toEqual({ kind: 'created' });
    await expect(repo.ping()).resolves.toBeUndefined();
    await expect(archive.ping()).resolves.toBeUndefined();
    await secrets.put('k', 'v');
    await expect(secrets.get('k')).resolves.toBe('v');

    const destroyed: string[] = [];
    for (const c of [app.get(DynamoDBClient), app.get(S3Client), app.get(SecretsManagerClient)]) {
      const destroy = c.destroy.bind(c);
      c.destroy = () => {
        destroyed.push(c.constructor.name);
        destroy();
      };
    }
    await app.close();
    expect(destroyed.sort()).toEqual(['DynamoDBClient', 'S3Client', 'SecretsManagerClient']);
  });

  it('binds only the ports it is given', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AwsAdaptersModule.forRoot({
          region: engines.region,
          credentials: engines.credentials,
          secrets: { endpoint: engines.secretsManager!.endpoint },
        }),
      ],
    }).compile();
    const app = await moduleRef.init();
    expect(app.get(SECRET_STORE)).toBeInstanceOf(AwsSecretStore);
    expect(() => app.get(TRANSACTION_REPOSITORY)).toThrow();
    expect(() => app.get(REGION_REGISTRY)).toThrow();
    expect(() => app.get(MESSAGE_ARCHIVE)).toThrow();
    await app.close();
  });
});
