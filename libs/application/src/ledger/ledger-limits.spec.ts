// SPDX-License-Identifier: Apache-2.0
import { LedgerError } from '../ports/ledger.port.js';
import { ledgerLimitError, MAX_LEDGER_BALANCE, withinLedgerLimit } from './ledger-limits.js';

describe('ledger limit', () => {
  it('is 2^63-1 minor units, the range of a SQLite INTEGER', () => {
    expect(MAX_LEDGER_BALANCE).toBe(9_223_372_036_854_775_807n);
  });

  it('keeps balances up to and including the limit', () => {
    expect(withinLedgerLimit(0n)).toBe(true);
    expect(withinLedgerLimit(MAX_LEDGER_BALANCE)).toBe(true);
    expect(ledgerLimitError('A', MAX_LEDGER_BALANCE)).toBeNull();
  });

  it('refuses one minor unit more with LEDGER.AMOUNT_TOO_LARGE naming the account', () => {
    expect(withinLedgerLimit(MAX_LEDGER_BALANCE + 1n)).toBe(false);
    const error = ledgerLimitError('DE89370400440532013000', MAX_LEDGER_BALANCE + 1n);
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ code: 'LEDGER.AMOUNT_TOO_LARGE', account: 'DE89370400440532013000' });
    expect(error!.message).toContain('9223372036854775808');
  });
});
