// SPDX-License-Identifier: Apache-2.0
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type Put,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { isTerminal, type PaymentSnapshot, type PaymentStatus } from '#domain';
import {
  type Clock,
  type CreateResult,
  decidePostings,
  type Job,
  type LedgerBalance,
  type LedgerError,
  type ListAllFilter,
  type ListFilter,
  byCreation,
  matchesReference,
  type Posting,
  postingConditions,
  type FenceToken,
  type RegionFence,
  RegionFencedWriteError,
  type ReferenceLookup,
  referenceLimit,
  type TransactionPage,
  type TransactionRepository,
  type UniquenessKeys,
  type UniquenessLookup,
} from '#application';
import { InvalidCursorError, TransactionIdTakenError } from './aws.errors.js';
import { batchGet, queryUpTo, transactWrite } from './dynamodb-ops.js';
import { outboxItem } from './dynamodb-outbox.js';
import {
  GSI_BY_CLIENT,
  GSI_BY_SHARD,
  gsi,
  type Item,
  keyOf,
  keys as itemKeys,
  N,
  num,
  padMs,
  resolveShards,
  S,
  type ShardCounts,
  shardOf,
  str,
  toMs,
  TTL_ATTRIBUTE,
} from './dynamodb-table.js';

export const MAX_PAGE_SIZE = 1000;

export interface DynamoDbStoreOptions {
  tableName: string;
  /** Shard counts of the table's indexes; keep them for the table's life (DEFAULT_SHARDS when absent). */
  shards?: Partial<ShardCounts>;
  /** Time source for outbox items; the system clock when absent. */
  clock?: Clock;
  /**
   * Days a terminal payment is kept before DynamoDB's TTL deletes it (its uniqueness keys get the same
   * number of days from creation). Absent: kept forever (the default; archives and audits usually want that).
   */
  retentionDays?: number;
  /**
   * Called after a write that committed jobs, with those jobs, so the process can hand them to the work
   * queue at once and delete their outbox items. Jobs it misses stay in the outbox for the relay
   * (DynamoDbOutbox.claim) to pick up.
   */
  onJobsCommitted?: (jobs: Job[]) => void;
  /**
   * Write an outbox item per job in the state change's transaction (default true). Turn it off when the
   * jobs are handed to the queue after the commit and the stranded-work sweeper is the only recovery
   * (cheaper writes: no transaction for a state change without postings).
   */
  outbox?: boolean;
  /** Seconds an outbox item lives when nobody completes it (DynamoDB TTL); 7 days by default. */
  outboxTtlSeconds?: number;
  /**
   * CONSISTENCY=eventual (issue 15): every write on a payment carries the epoch of its home region under which the
   * writing region acts (`regionEpoch`, `regionHolder` on the item), and is conditional on the item not carrying a
   * higher one: once a taker (or the region brought back) wrote a payment, a region acting on an older epoch can
   * no longer change it (RegionFencedWriteError). A region that does not act for the home region at all writes
   * nothing (RegionNotHomeError, from the fence). The outbox is kept per home region.
   */
  fence?: RegionFence;
}

/**
 * The transaction store on DynamoDB, single-table (dynamodb-table.ts, docs/aws.md). Every state change is one
 * conditional write on the payment's version; when it carries jobs or ledger postings it is one
 * TransactWriteItems with them (the payment, its outbox items, the account updates and posting records
 * commit together or not at all).
 */
