// SPDX-License-Identifier: Apache-2.0
import { LedgerError, type Posting } from '../ports/ledger.port.js';
import { decidePostings, postingConditions, type LedgerBalance } from './posting-rule.js';
import { MAX_LEDGER_BALANCE } from './ledger-limits.js';

const eur = (balance: bigint): LedgerBalance => ({ currency: 'EUR', balance });
const leg = (account: string, delta: bigint, currency = 'EUR'): Posting => ({ account, currency, delta });
const transfer = (from: string, to: string, minor: bigint): Posting[] => [leg(from, -minor), leg(to, minor)];
const accounts = (entries: Record<string, LedgerBalance>) => new Map(Object.entries(entries));

/** The refusal's code and account, or the new balances by account. */
function verdict(postings: Posting[], held: Map<string, LedgerBalance>) {
  const d = decidePostings(postings, held);
  if (!d.ok) {
    expect(d.error).toBeInstanceOf(LedgerError);
    return { refused: d.error.code, account: d.error.account };
  }
  return Object.fromEntries(d.changes.map((c) => [c.account, c.after]));
}

describe('decidePostings: legs in order, no balance below zero after any leg', () => {
  it('refuses a transfer from an account to itself for more than its balance: the debit comes before the credit', () => {
    expect(verdict(transfer('A', 'A', 101n), accounts({ A: eur(100n) }))).toEqual({ refused: 'LEDGER.INSUFFICIENT_FUNDS', account: 'A' });
  });

  it('settles a transfer from an account to itself within its balance, leaving it unchanged', () => {
    const d = decidePostings(transfer('A', 'A', 100n), accounts({ A: eur(100n) }));
    expect(d).toEqual({ ok: true, changes: [{ account: 'A', currency: 'EUR', before: 100n, after: 100n, delta: 0n }] });
  });

  it('moves the money of a normal transfer, one change per account in the order first named', () => {
    const d = decidePostings(transfer('A', 'B', 60n), accounts({ A: eur(100n), B: eur(5n) }));
    expect(d).toEqual({
      ok: true,
      changes: [
        { account: 'A', currency: 'EUR', before: 100n, after: 40n, delta: -60n },
        { account: 'B', currency: 'EUR', before: 5n, after: 65n, delta: 60n },
      ],
    });
  });

  it('lets a debit take the balance to exactly zero, not below', () => {
    expect(verdict(transfer('A', 'B', 100n), accounts({ A: eur(100n), B: eur(0n) }))).toEqual({ A: 0n, B: 100n });
    expect(verdict(transfer('A', 'B', 100n), accounts({ A: eur(99n), B: eur(0n) }))).toEqual({
      refused: 'LEDGER.INSUFFICIENT_FUNDS',
      account: 'A',
    });
  });

  it('multi-leg: an account may pass on what an earlier leg credited it, not what a later leg will', () => {
    const held = accounts({ A: eur(100n), B: eur(0n), C: eur(0n) });
    expect(verdict([...transfer('A', 'B', 60n), ...transfer('B', 'C', 60n)], held)).toEqual({ A: 40n, B: 0n, C: 60n });
    expect(verdict([...transfer('B', 'C', 60n), ...transfer('A', 'B', 60n)], held)).toEqual({
      refused: 'LEDGER.INSUFFICIENT_FUNDS',
      account: 'B',
    });
  });

  it('names the first leg refused, in the order given, whatever else is wrong later', () => {
    const held = accounts({ A: eur(10n), B: eur(0n), G: { currency: 'GBP', balance: 0n } });
    expect(verdict([leg('A', -11n), leg('GHOST', 11n)], held)).toEqual({ refused: 'LEDGER.INSUFFICIENT_FUNDS', account: 'A' });
    expect(verdict([leg('GHOST', 11n), leg('A', -11n)], held)).toEqual({ refused: 'LEDGER.UNKNOWN_ACCOUNT', account: 'GHOST' });
    expect(verdict([leg('A', -1n), leg('G', 1n), leg('B', -5n)], held)).toEqual({ refused: 'LEDGER.CURRENCY_MISMATCH', account: 'G' });
  });

  it('checks every leg against its account, a zero leg and a second currency on one account included', () => {
    expect(verdict([leg('GHOST', 0n)], accounts({}))).toEqual({ refused: 'LEDGER.UNKNOWN_ACCOUNT', account: 'GHOST' });
    expect(verdict([leg('A', 0n, 'USD')], accounts({ A: eur(1n) }))).toEqual({ refused: 'LEDGER.CURRENCY_MISMATCH', account: 'A' });
    expect(verdict([leg('A', 1n), leg('A', -1n, 'USD')], accounts({ A: eur(1n) }))).toEqual({
      refused: 'LEDGER.CURRENCY_MISMATCH',
      account: 'A',
    });
    const mismatch = decidePostings([leg('A', 1n, 'GBP')], accounts({ A: eur(1n) }));
    expect(!mismatch.ok && mismatch.error.message).toBe('ledger account A is kept in EUR, not GBP');
  });

  it('keeps balances exact beyond 2^53 (bigint minor units) and refuses a delta that is not a bigint', () => {
    const big = 2n ** 62n + 1n;
    expect(verdict(transfer('A', 'B', big - 1n), accounts({ A: eur(big), B: eur(0n) }))).toEqual({ A: 1n, B: big - 1n });
    expect(() => decidePostings([leg('A', 1 as unknown as bigint)], accounts({ A: eur(1n) }))).toThrow(TypeError);
    expect(() => postingConditions([leg('A', 1 as unknown as bigint)])).toThrow(TypeError);
  });

  it('does not change the postings or the accounts it is given', () => {
    const postings = transfer('A', 'B', 60n);
    const held = accounts({ A: eur(100n), B: eur(0n) });
    decidePostings(postings, held);
    expect(postings).toEqual(transfer('A', 'B', 60n));
    expect(held).toEqual(accounts({ A: eur(100n), B: eur(0n) }));
  });
});

