// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * The single-table design of the DynamoDB store (docs/aws.md has the picture). Every item has `pk` and `sk`;
 * the partition keys are high-cardinality (one payment, one uniqueness key, one account; the few regions aside), and the two
 * global secondary indexes are write-sharded so no partition key collects a time slice of the traffic.
 *
 * | item            | pk                              | sk                      | GSI byClient (gsi1)             | GSI byShard (gsi2)                                   |
 * |-----------------|---------------------------------|-------------------------|---------------------------------|------------------------------------------------------|
 * | payment         | `TX#<id>`                       | `TX`                    | `CLIENT#<client>#<s>`, `<createdAt ms>#<id>` | `DUE#<s>`, `<updatedAt ms>#<id>` (non-terminal only) |
 * | outbox job      | `TX#<id>`                       | `OUTBOX#<dedupId>`      | —                               | `OUTBOX#<s>`, `<due ms>#<dedupId>`                    |
 * | ledger posting  | `TX#<id>`                       | `POSTING#<version>#<n>` | —                               | —                                                    |
 * | idempotency key | `IDEM#<client>#<key>`           | `KEY`                   | —                               | —                                                    |
 * | UETR            | `UETR#<client>#<uetr lower case>` | `KEY`                 | —                               | —                                                    |
 * | MsgId+E2E       | `E2E#<client>#<msgId>#<e2eId>` (as given) | `KEY`         | —                               | —                                                    |
 * | ledger account  | `ACCT#<account>`                | `ACCT`                  | —                               | `ACCT#<s>`, `<account>`                               |
 * | region status   | `REGIONS`                       | `REGION#<region>`       | —                               | —                                                    |
 * | region lease    | `REGIONS`                       | `LEASE#<region>`        | —                               | —                                                    |
 *
 * `<s>` is a shard number derived from the payment id (or account id) by hash, so one payment always lands in
 * the same shard. The regions (issue 15) share one partition on purpose: a deployment has a handful, and
 * listing them is then one strongly consistent query. Variable parts of keys are percent-encoded
 * (`encodeURIComponent`), so a `#` inside a client id can never make two different keys equal. `expiresAt` (epoch seconds) is the TTL attribute.
 */
export const GSI_BY_CLIENT = 'byClient';
export const GSI_BY_SHARD = 'byShard';
export const TTL_ATTRIBUTE = 'expiresAt';

export const DEFAULT_DUE_SHARDS = 16;
export const DEFAULT_CLIENT_SHARDS = 4;
export const DEFAULT_OUTBOX_SHARDS = 8;
export const DEFAULT_ACCOUNT_SHARDS = 4;

/** Shard counts are part of the table's layout: choose them when the table is created and keep them. */
export interface ShardCounts {
  /** `DUE#0..n-1`: non-terminal payments by last update, for the SLA and recovery sweepers. */
  due: number;
  /** `CLIENT#<client>#0..n-1`: a client's payments by creation time, for listing. */
  client: number;
  /** `OUTBOX#0..n-1`: jobs committed with a state change and not yet handed to the work queue. */
  outbox: number;
  /** `ACCT#0..n-1`: ledger accounts, for listing. */
  account: number;
}

export const DEFAULT_SHARDS: ShardCounts = {
  due: DEFAULT_DUE_SHARDS,
  client: DEFAULT_CLIENT_SHARDS,
  outbox: DEFAULT_OUTBOX_SHARDS,
  account: DEFAULT_ACCOUNT_SHARDS,
};

export function resolveShards(shards?: Partial<ShardCounts>): ShardCounts {
  const out = { ...DEFAULT_SHARDS, ...shards };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isInteger(v) || v < 1 || v > 1000) throw new Error(`shard count ${k} must be 1..1000, got ${v}`);
  }
  return out;
}

const enc = encodeURIComponent;

/** The one partition of the regions' items, and the prefixes of their sort keys (status, heartbeat lease). */
export const REGION_PARTITION = 'REGIONS';
export const REGION_SORT_PREFIX = 'REGION#';
export const REGION_LEASE_SORT_PREFIX = 'LEASE#';

export const keys = {
  payment: (id: string) => ({ pk: `TX#${enc(id)}`, sk: 'TX' }),
  outbox: (transactionId: string, deduplicationId: string) => ({
    pk: `TX#${enc(transactionId)}`,
    sk: `OUTBOX#${enc(deduplicationId)}`,
  }),
  posting: (transactionId: string, version: number, n: number) => ({
    pk: `TX#${enc(transactionId)}`,
    sk: `POSTING#${String(version).padStart(10, '0')}#${String(n).padStart(3, '0')}`,
  }),
  idempotency: (clientId: string, key: string) => ({ pk: `IDEM#${enc(clientId)}#${enc(key)}`, sk: 'KEY' }),
  uetr: (clientId: string, uetr: string) => ({ pk: `UETR#${enc(clientId)}#${enc(uetr.toLowerCase())}`, sk: 'KEY' }),
  msgIdEndToEndId: (clientId: string, msgIdEndToEndId: string) => ({
    pk: `E2E#${enc(clientId)}#${enc(msgIdEndToEndId)}`,
    sk: 'KEY',
  }),
  account: (id: string) => ({ pk: `ACCT#${enc(id)}`, sk: 'ACCT' }),
  region: (id: string) => ({ pk: REGION_PARTITION, sk: `${REGION_SORT_PREFIX}${enc(id)}` }),
  regionLease: (id: string) => ({ pk: REGION_PARTITION, sk: `${REGION_LEASE_SORT_PREFIX}${enc(id)}` }),
};

/** A stable shard in 0..count-1 for an id. */
export function shardOf(id: string, count: number): number {
  if (count <= 1) return 0;
  return createHash('sha256').update(id, 'utf8').digest().readUInt32BE(0) % count;
}

/** Milliseconds as a fixed-width decimal, so that string order is time order (years 1970..5138). */
export function padMs(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`not a timestamp in ms: ${ms}`);
  return String(ms).padStart(15, '0');
}

export function toMs(iso: string, field: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`${field} is not a timestamp: ${iso}`);
  return ms;
}

export const gsi = {
  client: (clientId: string, shard: number) => `CLIENT#${enc(clientId)}#${shard}`,
  due: (shard: number) => `DUE#${shard}`,
  /** An outbox shard; with CONSISTENCY=eventual, one per home region (`OUTBOX@<region>#<s>`): a region relays its own. */
  outbox: (shard: number, region?: string) => (region === undefined ? `OUTBOX#${shard}` : `OUTBOX@${enc(region)}#${shard}`),
  account: (shard: number) => `ACCT#${shard}`,
};

export type Item = Record<string, AttributeValue>;

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number | bigint): AttributeValue => ({ N: value.toString() });

export function str(item: Item | undefined, name: string): string | undefined {
  const v = item?.[name];
  return v && 'S' in v ? v.S : undefined;
}

export function num(item: Item | undefined, name: string): string | undefined {
  const v = item?.[name];
  return v && 'N' in v ? v.N : undefined;
}

/** A key as the SDK wants it. */
export function keyOf(k: { pk: string; sk: string }): Item {
  return { pk: S(k.pk), sk: S(k.sk) };
}
