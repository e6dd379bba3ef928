// SPDX-License-Identifier: Apache-2.0
import { InvalidValueError, Money, ReasonCode, type PaymentSnapshot, type StatusReason } from '#domain';
import type { LedgerError, Posting } from '../ports/ledger.port.js';

/** A ledger account id as the gateway keeps it: an IBAN or an `Othr/Id` (Max34Text), without spaces or slashes. */
export const LEDGER_ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,33}$/;

export function isLedgerAccountId(id: string): boolean {
  return LEDGER_ACCOUNT_ID.test(id);
}

type SettlementFields = Pick<PaymentSnapshot, 'amount' | 'debtorAccount' | 'creditorAccount'>;

/**
 * Why a payment cannot be settled in the ledger at all (no account to debit or credit, no amount, or an amount
 * that is not money of its currency), as the ISO reason to reject it with; null when settlementPostings can
 * build its postings. The release step rejects with this reason rather than failing until the SLA.
 */
export function unsettleableReason(p: SettlementFields): StatusReason | null {
  if (!p.debtorAccount) return { code: ReasonCode.INVALID_DEBTOR_ACCOUNT, text: 'no debtor account to debit' };
  if (!p.creditorAccount) return { code: ReasonCode.INVALID_CREDITOR_ACCOUNT, text: 'no creditor account to credit' };
  if (!p.amount) return { code: ReasonCode.INVALID_AMOUNT, text: 'no interbank settlement amount' };
  try {
    Money.parse(p.amount.value, p.amount.currency);
  } catch (e) {
    if (!(e instanceof InvalidValueError)) throw e;
    const code = e.field === 'currency' ? ReasonCode.INVALID_CURRENCY : ReasonCode.INVALID_AMOUNT;
    return { code, text: `cannot settle: ${e.message}`.slice(0, 105) };
  }
  return null;
}

/**
 * The two legs that settle a payment in the core-mode ledger: the debtor account is debited and the creditor
 * account credited with the interbank settlement amount as Money, in minor units of its currency (any spelling
 * of the amount gives the same legs: "0001250.00" and "1250.000" EUR are 125000). Reusable by other
 * flows: a reversal (cancellation or return after settlement) posts `negatePostings(settlementPostings(p))`.
 * Throws InvalidValueError when unsettleableReason(p) is not null or the amount is not money.
 */
export function settlementPostings(p: SettlementFields): Posting[] {
  const missing = unsettleableReason(p);
  if (missing) throw new InvalidValueError('payment', missing.text ?? missing.code);
  const money = Money.parse(p.amount!.value, p.amount!.currency);
  const currency = money.currency.code;
  return [
    { account: p.debtorAccount!, currency, delta: -money.minor },
    { account: p.creditorAccount!, currency, delta: money.minor },
  ];
}

/** The postings that undo `postings` (credit back the debtor, debit back the creditor). */
export function negatePostings(postings: readonly Posting[]): Posting[] {
  return postings.map((leg) => ({ ...leg, delta: -leg.delta }));
}

/**
 * The ISO 20022 reason (ExternalStatusReason1Code) a payment is rejected with when the ledger refuses its
 * settlement: AM04 insufficient funds, AC02 / AC03 unknown debtor / creditor account, AM03 a currency the
 * account is not kept in, AM02 a credit that would take an account over the ledger's largest balance.
 */
export function ledgerRejectionReason(error: LedgerError, p: SettlementFields): StatusReason {
  const text = (t: string) => t.slice(0, 105); // AddtlInf is Max105Text
  switch (error.code) {
    case 'LEDGER.INSUFFICIENT_FUNDS':
      return { code: ReasonCode.INSUFFICIENT_FUNDS, text: text(`insufficient funds on account ${error.account}`) };
    case 'LEDGER.UNKNOWN_ACCOUNT':
      return error.account === p.debtorAccount
        ? { code: ReasonCode.INVALID_DEBTOR_ACCOUNT, text: text(`debtor account ${error.account} is not kept here`) }
        : { code: ReasonCode.INVALID_CREDITOR_ACCOUNT, text: text(`creditor account ${error.account} is not kept here`) };
    case 'LEDGER.CURRENCY_MISMATCH':
      return { code: ReasonCode.INVALID_CURRENCY, text: text(error.message) };
    case 'LEDGER.AMOUNT_TOO_LARGE':
      return { code: ReasonCode.NOT_ALLOWED_AMOUNT, text: text(`account ${error.account} would exceed the ledger's largest balance`) };
  }
}
