// SPDX-License-Identifier: Apache-2.0
/**
 * The DynamoDB ledger's refusal path (DynamoDB Local): the account conditions come from the ledger rule
 * (postingConditions), and when one fails the repository reads the payment and the accounts back and lets
 * decidePostings name the refusal. What happens when the world moved between the cancelled transaction and
 * that read is staged here by running a write right after the cancellation. The shared cases (self-transfer,
 * multi-leg order, concurrency) are in the ledger contract, run by dynamodb-transaction-repository.adapter.int-spec.ts.
 */
import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { PaymentSnapshot } from '#domain';
import type { Posting } from '#application';
import { startAwsEngines, type AwsEngines } from '../../../../test/support/aws-engines.js';
import { keysOf, samplePayment } from '../../../application/src/testing/contracts/contract.fixtures.js';
import { ensureStoreTable } from './aws-resources.js';
import { DynamoDbLedgerStore } from './dynamodb-ledger-store.adapter.js';
import { DynamoDbTransactionRepository } from './dynamodb-transaction-repository.adapter.js';

describe('DynamoDB ledger: a refused account condition is named by the ledger rule (DynamoDB Local)', () => {
  let engines: AwsEngines;
  let client: DynamoDBClient;
  let n = 0;

  beforeAll(async () => {
    engines = await startAwsEngines({ fauxqs: false, secretsManager: false });
    client = new DynamoDBClient({ region: engines.region, credentials: engines.credentials, endpoint: engines.dynamodb!.endpoint });
  }, 120_000);
  afterAll(async () => {
    client?.destroy();
    await engines?.stop();
  });

  /**
   * A repository whose client runs `meanwhile` once, right after the first cancelled TransactWriteItems
   * (before the repository reads back), and counts the transactions it sent.
   */
  interface Staged {
    ledger: DynamoDbLedgerStore;
    /** A repository on a plain client, for the other writer. */
    plain: DynamoDbTransactionRepository;
    stored: PaymentSnapshot;
  }

  async function setUp(meanwhile: (t: Staged) => Promise<void>) {
    const tableName = `ledger-refusal-${++n}`;
    await ensureStoreTable(client, tableName);
    let pending = true;
    let transactions = 0;
    const staged = {
      async send(command: unknown) {
        if (!(command instanceof TransactWriteItemsCommand)) return client.send(command as never);
        transactions++;
        try {
          return await client.send(command);
        } catch (e) {
          if (pending) {
            pending = false;
            await meanwhile({ ledger, plain, stored });
          }
          throw e;
        }
      },
    } as unknown as DynamoDBClient;
    const ledger = new DynamoDbLedgerStore(client, { tableName });
    const plain = new DynamoDbTransactionRepository(client, { tableName });
    const repository = new DynamoDbTransactionRepository(staged, { tableName });
    await ledger.openAccounts(
      [
        { id: 'DEBTOR', currency: 'EUR', balance: 50_00n },
        { id: 'CREDITOR', currency: 'EUR', balance: 0n },
      ],
      false,
    );
    const p = samplePayment({ status: 'ACSP' });
    await plain.create(p, keysOf(p), []);
    const stored: PaymentSnapshot = { ...p, version: 1 };
    return { ledger, plain, repository, stored, transactions: () => transactions };
  }

  const settled = (p: PaymentSnapshot): PaymentSnapshot => ({ ...p, status: 'ACSC', updatedAt: '2025-01-15T10:00:09.000Z' });
  const transfer = (minor: bigint): Posting[] => [
    { account: 'DEBTOR', currency: 'EUR', delta: -minor },
    { account: 'CREDITOR', currency: 'EUR', delta: minor },
  ];

  it('money that came in meanwhile: the rule now accepts, so the write is tried again and settles', async () => {
    const t = await setUp(async ({ ledger }) => {
      await ledger.openAccounts([{ id: 'DEBTOR', currency: 'EUR', balance: 100_00n }], true);
    });
    await expect(t.repository.update(settled(t.stored), 1, [], transfer(80_00n))).resolves.toBe(true);
    expect(t.transactions()).toBe(2);
    await expect(t.ledger.getAccount('DEBTOR')).resolves.toMatchObject({ balance: 20_00n });
    await expect(t.ledger.getAccount('CREDITOR')).resolves.toMatchObject({ balance: 80_00n });
    await expect(t.plain.get(t.stored.id)).resolves.toMatchObject({ status: 'ACSC', version: 2 });
  });

  it('a payment that moved on meanwhile answers false, not a LedgerError: the version check comes first', async () => {
    const t = await setUp(async ({ plain, stored }) => {
      await expect(plain.update({ ...stored, status: 'RJCT' }, 1, [])).resolves.toBe(true);
    });
    await expect(t.repository.update(settled(t.stored), 1, [], transfer(80_00n))).resolves.toBe(false);
    expect(t.transactions()).toBe(1);
    await expect(t.ledger.getAccount('DEBTOR')).resolves.toMatchObject({ balance: 50_00n });
    await expect(t.plain.get(t.stored.id)).resolves.toMatchObject({ status: 'RJCT', version: 2 });
  });

  it('still short after reading back: the LedgerError decidePostings names, and nothing written', async () => {
    const t = await setUp(async () => {});
    await expect(t.repository.update(settled(t.stored), 1, [], transfer(80_00n))).rejects.toMatchObject({
      name: 'LedgerError',
      code: 'LEDGER.INSUFFICIENT_FUNDS',
      account: 'DEBTOR',
      message: 'ledger account DEBTOR has insufficient funds',
    });
    expect(t.transactions()).toBe(1);
    await expect(t.ledger.getAccount('DEBTOR')).resolves.toMatchObject({ balance: 50_00n });
    await expect(t.plain.get(t.stored.id)).resolves.toMatchObject({ status: 'ACSP', version: 1 });
  });
});
