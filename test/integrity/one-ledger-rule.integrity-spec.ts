// SPDX-License-Identifier: Apache-2.0
/**
 * Issue 9, item 11 — one ledger rule. Core mode applied postings leg by leg on SQLite and netted them per
 * account on DynamoDB, so a payment from an account to itself for more than its balance was refused on one
 * store and settled on the other. Both stores now decide with the application's rule (posting-rule.ts, ADR
 * 0005): legs in order, no balance below zero after any leg. This drives the two real stores (a SQLite file
 * and DynamoDB Local) through the same calls a settlement makes and asks for the same verdict from both.
 */
import { rmSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PaymentSnapshot } from '#domain';
import type { LedgerStore, Posting, TransactionRepository } from '#application';
import { DynamoDbLedgerStore, DynamoDbTransactionRepository, ensureStoreTable } from '#adapters/aws';
import { EmbeddedDatabase, SqliteLedgerStore, SqliteTransactionRepository } from '#adapters/embedded';
import { keysOf, samplePayment } from '../../libs/application/src/testing/contracts/contract.fixtures.js';
import { startAwsEngines, type AwsEngines } from '../support/aws-engines.js';
import { tempDir } from '../support/processes.js';

interface Store {
  ledger: LedgerStore;
  repository: TransactionRepository;
  close(): void;
}

/** What a store made of one settling write: its outcome, and what it kept afterwards. */
interface Verdict {
  /** 'settled', 'stale', or the LedgerError's code */
  outcome: string;
  account?: string;
  status: string | undefined;
  balances: Record<string, string>;
}

const transfer = (from: string, to: string, minor: bigint): Posting[] => [
  { account: from, currency: 'EUR', delta: -minor },
  { account: to, currency: 'EUR', delta: minor },
];

interface Case {
  name: string;
  accounts: Record<string, bigint>;
  postings: Posting[];
  expected: Verdict;
}

const cases: Case[] = [
  {
    name: 'a payment from an account to itself for more than its balance is refused with insufficient funds',
    accounts: { 'ACC-A': 100_00n },
    postings: transfer('ACC-A', 'ACC-A', 150_00n),
    expected: { outcome: 'LEDGER.INSUFFICIENT_FUNDS', account: 'ACC-A', status: 'ACSP', balances: { 'ACC-A': '10000' } },
  },
  {
    name: 'a payment from an account to itself within its balance settles and leaves the balance as it was',
    accounts: { 'ACC-A': 100_00n },
    postings: transfer('ACC-A', 'ACC-A', 100_00n),
    expected: { outcome: 'settled', status: 'ACSC', balances: { 'ACC-A': '10000' } },
  },
  {
    name: 'a normal payment settles and moves the money',
    accounts: { 'ACC-A': 100_00n, 'ACC-B': 0n },
    postings: transfer('ACC-A', 'ACC-B', 60_00n),
    expected: { outcome: 'settled', status: 'ACSC', balances: { 'ACC-A': '4000', 'ACC-B': '6000' } },
  },
  {
    name: 'a normal payment for more than the balance is refused',
    accounts: { 'ACC-A': 100_00n, 'ACC-B': 0n },
    postings: transfer('ACC-A', 'ACC-B', 100_01n),
    expected: { outcome: 'LEDGER.INSUFFICIENT_FUNDS', account: 'ACC-A', status: 'ACSP', balances: { 'ACC-A': '10000', 'ACC-B': '0' } },
  },
  {
    name: 'legs in order: an account may pass on what an earlier leg credited it',
    accounts: { 'ACC-A': 100_00n, 'ACC-B': 0n, 'ACC-C': 0n },
    postings: [...transfer('ACC-A', 'ACC-B', 60_00n), ...transfer('ACC-B', 'ACC-C', 60_00n)],
    expected: { outcome: 'settled', status: 'ACSC', balances: { 'ACC-A': '4000', 'ACC-B': '0', 'ACC-C': '6000' } },
  },
  {
    name: 'legs in order: an account may not pass on what only a later leg credits it',
    accounts: { 'ACC-A': 100_00n, 'ACC-B': 0n, 'ACC-C': 0n },
    postings: [...transfer('ACC-B', 'ACC-C', 60_00n), ...transfer('ACC-A', 'ACC-B', 60_00n)],
    expected: {
      outcome: 'LEDGER.INSUFFICIENT_FUNDS',
      account: 'ACC-B',
      status: 'ACSP',
      balances: { 'ACC-A': '10000', 'ACC-B': '0', 'ACC-C': '0' },
    },
  },
];

/** Opens the accounts, stores a payment in ACSP and tries the settling write with the postings. */
async function verdictOf(store: Store, c: Case): Promise<Verdict> {
  await store.ledger.openAccounts(
    Object.entries(c.accounts).map(([id, balance]) => ({ id, currency: 'EUR', balance })),
    false,
  );
  const p = samplePayment({ status: 'ACSP' });
  await store.repository.create(p, keysOf(p), []);
  const stored: PaymentSnapshot = { ...p, version: 1 };
  const settled: PaymentSnapshot = { ...stored, status: 'ACSC', updatedAt: '2025-01-15T10:00:09.000Z' };
  const outcome = await store.repository
    .update(
      settled,
      stored.version,
      [],
      c.postings.map((l) => ({ ...l })),
    )
    .then(
      (ok) => ({ outcome: ok ? 'settled' : 'stale' }),
      (e: { name?: string; code?: string; account?: string }) => {
        if (e?.name !== 'LedgerError') throw e;
        return { outcome: e.code!, account: e.account };
      },
    );
  const balances: Record<string, string> = {};
  for (const id of Object.keys(c.accounts)) balances[id] = String((await store.ledger.getAccount(id))?.balance);
  return { ...outcome, status: (await store.repository.get(p.id))?.status, balances };
}

describe('issue 9 item 11: one ledger rule — SQLite and DynamoDB settle or refuse the same postings alike', () => {
  let engines: AwsEngines;
  let client: DynamoDBClient;
  let tables = 0;
  const dataDir = tempDir('one-ledger-rule');

  beforeAll(async () => {
    engines = await startAwsEngines({ fauxqs: false, secretsManager: false });
    client = new DynamoDBClient({ region: engines.region, credentials: engines.credentials, endpoint: engines.dynamodb!.endpoint });
  }, 120_000);
  afterAll(async () => {
    client?.destroy();
    await engines?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const openSqlite = (): Store => {
    const db = new EmbeddedDatabase({ dataDir: `${dataDir}/db${++tables}` });
    return { ledger: new SqliteLedgerStore(db), repository: new SqliteTransactionRepository(db), close: () => db.close() };
  };
  const openDynamo = async (): Promise<Store> => {
    const tableName = `one-ledger-rule-${++tables}`;
    await ensureStoreTable(client, tableName);
    return {
      ledger: new DynamoDbLedgerStore(client, { tableName }),
      repository: new DynamoDbTransactionRepository(client, { tableName }),
      close: () => {},
    };
  };

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const sqlite = openSqlite();
    const dynamo = await openDynamo();
    try {
      const verdicts = { sqlite: await verdictOf(sqlite, c), dynamodb: await verdictOf(dynamo, c) };
      expect(verdicts).toEqual({ sqlite: c.expected, dynamodb: c.expected });
    } finally {
      sqlite.close();
      dynamo.close();
    }
  });
});
