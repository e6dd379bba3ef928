// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { ArchiveDirection, ArchivedMessage, MessageArchive, StoredMessage } from '#application';

/**
 * Key layout (docs/aws.md):
 *
 *   <prefix>archive/<transactionId>/<seq:6>-<direction>-<messageType>-<sha256 of the body>.xml
 *
 * e.g. `archive/4b58…/000002-out-pacs.002.001.10-9f86d0….xml`, with the body as the object
 * (`application/xml; charset=utf-8`) and `x-amz-meta-channel`, `x-amz-meta-at` as metadata. Everything the
 * archive needs to answer `put` idempotently and `latest` is in the key names of one prefix listing; only
 * bodies are fetched. The transaction id is percent-encoded.
 */
const KEY = /\/(\d{6})-(in|out)-(.+)-([0-9a-f]{64})\.xml$/;

interface KeyInfo {
  key: string;
  seq: number;
  direction: ArchiveDirection;
  messageType: string;
  sha256: string;
}

export interface S3MessageArchiveOptions {
  bucket: string;
  /** Prepended to every key (e.g. `clearway/`); empty by default. */
  prefix?: string;
}

/**
 * Every raw inbound and outbound message in S3, by transaction, never overwritten: each put is a
 * conditional `PutObject` with `If-None-Match: *` (S3 refuses to replace an existing key), and the content
 * hash in the key makes a repeated put of the same message find the first copy instead of writing again.
 * Emulators that ignore `If-None-Match` (fauxqs) are still safe for repeated puts (check-then-put on the
 * listing); two *different* messages for one transaction put at the same instant could then share a seq —
 * the pipeline never does that (one job per payment at a time). Bucket versioning or Object Lock
 * (compliance mode) protect against deletes by hand; see docs/aws.md.
 */
export class S3MessageArchive implements MessageArchive {
  private readonly prefix: string;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3MessageArchiveOptions,
  ) {
    this.prefix = options.prefix ?? '';
  }

  async put(message: ArchivedMessage): Promise<number> {
    if (message.direction !== 'in' && message.direction !== 'out') {
      throw new Error(`archive direction must be 'in' or 'out', got ${String(message.direction)}`);
    }
    if (!/^[A-Za-z0-9.]{1,80}$/.test(message.messageType)) {
      throw new Error(`archive message type must be an ISO 20022 message id, got ${message.messageType.slice(0, 80)}`);
    }
    const sha256 = createHash('sha256').update(message.body, 'utf8').digest('hex');
    for (let attempt = 0; attempt < 8; attempt++) {
      const existing = await this.keys(message.transactionId);
      const same = existing.find((k) => k.direction === message.direction && k.messageType === message.messageType && k.sha256 === sha256);
      if (same) return same.seq;
      const seq = existing.reduce((max, k) => Math.max(max, k.seq), 0) + 1;
      const key = `${this.txPrefix(message.transactionId)}${String(seq).padStart(6, '0')}-${message.direction}-${message.messageType}-${sha256}.xml`;
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: message.body,
            ContentType: 'application/xml; charset=utf-8',
            IfNoneMatch: '*',
            Metadata: { channel: message.channel, at: message.at },
          }),
        );
        return seq;
      } catch (e) {
        // 412: the key exists (S3 never overwrites with If-None-Match); 409: a concurrent conditional put
        const status = e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;
        if (status !== 412 && status !== 409) throw e;
      }
    }
    throw new Error(`archive ${message.transactionId}: could not find a free seq after 8 tries`);
  }

  async list(transactionId: string): Promise<StoredMessage[]> {
    const keys = this.ordered(await this.keys(transactionId));
    return Promise.all(keys.map((k) => this.read(transactionId, k)));
  }

  async latest(transactionId: string, direction: ArchiveDirection, typePrefix?: string): Promise<StoredMessage | null> {
    const keys = this.ordered(await this.keys(transactionId)).filter(
      (k) => k.direction === direction && (typePrefix === undefined || k.messageType.startsWith(typePrefix)),
    );
    const last = keys.at(-1);
    return last ? this.read(transactionId, last) : null;
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
  }

  /** The key prefix of one transaction's messages. */
  txPrefix(transactionId: string): string {
    if (typeof transactionId !== 'string' || transactionId === '') throw new Error('transactionId is required');
    return `${this.prefix}archive/${encodeURIComponent(transactionId)}/`;
  }

  private ordered(keys: KeyInfo[]): KeyInfo[] {
    return [...keys].sort((a, b) => a.seq - b.seq || (a.key < b.key ? -1 : 1));
  }

  private async keys(transactionId: string): Promise<KeyInfo[]> {
    const prefix = this.txPrefix(transactionId);
    const out: KeyInfo[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of res.Contents ?? []) {
        const m = o.Key ? KEY.exec(o.Key.slice(prefix.length - 1)) : null;
        if (!m || !o.Key) continue;
        out.push({
          key: o.Key,
          seq: Number(m[1]),
          direction: m[2] as ArchiveDirection,
          messageType: m[3]!,
          sha256: m[4]!,
        });
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  private async read(transactionId: string, k: KeyInfo): Promise<StoredMessage> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: k.key }));
    const body = await res.Body!.transformToString('utf-8');
    return {
      transactionId,
      seq: k.seq,
      direction: k.direction,
      messageType: k.messageType,
      channel: res.Metadata?.channel ?? '',
      body,
      at: res.Metadata?.at ?? '',
    };
  }
}
