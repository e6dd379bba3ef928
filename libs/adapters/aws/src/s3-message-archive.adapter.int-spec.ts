// SPDX-License-Identifier: Apache-2.0
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startAwsEngines, type AwsEngines } from '../../../../test/support/aws-engines.js';
import { messageArchiveContract } from '../../../application/src/testing/contracts/message-archive.contract.js';
import { ensureArchiveBucket } from './aws-resources.js';
import { S3MessageArchive } from './s3-message-archive.adapter.js';

describe('S3MessageArchive (fauxqs S3)', () => {
  let engines: AwsEngines;
  let client: S3Client;
  const bucket = 'clearway-archive-test';

  beforeAll(async () => {
    engines = await startAwsEngines({ dynamodb: false, secretsManager: false });
    client = new S3Client({
      region: engines.region,
      credentials: engines.credentials,
      endpoint: engines.fauxqs!.endpoint,
      forcePathStyle: true,
    });
    await ensureArchiveBucket(client, bucket);
    await ensureArchiveBucket(client, bucket); // idempotent
  }, 120_000);
  afterAll(async () => {
    client?.destroy();
    await engines?.stop();
  });

  messageArchiveContract(async () => ({
    archive: new S3MessageArchive(client, { bucket, prefix: 'contract/' }),
    reopen: async () => new S3MessageArchive(client, { bucket, prefix: 'contract/' }),
    close: async () => {},
  }));

  it('lays messages out as <prefix>archive/<transactionId>/<seq>-<direction>-<messageType>-<sha256>.xml', async () => {
    const archive = new S3MessageArchive(client, { bucket, prefix: 'layout/' });
    const at = '2026-11-22T10:00:00.000Z';
    await archive.put({ transactionId: 'tx/1', direction: 'in', messageType: 'pacs.008.001.08', channel: 'api', body: 'test', at });
    await archive.put({ transactionId: 'tx/1', direction: 'out', messageType: 'pacs.002.001.10', channel: 'gateway', body: 'test', at });
    const res = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'layout/' }));
    const sha = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'; // sha256("test")
    expect(res.Contents!.map((o) => o.Key).sort()).toEqual([
      `layout/archive/tx%2F1/000001-in-pacs.008.001.08-${sha}.xml`,
      `layout/archive/tx%2F1/000002-out-pacs.002.001.10-${sha}.xml`,
    ]);
    // the transaction id is encoded: a slash in it cannot reach another transaction's prefix
    await expect(archive.list('tx')).resolves.toEqual([]);
  });

  it('refuses a message type that could not be part of a key', async () => {
    const archive = new S3MessageArchive(client, { bucket });
    await expect(
      archive.put({ transactionId: 't', direction: 'in', messageType: '../x', channel: 'api', body: 'b', at: 'now' }),
    ).rejects.toThrow(/message type/);
  });

  it('fails ping when the bucket does not exist', async () => {
    await expect(new S3MessageArchive(client, { bucket: 'no-such-bucket' }).ping()).rejects.toThrow();
    await expect(new S3MessageArchive(client, { bucket }).ping()).resolves.toBeUndefined();
  });
});
