// SPDX-License-Identifier: Apache-2.0
import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ledgerLimitError, type Clock, type LedgerAccount, type LedgerChangeOrigin, type LedgerStore } from '#application';
import { batchGet, queryUpTo } from './dynamodb-ops.js';
import { GSI_BY_SHARD, gsi, type Item, keyOf, keys, N, num, resolveShards, S, type ShardCounts, shardOf, str } from './dynamodb-table.js';

/**
 * Accounts of the core-mode ledger, one item each (`ACCT#<id>`), in the store's table. Postings are applied
 * by DynamoDbTransactionRepository.update inside the payment's TransactWriteItems (a conditional update per
 * account: exists, same currency, balance stays within 0..MAX_LEDGER_BALANCE). Accounts are listed through the byShard index
 * (`ACCT#<s>`), whose keys never change after opening, so a posting does not write to the index. The item
 * keeps its last opening or adjustment (`lastChange*`: kind, the API client, the request id, the time); a
 * posting leaves those attributes alone.
 */
export class DynamoDbLedgerStore implements LedgerStore {
  private readonly shards: ShardCounts;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: { tableName: string; shards?: Partial<ShardCounts>; clock?: Clock },
  ) {
    this.shards = resolveShards(options.shards);
  }

  async openAccounts(
    accounts: { id: string; currency: string; balance: bigint }[],
    replace: boolean,
    origin?: LedgerChangeOrigin,
  ): Promise<void> {
    const at = (this.options.clock?.now() ?? new Date()).toISOString();
    for (const a of accounts) {
      if (typeof a.balance !== 'bigint') throw new Error(`balance of ${a.id} must be a bigint (minor units)`);
      if (!/^[A-Z]{3}$/.test(a.currency)) throw new Error(`currency of ${a.id} must be an ISO 4217 code`);
      // the same limit as every store (a DynamoDB number could hold more): refused before anything is written
      const tooLarge = ledgerLimitError(a.id, a.balance);
      if (tooLarge) throw tooLarge;
    }
    for (const a of accounts) {
      const existed = replace ? (await this.getAccount(a.id)) !== null : false;
      const item: Item = {
        ...keyOf(keys.account(a.id)),
        kind: S('account'),
        id: S(a.id),
        currency: S(a.currency),
        balance: N(a.balance),
        updatedAt: S(at),
        gsi2pk: S(gsi.account(shardOf(a.id, this.shards.account))),
        gsi2sk: S(a.id),
        lastChangeKind: S(existed ? 'adjustment' : 'opening'),
        lastChangeAt: S(at),
        ...(origin ? { lastChangeBy: S(origin.clientId) } : {}),
        ...(origin?.requestId ? { lastChangeRequestId: S(origin.requestId) } : {}),
      };
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.options.tableName,
            Item: item,
            ...(replace ? {} : { ConditionExpression: 'attribute_not_exists(pk)' }),
          }),
        );
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
    }
  }

  async getAccount(id: string): Promise<LedgerAccount | null> {
    const res = await this.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: keyOf(keys.account(id)), ConsistentRead: true }),
    );
    return res.Item ? accountOf(res.Item) : null;
  }

  /** Every account, by id. */
  async listAccounts(): Promise<LedgerAccount[]> {
    const perShard = await Promise.all(
      Array.from({ length: this.shards.account }, (_, s) =>
        queryUpTo(
          this.client,
          {
            TableName: this.options.tableName,
            IndexName: GSI_BY_SHARD,
            KeyConditionExpression: 'gsi2pk = :pk',
            ExpressionAttributeValues: { ':pk': S(gsi.account(s)) },
          },
          Number.MAX_SAFE_INTEGER,
        ),
      ),
    );
    const items = await batchGet(
      this.client,
      this.options.tableName,
      perShard.flat().map((i) => ({ pk: i.pk!, sk: i.sk! })),
    );
    return items.map(accountOf).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

function accountOf(item: Item): LedgerAccount {
  return {
    id: str(item, 'id')!,
    currency: str(item, 'currency')!,
    balance: BigInt(num(item, 'balance')!),
    updatedAt: str(item, 'updatedAt')!,
    lastChange: str(item, 'lastChangeKind')
      ? {
          kind: str(item, 'lastChangeKind') as 'opening' | 'adjustment',
          by: str(item, 'lastChangeBy') ?? null,
          requestId: str(item, 'lastChangeRequestId') ?? null,
          at: str(item, 'lastChangeAt')!,
        }
      : null,
  };
}