export class DynamoDbTransactionRepository implements TransactionRepository {
  readonly table: string;
  private readonly shards: ShardCounts;
  private readonly listeners: ((jobs: Job[]) => void)[] = [];

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DynamoDbStoreOptions,
  ) {
    this.table = options.tableName;
    this.shards = resolveShards(options.shards);
    if (options.retentionDays !== undefined && !(options.retentionDays > 0)) {
      throw new Error(`retentionDays must be > 0, got ${options.retentionDays}`);
    }
    if (options.onJobsCommitted) this.listeners.push(options.onJobsCommitted);
  }

  /**
   * Registers a listener told (synchronously, after the commit) of the jobs each write committed, e.g. the
   * SQS work queue sending them at once and completing their outbox items. A listener that throws is
   * ignored: the outbox relay still has the jobs.
   */
  addJobsCommittedListener(listener: (jobs: Job[]) => void): void {
    this.listeners.push(listener);
  }

  async create(payment: PaymentSnapshot, keys: UniquenessKeys, jobs: Job[]): Promise<CreateResult> {
    const stored: PaymentSnapshot = { ...payment, version: 1 };
    const createdMs = toMs(stored.createdAt, 'createdAt');
    const expires: Item = this.options.retentionDays
      ? { [TTL_ATTRIBUTE]: N(Math.floor(createdMs / 1000) + Math.ceil(this.options.retentionDays * 86_400)) }
      : {};
    const notExists = 'attribute_not_exists(pk)';
    const items: TransactWriteItem[] = [{ Put: { TableName: this.table, Item: this.paymentItem(stored), ConditionExpression: notExists } }];
    const keyIndex: { by: 'idempotency-key' | 'uetr' | 'msgid-endtoendid'; index: number }[] = [];
    const keyItem = (k: { pk: string; sk: string }, extra: Item): TransactWriteItem => ({
      Put: {
        TableName: this.table,
        Item: { ...keyOf(k), kind: S('key'), transactionId: S(stored.id), ...extra, ...expires },
        ConditionExpression: notExists,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
    if (keys.idempotency) {
      keyIndex.push({ by: 'idempotency-key', index: items.length });
      items.push(
        keyItem(itemKeys.idempotency(stored.clientId, keys.idempotency.key), {
          requestHash: S(keys.idempotency.requestHash),
        }),
      );
    }
    if (keys.uetr) {
      keyIndex.push({ by: 'uetr', index: items.length });
      items.push(keyItem(itemKeys.uetr(stored.clientId, keys.uetr), {}));
    }
    keyIndex.push({ by: 'msgid-endtoendid', index: items.length });
    items.push(keyItem(itemKeys.msgIdEndToEndId(stored.clientId, keys.msgIdEndToEndId), {}));
    const unique = uniqueJobs(jobs);
    items.push(...this.outboxPuts(unique, stored));
    this.fence(stored, items[0]!.Put!);

    const reasons = await transactWrite(this.client, items);
    if (reasons === null) {
      this.committed(unique);
      return { kind: 'created' };
    }
    // the first taken key, in the order idempotency key, UETR, MsgId+EndToEndId
    for (const { by, index } of keyIndex) {
      const r = reasons[index];
      if (r?.code !== 'ConditionalCheckFailed') continue;
      const old = r.item ?? (await this.getRaw(items[index]!.Put!.Item!));
      const existingId = str(old, 'transactionId');
      if (existingId === undefined) continue; // deleted in between (TTL); the caller may retry
      const sameRequest = by === 'idempotency-key' && str(old, 'requestHash') === keys.idempotency!.requestHash;
      return { kind: 'duplicate', by, existingId, sameRequest };
    }
    if (reasons[0]?.code === 'ConditionalCheckFailed') throw new TransactionIdTakenError(stored.id);
    throw new Error(`create ${stored.id}: transaction cancelled (${reasons.map((r) => r.code).join(', ')})`);
  }

  async get(id: string): Promise<PaymentSnapshot | null> {
    const res = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: keyOf(itemKeys.payment(id)), ConsistentRead: true }),
    );
    return res.Item ? snapshotOf(res.Item) : null;
  }

  /**
   * The id of the transaction holding a uniqueness key: a UETR (any client, case-insensitive) or a client's
   * `MsgId|EndToEndId`. One strongly consistent GetItem on the key's own item.
   */
  async findId(key: UniquenessLookup): Promise<string | null> {
    const k = 'uetr' in key ? itemKeys.uetr(key.clientId, key.uetr) : itemKeys.msgIdEndToEndId(key.clientId, key.msgIdEndToEndId);
    return str(await this.getRaw(keyOf(k)), 'transactionId') ?? null;
  }

  /**
   * Across clients, by a **Scan** of the table (the operator API's rare lookups only; never on a payment's path).
   * The table has no index by UETR, MsgId or EndToEndId across clients: the uniqueness-key items are keyed by
   * client first, and an index of its own would cost every create a write. A Scan reads every item once, so it
   * costs about (table size / 4 KB) / 2 read units (eventually consistent) and takes seconds on a large table;
   * the filter (payment items only, and the MsgId or EndToEndId text in the snapshot) cuts what travels, not
   * what is read. Matches are re-read consistently.
   */
  async findByReference(ref: ReferenceLookup, limit: number): Promise<PaymentSnapshot[]> {
    // `snapshot` is a DynamoDB reserved word: named through a placeholder in both expressions
    const names: Record<string, string> = { '#kind': 'kind', '#snapshot': 'snapshot' };
    const values: Item = { ':payment': S('payment'), ':tx': S('TX') };
    let filter = '#kind = :payment AND sk = :tx';
    if (!('uetr' in ref)) {
      // the snapshot is JSON.stringify'd: the field and its value appear exactly so (a UETR may differ in case)
      const needle = 'msgId' in ref ? JSON.stringify({ msgId: ref.msgId }) : JSON.stringify({ endToEndId: ref.endToEndId });
      filter += ' AND contains(#snapshot, :needle)';
      values[':needle'] = S(needle.slice(1, -1));
    }
    const found: { item: Item; snapshot: PaymentSnapshot }[] = [];
    let start: Item | undefined;
    do {
      const res = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: filter,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ProjectionExpression: 'pk, sk, #snapshot',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) {
        const snapshot = snapshotOf(item);
        if (matchesReference(snapshot, ref)) found.push({ item, snapshot });
      }
      start = res.LastEvaluatedKey;
    } while (start);
    const first = found.sort((a, b) => byCreation(a.snapshot, b.snapshot)).slice(0, referenceLimit(limit));
    const fresh = await this.fetch(first.map((f) => f.item));
    return fresh
      .filter((p) => matchesReference(p, ref))
      .sort(byCreation)
      .slice(0, referenceLimit(limit));
  }

  async update(payment: PaymentSnapshot, expectedVersion: number, jobs: Job[], postings: Posting[] = []): Promise<boolean> {
    const stored: PaymentSnapshot = { ...payment, version: expectedVersion + 1 };
    const put: Put = {
      TableName: this.table,
      Item: this.paymentItem(stored),
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': N(expectedVersion) },
    };
    const token = this.fence(stored, put);
    const unique = uniqueJobs(jobs);
    if ((unique.length === 0 || this.options.outbox === false) && postings.length === 0) {
      // a single conditional put: half the cost of a transaction
      try {
        await this.client.send(new PutItemCommand(put));
        this.committed(unique);
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return this.versionOrFence(stored.id, token);
        throw e;
      }
    }
    // the ledger rule as one condition per account (postingConditions: exists, kept in the legs' currency,
    // holds what its legs need in order), checked by DynamoDB at the write, so concurrent debits cannot race
    const accounts = postingConditions(postings);
    const at = this.nowIso();
    const items: TransactWriteItem[] = [{ Put: put }, ...this.outboxPuts(unique, stored)];
    const firstAccount = items.length;
    for (const account of accounts) {
      const currencies = account.currencies.map((currency, i) => [`:currency${i}`, S(currency)] as const);
      items.push({
        Update: {
          TableName: this.table,
          Key: keyOf(itemKeys.account(account.account)),
          UpdateExpression: 'SET balance = balance + :delta, updatedAt = :at',
          ConditionExpression: [
            'attribute_exists(pk)',
            ...currencies.map(([name]) => `currency = ${name}`),
            'balance >= :required',
            // the balance stays within MAX_LEDGER_BALANCE after every leg (the ledger's limit on every store)
            'balance <= :ceiling',
          ].join(' AND '),
          ExpressionAttributeValues: {
            ':delta': N(account.delta),
            ':at': S(at),
            ':required': N(account.required),
            ':ceiling': N(account.ceiling),
            ...Object.fromEntries(currencies),
          },
        },
      });
    }
    postings.forEach((p, n) => {
      items.push({
        Put: {
          TableName: this.table,
          Item: {
            ...keyOf(itemKeys.posting(stored.id, stored.version, n)),
            kind: S('posting'),
            transactionId: S(stored.id),
            account: S(p.account),
            currency: S(p.currency),
            delta: N(p.delta),
            at: S(at),
          },
        },
      });
    });
    if (items.length > 100) throw new Error(`update ${stored.id}: ${items.length} writes exceed one transaction (100)`);

    for (let attempt = 1; ; attempt++) {
      const reasons = await transactWrite(this.client, items);
      if (reasons === null) {
        this.committed(unique);
        return true;
      }
      if (reasons[0]?.code === 'ConditionalCheckFailed') return this.versionOrFence(stored.id, token);
      const accountRefused = reasons.slice(firstAccount, firstAccount + accounts.length).some((r) => r?.code === 'ConditionalCheckFailed');
      if (!accountRefused) {
        throw new Error(`update ${stored.id}: transaction cancelled (${reasons.map((r) => r.code).join(', ')})`);
      }
      // an account's condition failed: the rule itself names the refusal, on the accounts as they are now
      const refusal = await this.ledgerRefusal(stored.id, expectedVersion, postings);
      if (refusal === 'stale') return false;
      if (refusal) throw refusal;
      // the accounts changed in between (money came in): try the write again
      if (attempt >= 5) throw new Error(`update ${stored.id}: ledger accounts kept changing (${attempt} tries)`);
    }
  }

  /**
   * Why the ledger refused `postings`, decided by decidePostings on the accounts read now (strongly
   * consistent, with the payment): 'stale' when the payment has moved past `expectedVersion` meanwhile (the
   * version check comes first), null when the rule accepts them now.
   */
  private async ledgerRefusal(id: string, expectedVersion: number, postings: Posting[]): Promise<LedgerError | 'stale' | null> {
    const names = [...new Set(postings.map((p) => p.account))];
    const read = await batchGet(this.client, this.table, [
      keyOf(itemKeys.payment(id)),
      ...names.map((name) => keyOf(itemKeys.account(name))),
    ]);
    const payment = read.find((item) => str(item, 'kind') === 'payment');
    if (num(payment, 'version') !== String(expectedVersion)) return 'stale';
    const held = new Map<string, LedgerBalance>();
    for (const item of read) {
      if (str(item, 'kind') !== 'account') continue;
      held.set(str(item, 'id')!, { currency: str(item, 'currency')!, balance: BigInt(num(item, 'balance')!) });
    }
    const decision = decidePostings(postings, held);
    return decision.ok ? null : decision.error;
  }

  /**
   * A client's payments, newest first (by createdAt, then id). `from` is inclusive, `to` exclusive; `limit`
   * is clamped to 1..MAX_PAGE_SIZE. Reads every `CLIENT#<client>#<s>` shard from the cursor position down
   * and merges them; the cursor is opaque (base64url of the last item's position).
   */
  async list(filter: ListFilter): Promise<TransactionPage> {
    const limit = Math.min(Math.max(Math.trunc(filter.limit) || 1, 1), MAX_PAGE_SIZE);
    let hi: string | undefined;
    if (filter.to) hi = padMs(filter.to.getTime());
    let exclude: string | undefined;
    if (filter.cursor) {
      const [ms, id] = decodeCursor(filter.cursor);
      const pos = `${padMs(ms)}#${id}`;
      if (hi === undefined || pos < hi) hi = pos;
      exclude = pos;
    }
    const lo = filter.from ? padMs(filter.from.getTime()) : undefined;
    const values: Item = {};
    let range = '';
    if (lo !== undefined && hi !== undefined) {
      if (lo > hi) return { items: [], nextCursor: null };
      range = ' AND gsi1sk BETWEEN :lo AND :hi';
      values[':lo'] = S(lo);
      values[':hi'] = S(hi);
    } else if (hi !== undefined) {
      range = ' AND gsi1sk <= :hi';
      values[':hi'] = S(hi);
    } else if (lo !== undefined) {
      range = ' AND gsi1sk >= :lo';
      values[':lo'] = S(lo);
    }
    const status = filter.status;
    const perShard = await Promise.all(
      Array.from({ length: this.shards.client }, (_, s) =>
        queryUpTo(
          this.client,
          {
            TableName: this.table,
            IndexName: GSI_BY_CLIENT,
            KeyConditionExpression: `gsi1pk = :pk${range}`,
            ExpressionAttributeValues: { ...values, ':pk': S(gsi.client(filter.clientId, s)) },
            ScanIndexForward: false,
          },
          limit + 1,
          (item) => str(item, 'gsi1sk') !== exclude && (status === undefined || str(item, 'status') === status),
        ),
      ),
    );
    const merged = perShard
      .flat()
      .sort((a, b) => (str(a, 'gsi1sk')! < str(b, 'gsi1sk')! ? 1 : -1))
      .slice(0, limit + 1);
    const page = merged.slice(0, limit);
    const snapshots = await this.fetch(page);
    const last = snapshots.at(-1);
    return {
      items: snapshots,
      nextCursor: merged.length > limit && last ? encodeCursor(toMs(last.createdAt, 'createdAt'), last.id) : null,
    };
  }

  /**
   * Every client's payments, for the operator API: a **paginated Scan** of the table, in the table's order (not by
   * time). The table has no index of payments across clients (byClient is keyed by client first; byShard's `DUE#`
   * holds only non-terminal payments), and one more index would cost every write. The filters (payment items, the
   * status, `from`/`to` on createdAt through `gsi1sk`) cut what travels, not what is read: a whole export reads the
   * whole table once, about (table size / 4 KB) / 2 read units (eventually consistent reads). One page reads from
   * the cursor until it holds `limit` payments, about 5 items per payment wanted per call (a payment's uniqueness
   * keys, outbox items and postings share the table). The cursor is the key of the last payment returned, so the
   * next page resumes right after it; a payment written meanwhile may or may not appear (as with any Scan).
   */
  async listAll(filter: ListAllFilter): Promise<TransactionPage> {
    const limit = Math.min(Math.max(Math.trunc(filter.limit) || 1, 1), MAX_PAGE_SIZE);
    // `kind`, `status` and `snapshot` are DynamoDB reserved words: named through placeholders
    const names: Record<string, string> = { '#kind': 'kind', '#snapshot': 'snapshot' };
    const values: Item = { ':payment': S('payment'), ':tx': S('TX') };
    let expression = '#kind = :payment AND sk = :tx';
    if (filter.status) {
      expression += ' AND #status = :status';
      names['#status'] = 'status';
      values[':status'] = S(filter.status);
    }
    // gsi1sk is `<createdAt ms, 15 digits>#<id>`: `>= <from>` includes `from`, `< <to>` excludes `to`
    if (filter.from) {
      expression += ' AND gsi1sk >= :lo';
      values[':lo'] = S(padMs(filter.from.getTime()));
    }
    if (filter.to) {
      expression += ' AND gsi1sk < :hi';
      values[':hi'] = S(padMs(filter.to.getTime()));
    }
    let start: Item | undefined = filter.cursor ? { pk: S(decodeScanCursor(filter.cursor)), sk: S('TX') } : undefined;
    const found: Item[] = [];
    for (;;) {
      const res = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ProjectionExpression: 'pk, #snapshot',
          ExclusiveStartKey: start,
          Limit: Math.min((limit - found.length) * 5, 5000),
        }),
      );
      const items = res.Items ?? [];
      for (const [i, item] of items.entries()) {
        found.push(item);
        if (found.length === limit) {
          // resume after this payment: the response's own position when it was its last item
          const more = i < items.length - 1 || res.LastEvaluatedKey !== undefined;
          return { items: found.map(snapshotOf), nextCursor: more ? encodeScanCursor(str(item, 'pk')!) : null };
        }
      }
      start = res.LastEvaluatedKey;
      if (!start) return { items: found.map(snapshotOf), nextCursor: null };
    }
  }

  /**
   * Non-terminal payments of the given statuses not updated since `before`, oldest first. Reads the sparse
   * `DUE#<s>` partitions of the byShard index (only non-terminal payments have them) up to `before`, merges
   * the shards and re-reads the payments consistently (the index is eventually consistent).
   */
  async findStale(statuses: readonly PaymentStatus[], before: Date, limit: number): Promise<PaymentSnapshot[]> {
    const wanted = new Set(statuses.filter((s) => !isTerminal(s)));
    const n = Math.trunc(limit);
    if (wanted.size === 0 || n < 1) return [];
    const hi = padMs(before.getTime());
    const perShard = await Promise.all(
      Array.from({ length: this.shards.due }, (_, s) =>
        queryUpTo(
          this.client,
          {
            TableName: this.table,
            IndexName: GSI_BY_SHARD,
            KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :hi',
            ExpressionAttributeValues: { ':pk': S(gsi.due(s)), ':hi': S(hi) },
            ScanIndexForward: true,
          },
          n,
          (item) => wanted.has(str(item, 'status') as PaymentStatus),
        ),
      ),
    );
    const candidates = perShard
      .flat()
      .sort((a, b) => (str(a, 'gsi2sk')! < str(b, 'gsi2sk')! ? -1 : 1))
      .slice(0, n);
    const fresh = await this.fetch(candidates);
    return fresh
      .filter((p) => wanted.has(p.status) && toMs(p.updatedAt, 'updatedAt') < before.getTime())
      .sort((a, b) => toMs(a.updatedAt, 'updatedAt') - toMs(b.updatedAt, 'updatedAt') || (a.id < b.id ? -1 : 1));
  }

  async ping(): Promise<void> {
    const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.table }));
    if (Table?.TableStatus !== 'ACTIVE' && Table?.TableStatus !== 'UPDATING') {
      throw new Error(`table ${this.table} is ${Table?.TableStatus ?? 'missing'}`);
    }
  }

  // ------------------------------------------------------------------------------------------------------

  private paymentItem(p: PaymentSnapshot): Item {
    const createdMs = toMs(p.createdAt, 'createdAt');
    const updatedMs = toMs(p.updatedAt, 'updatedAt');
    const item: Item = {
      ...keyOf(itemKeys.payment(p.id)),
      kind: S('payment'),
      id: S(p.id),
      clientId: S(p.clientId),
      status: S(p.status),
      version: N(p.version),
      createdAt: S(p.createdAt),
      updatedAt: S(p.updatedAt),
      // the whole snapshot as a document: fields added to it later flow through untouched
      snapshot: S(JSON.stringify(p)),
      gsi1pk: S(gsi.client(p.clientId, shardOf(p.id, this.shards.client))),
      gsi1sk: S(`${padMs(createdMs)}#${p.id}`),
    };
    if (!isTerminal(p.status)) {
      item.gsi2pk = S(gsi.due(shardOf(p.id, this.shards.due)));
      item.gsi2sk = S(`${padMs(updatedMs)}#${p.id}`);
    } else if (this.options.retentionDays) {
      item[TTL_ATTRIBUTE] = N(Math.floor(updatedMs / 1000) + Math.ceil(this.options.retentionDays * 86_400));
    }
    return item;
  }

  private outboxPuts(jobs: Job[], payment: PaymentSnapshot): TransactWriteItem[] {
    if (this.options.outbox === false) return [];
    const now = this.nowMs();
    const region = this.options.fence ? this.homeOf(payment) : undefined;
    return jobs.map((job) => ({
      Put: {
        TableName: this.table,
        Item: outboxItem(job, now, this.shards.outbox, this.options.outboxTtlSeconds, region),
      },
    }));
  }

  /** A payment stored before regions were recorded belongs to the region that reads it. */
  private homeOf(payment: PaymentSnapshot): string {
    return payment.homeRegion ?? this.options.fence!.region;
  }

  /**
   * With a fence (CONSISTENCY=eventual): stamps the payment's item with the token of the region acting for its home
   * region, and makes its put conditional on the item carrying no higher epoch. Throws RegionNotHomeError /
   * RegionFencedWriteError before anything is written when this region does not act for the home region.
   */
  private fence(payment: PaymentSnapshot, put: Put): FenceToken | null {
    if (!this.options.fence) return null;
    const token = this.options.fence.tokenFor(this.homeOf(payment));
    put.Item!.regionEpoch = N(token.epoch);
    put.Item!.regionHolder = S(token.holder);
    put.ConditionExpression = `(${put.ConditionExpression}) AND (attribute_not_exists(regionEpoch) OR regionEpoch <= :regionEpoch)`;
    put.ExpressionAttributeValues = { ...put.ExpressionAttributeValues, ':regionEpoch': N(token.epoch) };
    return token;
  }

  /**
   * Why a fenced put's condition failed: the item carries a higher epoch (a taker, or the region brought back,
   * wrote it since: RegionFencedWriteError), or else its version moved (false, as without a fence).
   */
  private async versionOrFence(id: string, token: FenceToken | null): Promise<false> {
    if (!token) return false;
    const item = await this.getRaw(keyOf(itemKeys.payment(id)));
    const epoch = Number(num(item, 'regionEpoch') ?? '0');
    if (epoch > token.epoch) {
      throw new RegionFencedWriteError(
        token,
        `payment ${id} was written at epoch ${epoch} of region ${token.home} (by ${str(item, 'regionHolder') ?? 'an unknown region'}); region ${token.holder} acts on epoch ${token.epoch} and may no longer change it`,
      );
    }
    return false;
  }

  private committed(jobs: Job[]): void {
    if (jobs.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(jobs);
      } catch {
        // the relay picks them up from the outbox
      }
    }
  }

  /** The payments behind index items, read consistently, in the order of `indexItems`. */
  private async fetch(indexItems: Item[]): Promise<PaymentSnapshot[]> {
    if (indexItems.length === 0) return [];
    const got = await batchGet(
      this.client,
      this.table,
      indexItems.map((i) => ({ pk: i.pk!, sk: i.sk! })),
    );
    const byPk = new Map(got.map((item) => [str(item, 'pk'), item]));
    return indexItems.flatMap((i) => {
      const item = byPk.get(str(i, 'pk'));
      return item ? [snapshotOf(item)] : [];
    });
  }

  private async getRaw(key: Item): Promise<Item | undefined> {
    const res = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: key.pk!, sk: key.sk! }, ConsistentRead: true }),
    );
    return res.Item;
  }

  private nowMs(): number {
    return this.options.clock ? this.options.clock.now().getTime() : Date.now();
  }

  private nowIso(): string {
    return new Date(this.nowMs()).toISOString();
  }
}

