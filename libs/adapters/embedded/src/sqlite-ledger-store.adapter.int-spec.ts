// SPDX-License-Identifier: Apache-2.0
import { LedgerError, type Posting } from '#application';
import type { PaymentSnapshot } from '#domain';
import { EmbeddedDatabase } from './embedded-database.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.adapter.js';
import { SqliteTransactionRepository } from './sqlite-transaction-repository.adapter.js';
import { SqliteWorkQueue } from './sqlite-work-queue.adapter.js';
import { ledgerStoreContract } from '../../../application/src/testing/contracts/ledger-store.contract.js';
import { keysOf, ManualClock, sampleJob, samplePayment, tempDataDir } from './testing/embedded.fixtures.js';

const A = 'DE89370400440532013000';
const B = 'FR1420041010050500013M02606';
const C = 'GB29NWBK60161331926819';

function transfer(from: string, to: string, minor: bigint, currency = 'EUR'): Posting[] {
  return [
    { account: from, currency, delta: -minor },
    { account: to, currency, delta: minor },
  ];
}

describe('SqliteLedgerStore and ledger postings in SqliteTransactionRepository.update (real SQLite file)', () => {
  const tmp = tempDataDir();
  let db: EmbeddedDatabase;
  let ledger: SqliteLedgerStore;
  let repo: SqliteTransactionRepository;
  let clock: ManualClock;
  let n = 0;

  beforeEach(() => {
    db = new EmbeddedDatabase({ dataDir: `${tmp.dir}/t${++n}` });
    clock = new ManualClock();
    ledger = new SqliteLedgerStore(db, { clock });
    repo = new SqliteTransactionRepository(db, { clock });
  });
  afterEach(() => db.close());
  afterAll(() => tmp.cleanup());

  /** A payment stored at version 1 in ACSP, ready for the settling update. */
  async function storedPayment(overrides: Partial<PaymentSnapshot> = {}): Promise<PaymentSnapshot> {
    const p = samplePayment({ status: 'ACSP', ...overrides });
    await repo.create(p, keysOf(p), []);
    return (await repo.get(p.id))!;
  }

  function settled(p: PaymentSnapshot): PaymentSnapshot {
    return {
      ...p,
      status: 'ACSC',
      updatedAt: '2025-01-15T10:00:01.000Z',
      history: [...p.history, { status: 'ACSC', at: '2025-01-15T10:00:01.000Z' }],
    };
  }

  async function balances(): Promise<Record<string, bigint>> {
    return Object.fromEntries((await ledger.listAccounts()).map((a) => [a.id, a.balance]));
  }

  it('opens accounts, keeps balances as exact bigints beyond 2^53, and lists them by id', async () => {
    const big = 2n ** 62n + 3n; // not representable as a JS number
    await ledger.openAccounts(
      [
        { id: B, currency: 'EUR', balance: big },
        { id: A, currency: 'EUR', balance: 100_000n },
      ],
      false,
    );
    await expect(ledger.getAccount(B)).resolves.toMatchObject({
      id: B,
      currency: 'EUR',
      balance: big,
      updatedAt: '2025-01-15T10:00:00.000Z',
    });
    await expect(ledger.getAccount('nope')).resolves.toBeNull();
    expect((await ledger.listAccounts()).map((a) => a.id)).toEqual([A, B]);
    const raw = db.get<{ t: string }>('SELECT typeof(balance) AS t FROM ledger_accounts WHERE id = ?', B);
    expect(raw?.t).toBe('integer');
  });

  it('seeding (replace=false) leaves existing accounts alone; an admin set (replace=true) changes the balance and journals the difference', async () => {
    await ledger.openAccounts([{ id: A, currency: 'EUR', balance: 1000n }], false);
    await ledger.openAccounts(
      [
        { id: A, currency: 'EUR', balance: 5n },
        { id: C, currency: 'GBP', balance: 7n },
      ],
      false,
    );
    expect(await balances()).toEqual({ [A]: 1000n, [C]: 7n });

    clock.advance(1000);
    await ledger.openAccounts([{ id: A, currency: 'EUR', balance: 250n }], true);
    await expect(ledger.getAccount(A)).resolves.toMatchObject({ balance: 250n, updatedAt: '2025-01-15T10:00:01.000Z' });
    const journal = await ledger.postings(A);
    expect(journal.map((p) => [p.kind, p.delta])).toEqual([
      ['opening', 1000n],
      ['adjustment', -750n],
    ]);

    // the currency of an account never changes, and the refused call changes nothing
    await expect(
      ledger.openAccounts(
        [
          { id: C, currency: 'GBP', balance: 1n },
          { id: A, currency: 'USD', balance: 1n },
        ],
        true,
      ),
    ).rejects.toMatchObject({
      code: 'LEDGER.CURRENCY_MISMATCH',
      account: A,
    });
    expect(await balances()).toEqual({ [A]: 250n, [C]: 7n });
  });

  it('refuses negative or non-bigint opening balances', async () => {
    await expect(ledger.openAccounts([{ id: A, currency: 'EUR', balance: -1n }], false)).rejects.toThrow(RangeError);
    await expect(ledger.openAccounts([{ id: A, currency: 'EUR', balance: 10 as unknown as bigint }], false)).rejects.toThrow(RangeError);
    expect(await ledger.listAccounts()).toEqual([]);
  });

  it('applies the postings in the same write as the status change, journalled with the new payment version', async () => {
    await ledger.openAccounts(
      [
        { id: A, currency: 'EUR', balance: 10_000n },
        { id: B, currency: 'EUR', balance: 0n },
      ],
      false,
    );
    const p = await storedPayment();
    const job = sampleJob({ transactionId: p.id });
    await expect(repo.update(settled(p), p.version, [job], transfer(A, B, 2_550n))).resolves.toBe(true);
    expect(await balances()).toEqual({ [A]: 7_450n, [B]: 2_550n });
    await expect(repo.get(p.id)).resolves.toMatchObject({ status: 'ACSC', version: 2 });
    expect((await new SqliteWorkQueue(db).stats()).ready).toBe(1);
    const legs = (await ledger.postings()).filter((r) => r.kind === 'settlement');
    expect(legs.map((r) => ({ tx: r.transactionId, v: r.paymentVersion, leg: r.leg, account: r.account, delta: r.delta }))).toEqual([
      { tx: p.id, v: 2n, leg: 0n, account: A, delta: -2_550n },
      { tx: p.id, v: 2n, leg: 1n, account: B, delta: 2_550n },
    ]);
    // invariant: every balance is the sum of its journal
    for (const account of [A, B]) {
      const sum = (await ledger.postings(account)).reduce((s, r) => s + r.delta, 0n);
      expect(sum).toBe((await ledger.getAccount(account))!.balance);
    }
  });

  it.each([
    ['LEDGER.INSUFFICIENT_FUNDS', A, () => transfer(A, B, 10_001n)],
    ['LEDGER.UNKNOWN_ACCOUNT', 'XX00UNKNOWN', () => transfer('XX00UNKNOWN', B, 1n)],
    // the debit is applied before the credit is refused: both must be rolled back
    ['LEDGER.UNKNOWN_ACCOUNT', 'XX00UNKNOWN', () => transfer(A, 'XX00UNKNOWN', 1n)],
    ['LEDGER.CURRENCY_MISMATCH', C, () => transfer(A, C, 1n, 'EUR')],
    ['LEDGER.CURRENCY_MISMATCH', A, () => transfer(A, C, 1n, 'GBP')],
  ])('%s (%s): throws a LedgerError and writes nothing — no status change, no job, no posting', async (code, account, postings) => {
    await ledger.openAccounts(
      [
        { id: A, currency: 'EUR', balance: 10_000n },
        { id: B, currency: 'EUR', balance: 0n },
        { id: C, currency: 'GBP', balance: 500n },
      ],
      false,
    );
    const p = await storedPayment();
    const before = await ledger.postings();
    const error = await repo.update(settled(p), p.version, [sampleJob({ transactionId: p.id })], postings()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ code, account });
    expect(await balances()).toEqual({ [A]: 10_000n, [B]: 0n, [C]: 500n });
    await expect(repo.get(p.id)).resolves.toMatchObject({ status: 'ACSP', version: 1 });
    expect((await new SqliteWorkQueue(db).stats()).ready).toBe(0);
    expect(await ledger.postings()).toEqual(before);
  });

  it('a stale writer posts nothing: the version check comes first', async () => {
    await ledger.openAccounts(
      [
        { id: A, currency: 'EUR', balance: 100n },
        { id: B, currency: 'EUR', balance: 0n },
      ],
      false,
    );
    const p = await storedPayment();
    await expect(repo.update(settled(p), p.version, [], transfer(A, B, 60n))).resolves.toBe(true);
    // a redelivered job still holding version 1 — and even one that would now overdraw — gets false, not an error
    await expect(repo.update(settled(p), p.version, [], transfer(A, B, 60n))).resolves.toBe(false);
    expect(await balances()).toEqual({ [A]: 40n, [B]: 60n });
    expect((await ledger.postings()).filter((r) => r.kind === 'settlement')).toHaveLength(2);
  });

  it('a debtor paying itself leaves the balance unchanged and journals both legs', async () => {
    await ledger.openAccounts([{ id: A, currency: 'EUR', balance: 100n }], false);
    const p = await storedPayment();
    await expect(repo.update(settled(p), p.version, [], transfer(A, A, 100n))).resolves.toBe(true);
    expect(await balances()).toEqual({ [A]: 100n });
    const legs = (await ledger.postings(A)).filter((r) => r.kind === 'settlement');
    expect(legs.map((r) => [r.leg, r.delta])).toEqual([
      [0n, -100n],
      [1n, 100n],
    ]);
  });

  it('the journal is append-only and the balance can never be stored below zero, even by hand', async () => {
    await ledger.openAccounts([{ id: A, currency: 'EUR', balance: 100n }], false);
    expect(() => db.run('UPDATE ledger_postings SET delta = 0')).toThrow(/append-only/);
    expect(() => db.run('DELETE FROM ledger_postings')).toThrow(/append-only/);
    const seq = (await ledger.postings())[0]!.seq;
    expect(() =>
      db.run(
        `INSERT OR REPLACE INTO ledger_postings (seq, kind, account_id, currency, delta, at) VALUES (?, 'adjustment', ?, 'EUR', 5, 'x')`,
        seq,
        A,
      ),
    ).toThrow(/append-only/);
    expect(() => db.run('UPDATE ledger_accounts SET balance = -1 WHERE id = ?', A)).toThrow(/CHECK constraint/);
    expect(() => db.run('UPDATE ledger_accounts SET balance = 1.5 WHERE id = ?', A)).toThrow(/cannot store REAL/);
    // a settlement leg without its payment reference is refused by the table itself
    expect(() =>
      db.run(`INSERT INTO ledger_postings (kind, account_id, currency, delta, at) VALUES ('settlement', ?, 'EUR', 1, 'x')`, A),
    ).toThrow(/CHECK constraint/);
    expect((await ledger.postings()).map((r) => r.delta)).toEqual([100n]);
  });

  it('two connections on one file taking turns on one account: each payment settles once, balances stay exact', async () => {
    const other = new EmbeddedDatabase({ dataDir: `${tmp.dir}/t${n}` });
    try {
      const repos = [repo, new SqliteTransactionRepository(other)];
      await ledger.openAccounts(
        [
          { id: A, currency: 'EUR', balance: 1_000n },
          { id: B, currency: 'EUR', balance: 0n },
        ],
        false,
      );
      const payments = await Promise.all(Array.from({ length: 40 }, () => storedPayment()));
      // every payment tried by both connections, 30 each: 40 * 30 = 1200 > 1000
      const outcomes = await Promise.all(
        payments.flatMap((p, i) =>
          [repos[i % 2]!, repos[(i + 1) % 2]!].map((r) =>
            r.update(settled(p), p.version, [], transfer(A, B, 30n)).then(
              (ok) => (ok ? 'settled' : 'stale'),
              (e: unknown) => (e instanceof LedgerError ? e.code : 'error'),
            ),
          ),
        ),
      );
      const count = (what: string) => outcomes.filter((o) => o === what).length;
      expect(count('settled')).toBe(33);
      expect(count('error')).toBe(0);
      expect(await balances()).toEqual({ [A]: 10n, [B]: 990n });
    } finally {
      other.close();
    }
  });
});

describe('SqliteLedgerStore: the LedgerStore contract shared with the DynamoDB ledger', () => {
  const tmp = tempDataDir();
  let files = 0;
  afterAll(() => tmp.cleanup());
  ledgerStoreContract(async () => {
    const db = new EmbeddedDatabase({ dataDir: `${tmp.dir}/contract${++files}` });
    return {
      ledger: new SqliteLedgerStore(db),
      repository: new SqliteTransactionRepository(db),
      close: async () => db.close(),
    };
  });
});
