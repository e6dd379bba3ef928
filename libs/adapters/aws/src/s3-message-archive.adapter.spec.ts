// SPDX-License-Identifier: Apache-2.0
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { S3MessageArchive } from './s3-message-archive.adapter.js';

/**
 * S3's conditional put (If-None-Match: *) cannot be shown on fauxqs, which ignores the header; this fake
 * bucket enforces it the way S3 does (412 for an existing key), and can let a "concurrent writer" take a seq
 * between the archive's listing and its put.
 */
class ConditionalBucket {
  readonly objects = new Map<string, { body: string; meta: Record<string, string> }>();
  beforePut: ((key: string) => void) | null = null;
  puts = 0;

  async send(command: unknown): Promise<unknown> {
    if (command instanceof ListObjectsV2Command) {
      const prefix = command.input.Prefix ?? '';
      return { Contents: [...this.objects.keys()].filter((k) => k.startsWith(prefix)).map((Key) => ({ Key })), IsTruncated: false };
    }
    if (command instanceof PutObjectCommand) {
      this.puts++;
      const key = command.input.Key!;
      this.beforePut?.(key);
      if (command.input.IfNoneMatch === '*' && this.objects.has(key)) {
        throw new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } });
      }
      this.objects.set(key, { body: String(command.input.Body), meta: command.input.Metadata ?? {} });
      return {};
    }
    if (command instanceof GetObjectCommand) {
      const o = this.objects.get(command.input.Key!)!;
      return { Body: { transformToString: async () => o.body }, Metadata: o.meta };
    }
    throw new Error(`unexpected command ${(command as object).constructor.name}`);
  }
}

describe('S3MessageArchive against a bucket that enforces If-None-Match', () => {
  const msg = {
    transactionId: 'tx',
    direction: 'out' as const,
    messageType: 'pacs.002.001.10',
    channel: 'gateway',
    at: '2026-11-22T10:00:00.000Z',
  };

  it('answers the first copy when another instance archived the same message between listing and put', async () => {
    const bucket = new ConditionalBucket();
    const archive = new S3MessageArchive(bucket as unknown as S3Client, { bucket: 'b' });
    await expect(archive.put({ ...msg, body: '<first/>' })).resolves.toBe(1);
    // a redelivered step on another instance archives the same pacs.002 at the same moment and wins
    bucket.beforePut = (key) => {
      bucket.beforePut = null;
      bucket.objects.set(key, { body: '<second/>', meta: { channel: 'gateway', at: '2026-11-22T10:00:01.000Z' } });
    };
    await expect(archive.put({ ...msg, body: '<second/>' })).resolves.toBe(2);
    expect(bucket.puts).toBe(2); // ours was refused with 412 ...
    expect(bucket.objects.size).toBe(2); // ... and nothing was overwritten or stored twice
    await expect(archive.latest('tx', 'out')).resolves.toMatchObject({ seq: 2, body: '<second/>', at: '2026-11-22T10:00:01.000Z' });
  });

  it('passes on errors other than a refused condition', async () => {
    const bucket = new ConditionalBucket();
    const archive = new S3MessageArchive(bucket as unknown as S3Client, { bucket: 'b' });
    bucket.beforePut = () => {
      throw new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    };
    await expect(archive.put({ ...msg, body: '<a/>' })).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