function snapshotOf(item: Item): PaymentSnapshot {
  const text = str(item, 'snapshot');
  if (text === undefined) throw new Error(`item ${str(item, 'pk')} has no snapshot`);
  return JSON.parse(text) as PaymentSnapshot;
}

/** One write per deduplication id (a transaction may not touch one item twice). */
function uniqueJobs(jobs: Job[]): Job[] {
  const seen = new Map<string, Job>();
  for (const job of jobs) {
    const key = `${job.transactionId}\u0000${job.deduplicationId}`;
    if (!seen.has(key)) seen.set(key, job);
  }
  return [...seen.values()];
}

/** A Scan position: the partition key of the last payment returned (`TX#<id>`), base64url of JSON. */
function encodeScanCursor(pk: string): string {
  return Buffer.from(JSON.stringify({ after: pk }), 'utf8').toString('base64url');
}

function decodeScanCursor(cursor: string): string {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const after = (value as { after?: unknown } | null)?.after;
    if (typeof after === 'string' && after.startsWith('TX#') && after.length > 3 && after.length <= 400) return after;
  } catch {
    // falls through
  }
  throw new InvalidCursorError();
}

function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      (value[0] as number) >= 0 &&
      typeof value[1] === 'string' &&
      value[1].length > 0 &&
      value[1].length <= 200
    ) {
      return [value[0] as number, value[1]];
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}
