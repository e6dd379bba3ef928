// SPDX-License-Identifier: Apache-2.0
import { ledgerStoreContract } from '../../../application/src/testing/contracts/ledger-store.contract.js';
import { keysOf, samplePayment } from '../../../application/src/testing/contracts/contract.fixtures.js';
import { PostgresLedgerStore } from './postgres-ledger-store.adapter.js';
import { PostgresTransactionRepository } from './postgres-transaction-repository.adapter.js';
import { testSchemas } from './testing/postgres.fixtures.js';

describe('PostgresLedgerStore and postings in PostgresTransactionRepository.update (real PostgreSQL server)', () => {
  const schemas = testSchemas(process.env.DATABASE_URL);
  afterAll(() => schemas.cleanup());

  ledgerStoreContract(async () => {
    const db = await schemas.fresh();
    return { ledger: new PostgresLedgerStore(db), repository: new PostgresTransactionRepository(db), close: async () => {} };
  });

  it('never overdraws an account when many settlements from separate pools race for its last funds', async () => {
    const db = await schemas.fresh();
    const ledger = new PostgresLedgerStore(db);
    await ledger.openAccounts(
      [
        { id: 'PAYER', currency: 'EUR', balance: 10_00n },
        { id: 'PAYEE', currency: 'EUR', balance: 0n },
      ],
      false,
    );
    const repos = [new PostgresTransactionRepository(db), new PostgresTransactionRepository(schemas.open(db.options.schema!))];
    const payments = Array.from({ length: 30 }, () => samplePayment({ status: 'ACSP' }));
    for (const p of payments) await repos[0]!.create(p, keysOf(p), []);
    const results = await Promise.allSettled(
      payments.map((p, i) =>
        repos[i % 2]!.update(
          { ...p, version: 1, status: 'ACSC' },
          1,
          [],
          [
            { account: 'PAYER', currency: 'EUR', delta: -1_00n },
            { account: 'PAYEE', currency: 'EUR', delta: 1_00n },
          ],
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(
      Array.from({ length: 20 }, () => 'LEDGER.INSUFFICIENT_FUNDS'),
    );
    await expect(ledger.getAccount('PAYER')).resolves.toMatchObject({ balance: 0n });
    await expect(ledger.getAccount('PAYEE')).resolves.toMatchObject({ balance: 10_00n });
    const { rows } = await db.pool.query<{ account_id: string; sum: string }>(
      'SELECT account_id, sum(delta)::text AS sum FROM ledger_postings GROUP BY account_id ORDER BY account_id',
    );
    expect(rows).toEqual([
      { account_id: 'PAYEE', sum: '1000' },
      { account_id: 'PAYER', sum: '0' },
    ]);
  }, 60_000);
});
