// SPDX-License-Identifier: Apache-2.0
import type { PaymentSnapshot } from '#domain';
import type { LedgerStore, Posting } from '../../ports/ledger.port.js';
import type { TransactionRepository } from '../../ports/transaction-repository.port.js';
import { keysOf, samplePayment } from './contract.fixtures.js';
import { contractTest, SETUP_TIMEOUT_MS } from './contract.fixtures.js';

export interface LedgerStoreHarness {
  ledger: LedgerStore;
  /** The repository whose `update` applies postings, over the same storage. */
  repository: TransactionRepository;
  close(): Promise<void>;
}

/** The core-mode ledger's contract: LedgerStore, and postings applied by TransactionRepository.update. */
export function ledgerStoreContract(open: () => Promise<LedgerStoreHarness>): void {
  describe('LedgerStore contract (with postings through TransactionRepository.update)', () => {
    const it = contractTest;
    let h: LedgerStoreHarness;

    beforeEach(async () => {
      h = await open();
    }, SETUP_TIMEOUT_MS);
    afterEach(async () => {
      await h?.close();
    });

    const created = async (): Promise<PaymentSnapshot> => {
      const p = samplePayment({ status: 'ACSP' });
      await h.repository.create(p, keysOf(p), []);
      return { ...p, version: 1 };
    };
    const settle = (p: PaymentSnapshot, postings: Posting[]) =>
      h.repository.update({ ...p, status: 'ACSC', updatedAt: '2025-01-15T10:00:09.000Z' }, p.version, [], postings);
    const balance = async (id: string) => (await h.ledger.getAccount(id))?.balance;

    it('opens accounts, leaves existing ones alone unless told to replace, and lists them by id', async () => {
      await h.ledger.openAccounts(
        [
          { id: 'DE89370400440532013000', currency: 'EUR', balance: 100_00n },
          { id: 'ACC-JPY', currency: 'JPY', balance: 5000n },
        ],
        false,
      );
      await h.ledger.openAccounts([{ id: 'DE89370400440532013000', currency: 'EUR', balance: 1n }], false);
      await expect(balance('DE89370400440532013000')).resolves.toBe(100_00n);
      await h.ledger.openAccounts([{ id: 'DE89370400440532013000', currency: 'EUR', balance: 7n }], true);
      await expect(h.ledger.getAccount('DE89370400440532013000')).resolves.toMatchObject({
        id: 'DE89370400440532013000',
        currency: 'EUR',
        balance: 7n,
      });
      await expect(h.ledger.getAccount('nope')).resolves.toBeNull();
      const all = await h.ledger.listAccounts();
      expect(all.map((a) => [a.id, a.currency, a.balance])).toEqual([
        ['ACC-JPY', 'JPY', 5000n],
        ['DE89370400440532013000', 'EUR', 7n],
      ]);
      expect(typeof all[0]!.updatedAt).toBe('string');
    });

    it('records who opened an account and who set its balance (API client, request id) with the account', async () => {
      await h.ledger.openAccounts([{ id: 'ACC-SEEDED', currency: 'EUR', balance: 5n }], false);
      await expect(h.ledger.getAccount('ACC-SEEDED')).resolves.toMatchObject({
        lastChange: { kind: 'opening', by: null, requestId: null },
      });
      await h.ledger.openAccounts([{ id: 'ACC-SET', currency: 'EUR', balance: 100n }], true, { clientId: 'ops-a', requestId: 'req-1' });
      await h.ledger.openAccounts([{ id: 'ACC-SET', currency: 'EUR', balance: 250n }], true, { clientId: 'ops-b', requestId: 'req-2' });
      const account = await h.ledger.getAccount('ACC-SET');
      expect(account).toMatchObject({ balance: 250n, lastChange: { kind: 'adjustment', by: 'ops-b', requestId: 'req-2' } });
      expect(typeof account!.lastChange!.at).toBe('string');
      const listed = (await h.ledger.listAccounts()).find((a) => a.id === 'ACC-SET');
      expect(listed?.lastChange).toEqual(account!.lastChange);
    });

    it('keeps balances exact beyond 2^53 minor units (never floats)', async () => {
      // beyond a double's exact range, within a 64-bit integer's
      const big = 2n ** 62n + 1n;
      await h.ledger.openAccounts(
        [
          { id: 'BIG', currency: 'EUR', balance: big },
          { id: 'TO', currency: 'EUR', balance: 0n },
        ],
        false,
      );
      const p = await created();
      await expect(
        settle(p, [
          { account: 'BIG', currency: 'EUR', delta: -1n },
          { account: 'TO', currency: 'EUR', delta: 1n },
        ]),
      ).resolves.toBe(true);
      await expect(balance('BIG')).resolves.toBe(big - 1n);
    });

    it('applies the postings of a settlement together with the status change', async () => {
      await h.ledger.openAccounts(
        [
          { id: 'DEBTOR', currency: 'EUR', balance: 100_00n },
          { id: 'CREDITOR', currency: 'EUR', balance: 0n },
        ],
        false,
      );
      const p = await created();
      await expect(
        settle(p, [
          { account: 'DEBTOR', currency: 'EUR', delta: -60_00n },
          { account: 'CREDITOR', currency: 'EUR', delta: 60_00n },
        ]),
      ).resolves.toBe(true);
      await expect(h.repository.get(p.id)).resolves.toMatchObject({ status: 'ACSC', version: 2 });
      await expect(balance('DEBTOR')).resolves.toBe(40_00n);
      await expect(balance('CREDITOR')).resolves.toBe(60_00n);
      // a stale version writes neither the payment nor the postings
      await expect(
        settle(p, [
          { account: 'DEBTOR', currency: 'EUR', delta: -1_00n },
          { account: 'CREDITOR', currency: 'EUR', delta: 1_00n },
        ]),
      ).resolves.toBe(false);
      await expect(balance('DEBTOR')).resolves.toBe(40_00n);
    });

    const refusals: [string, string, Posting[]][] = [
      [
        'LEDGER.INSUFFICIENT_FUNDS',
        'DEBTOR',
        [
          { account: 'DEBTOR', currency: 'EUR', delta: -100_01n },
          { account: 'CREDITOR', currency: 'EUR', delta: 100_01n },
        ],
      ],
      [
        'LEDGER.UNKNOWN_ACCOUNT',
        'GHOST',
        [
          { account: 'DEBTOR', currency: 'EUR', delta: -1n },
          { account: 'GHOST', currency: 'EUR', delta: 1n },
        ],
      ],
      [
        'LEDGER.CURRENCY_MISMATCH',
        'CREDITOR',
        [
          { account: 'DEBTOR', currency: 'EUR', delta: -1n },
          { account: 'CREDITOR', currency: 'USD', delta: 1n },
        ],
      ],
    ];
    for (const [code, account, postings] of refusals) {
      it(`refuses a posting with ${code} naming ${account}, and writes nothing`, async () => {
        await h.ledger.openAccounts(
          [
            { id: 'DEBTOR', currency: 'EUR', balance: 100_00n },
            { id: 'CREDITOR', currency: 'EUR', balance: 0n },
          ],
          false,
        );
        const p = await created();
        await expect(
          settle(
            p,
            postings.map((x) => ({ ...x })),
          ),
        ).rejects.toMatchObject({ name: 'LedgerError', code, account });
        await expect(h.repository.get(p.id)).resolves.toMatchObject({ status: 'ACSP', version: 1 });
        await expect(balance('DEBTOR')).resolves.toBe(100_00n);
        await expect(balance('CREDITOR')).resolves.toBe(0n);
      });
    }

    // One ledger rule (posting-rule.ts, ADR 0005): legs in order, no balance below zero after any leg.
    const openThree = () =>
      h.ledger.openAccounts(
        [
          { id: 'DEBTOR', currency: 'EUR', balance: 100_00n },
          { id: 'MIDDLE', currency: 'EUR', balance: 0n },
          { id: 'CREDITOR', currency: 'EUR', balance: 0n },
        ],
        false,
      );
    const balances = async () => ({
      DEBTOR: await balance('DEBTOR'),
      MIDDLE: await balance('MIDDLE'),
      CREDITOR: await balance('CREDITOR'),
    });
    const refusedWithNothingWritten = async (p: PaymentSnapshot, postings: Posting[], code: string, account: string) => {
      const before = await balances();
      await expect(settle(p, postings)).rejects.toMatchObject({ name: 'LedgerError', code, account });
      await expect(h.repository.get(p.id)).resolves.toMatchObject({ status: 'ACSP', version: 1 });
      await expect(balances()).resolves.toEqual(before);
    };
    const leg = (account: string, delta: bigint, currency = 'EUR'): Posting => ({ account, currency, delta });

    it('refuses a payment from an account to itself for more than its balance (the debit comes before the credit)', async () => {
      await openThree();
      const p = await created();
      await refusedWithNothingWritten(p, [leg('DEBTOR', -100_01n), leg('DEBTOR', 100_01n)], 'LEDGER.INSUFFICIENT_FUNDS', 'DEBTOR');
      await expect(balance('DEBTOR')).resolves.toBe(100_00n);
    });

    it('settles a payment from an account to itself within its balance, leaving the balance as it was', async () => {
      await openThree();
      const p = await created();
      await expect(settle(p, [leg('DEBTOR', -100_00n), leg('DEBTOR', 100_00n)])).resolves.toBe(true);
      await expect(h.repository.get(p.id)).resolves.toMatchObject({ status: 'ACSC', version: 2 });
      await expect(balance('DEBTOR')).resolves.toBe(100_00n);
    });

    it('applies the legs of a multi-leg write in order: an account may pass on what an earlier leg credited it, not what a later one will', async () => {
      await openThree();
      const through = await created();
      await expect(
        settle(through, [leg('DEBTOR', -60_00n), leg('MIDDLE', 60_00n), leg('MIDDLE', -60_00n), leg('CREDITOR', 60_00n)]),
      ).resolves.toBe(true);
      await expect(balances()).resolves.toEqual({ DEBTOR: 40_00n, MIDDLE: 0n, CREDITOR: 60_00n });
      // the same money movements with the onward leg first: MIDDLE has nothing yet
      const reversed = await created();
      await refusedWithNothingWritten(
        reversed,
        [leg('MIDDLE', -10_00n), leg('CREDITOR', 10_00n), leg('DEBTOR', -10_00n), leg('MIDDLE', 10_00n)],
        'LEDGER.INSUFFICIENT_FUNDS',
        'MIDDLE',
      );
    });

    it('names the first leg refused, in the order given; two currencies on one account are refused', async () => {
      await openThree();
      const p = await created();
      await refusedWithNothingWritten(p, [leg('DEBTOR', -100_01n), leg('GHOST', 100_01n)], 'LEDGER.INSUFFICIENT_FUNDS', 'DEBTOR');
      await refusedWithNothingWritten(p, [leg('GHOST', -1n), leg('DEBTOR', -100_01n)], 'LEDGER.UNKNOWN_ACCOUNT', 'GHOST');
      await refusedWithNothingWritten(p, [leg('DEBTOR', -1n), leg('DEBTOR', 1n, 'USD')], 'LEDGER.CURRENCY_MISMATCH', 'DEBTOR');
      await expect(balances()).resolves.toEqual({ DEBTOR: 100_00n, MIDDLE: 0n, CREDITOR: 0n });
    });

    it('refuses a credit that would take a balance over 2^63-1 minor units with LEDGER.AMOUNT_TOO_LARGE, and writes nothing', async () => {
      const max = 2n ** 63n - 1n;
      await h.ledger.openAccounts(
        [
          { id: 'DEBTOR', currency: 'EUR', balance: 100_00n },
          { id: 'CREDITOR', currency: 'EUR', balance: max - 1n },
        ],
        false,
      );
      const p = await created();
      const legs = (delta: bigint): Posting[] => [
        { account: 'DEBTOR', currency: 'EUR', delta: -delta },
        { account: 'CREDITOR', currency: 'EUR', delta },
      ];
      await expect(settle(p, legs(2n))).rejects.toMatchObject({
        name: 'LedgerError',
        code: 'LEDGER.AMOUNT_TOO_LARGE',
        account: 'CREDITOR',
      });
      await expect(h.repository.get(p.id)).resolves.toMatchObject({ status: 'ACSP', version: 1 });
      await expect(balance('DEBTOR')).resolves.toBe(100_00n);
      await expect(balance('CREDITOR')).resolves.toBe(max - 1n);
      // exactly up to the limit is taken
      await expect(settle(p, legs(1n))).resolves.toBe(true);
      await expect(balance('CREDITOR')).resolves.toBe(max);
    });

    it('refuses to open or set a balance over 2^63-1 minor units with LEDGER.AMOUNT_TOO_LARGE, and opens nothing', async () => {
      const max = 2n ** 63n - 1n;
      await h.ledger.openAccounts([{ id: 'TOP', currency: 'EUR', balance: max }], false);
      await expect(balance('TOP')).resolves.toBe(max);
      await expect(
        h.ledger.openAccounts(
          [
            { id: 'OK', currency: 'EUR', balance: 1n },
            { id: 'OVER', currency: 'EUR', balance: max + 1n },
          ],
          false,
        ),
      ).rejects.toMatchObject({ name: 'LedgerError', code: 'LEDGER.AMOUNT_TOO_LARGE', account: 'OVER' });
      await expect(h.ledger.openAccounts([{ id: 'TOP', currency: 'EUR', balance: max + 1n }], true)).rejects.toMatchObject({
        code: 'LEDGER.AMOUNT_TOO_LARGE',
      });
      await expect(h.ledger.getAccount('OK')).resolves.toBeNull();
      await expect(h.ledger.getAccount('OVER')).resolves.toBeNull();
      await expect(balance('TOP')).resolves.toBe(max);
    });

    it('never lets concurrent debits take a balance below zero', async () => {
      await h.ledger.openAccounts(
        [
          { id: 'DEBTOR', currency: 'EUR', balance: 10_00n },
          { id: 'CREDITOR', currency: 'EUR', balance: 0n },
        ],
        false,
      );
      const payments = await Promise.all(Array.from({ length: 5 }, () => created()));
      const results = await Promise.allSettled(
        payments.map((p) =>
          settle(p, [
            { account: 'DEBTOR', currency: 'EUR', delta: -3_00n },
            { account: 'CREDITOR', currency: 'EUR', delta: 3_00n },
          ]),
        ),
      );
      const ok = results.filter((r) => r.status === 'fulfilled' && r.value === true).length;
      expect(ok).toBe(3);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'LEDGER.INSUFFICIENT_FUNDS' });
      }
      await expect(balance('DEBTOR')).resolves.toBe(1_00n);
      await expect(balance('CREDITOR')).resolves.toBe(9_00n);
    });
  });
}