describe('postingConditions: the same rule as per-account conditions (for stores that write first)', () => {
  it('requires the largest running debit of each account, nets the delta, and lists the currencies seen', () => {
    expect(postingConditions(transfer('A', 'A', 150n))).toMatchObject([{ account: 'A', currencies: ['EUR'], required: 150n, delta: 0n }]);
    expect(postingConditions([...transfer('B', 'C', 60n), ...transfer('A', 'B', 60n)])).toMatchObject([
      { account: 'B', currencies: ['EUR'], required: 60n, delta: 0n },
      { account: 'C', currencies: ['EUR'], required: -60n, delta: 60n },
      { account: 'A', currencies: ['EUR'], required: 60n, delta: -60n },
    ]);
    expect(postingConditions([...transfer('A', 'B', 60n), ...transfer('B', 'C', 60n)])[1]).toMatchObject({
      account: 'B',
      currencies: ['EUR'],
      required: 0n,
      delta: 0n,
    });
    expect(postingConditions([leg('A', 1n), leg('A', -1n, 'USD')])).toMatchObject([
      { account: 'A', currencies: ['EUR', 'USD'], required: 0n, delta: 0n },
    ]);
  });

  it('accepts exactly what decidePostings accepts, with the same new balances (2,000 random writes)', () => {
    // a small deterministic generator (mulberry32): the same cases on every run
    let seed = 0x5eed;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const ids = ['A', 'B', 'C', 'D'];
    let accepted = 0;
    let refused = 0;
    // balances from -20 (which no store keeps, yet the two must still agree) to 199
    for (let n = 0; n < 2000; n++) {
      const held = new Map<string, LedgerBalance>();
      for (const id of ids) {
        // some balances just below the ledger's upper limit, so that its ceiling is exercised too
        const base = rnd() < 0.15 ? MAX_LEDGER_BALANCE - 220n : 0n;
        if (rnd() < 0.9) held.set(id, { currency: rnd() < 0.9 ? 'EUR' : 'USD', balance: base + BigInt(Math.floor(rnd() * 220) - 20) });
      }
      const postings = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () =>
        leg(pick(ids), BigInt(Math.floor(rnd() * 201) - 100), rnd() < 0.95 ? 'EUR' : 'USD'),
      );
      const decision = decidePostings(postings, held);
      const conditions = postingConditions(postings);
      const met = conditions.every((c) => {
        const a = held.get(c.account);
        return a !== undefined && c.currencies.every((cur) => cur === a.currency) && a.balance >= c.required && a.balance <= c.ceiling;
      });
      expect(decision.ok).toBe(met);
      if (decision.ok) {
        accepted++;
        expect(decision.changes.map((c) => [c.account, c.after])).toEqual(
          conditions.map((c) => [c.account, held.get(c.account)!.balance + c.delta]),
        );
      } else refused++;
    }
    // both outcomes were really exercised
    expect(accepted).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(200);
  });
});
