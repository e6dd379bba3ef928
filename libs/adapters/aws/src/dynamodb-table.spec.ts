// SPDX-License-Identifier: Apache-2.0
import { keys, padMs, resolveShards, shardOf } from './dynamodb-table.js';

describe('DynamoDB table layout helpers', () => {
  it('gives an id always the same shard, and spreads many ids over all shards', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[shardOf(`payment-${i}`, 16)]!++;
    expect(shardOf('payment-1', 16)).toBe(shardOf('payment-1', 16));
    // each shard within 15 % of the mean: no shard becomes the hot one
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect(shardOf('anything', 1)).toBe(0);
  });

  it('pads milliseconds so that string order is time order', () => {
    const times = [0, 9, 10, 1_700_000_000_000, 1_800_000_000_000, 99_999_999_999_999];
    const padded = times.map(padMs);
    expect([...padded].sort()).toEqual(padded);
    expect(padded.every((p) => p.length === 15)).toBe(true);
    expect(() => padMs(-1)).toThrow();
    expect(() => padMs(1.5)).toThrow();
  });

  it('percent-encodes the variable parts of keys, so separators inside values cannot collide', () => {
    expect(keys.idempotency('a#b', 'c').pk).not.toBe(keys.idempotency('a', 'b#c').pk);
    expect(keys.msgIdEndToEndId('bank#1', 'x|y').pk).toBe('E2E#bank%231#x%7Cy');
    expect(keys.uetr('bank#1', 'ABCDEF00-0000-4000-8000-000000000000').pk).toBe('UETR#bank%231#abcdef00-0000-4000-8000-000000000000');
  });

  it('refuses shard counts that are not 1..1000', () => {
    expect(resolveShards({ due: 32 })).toMatchObject({ due: 32, client: 4, outbox: 8, account: 4 });
    expect(() => resolveShards({ due: 0 })).toThrow(/due/);
    expect(() => resolveShards({ client: 2.5 })).toThrow(/client/);
  });
});
