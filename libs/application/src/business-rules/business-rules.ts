import { Bic, CurrencyCode, Iban, Money, ReasonCode, type PaymentSnapshot, type StatusReason } from '#domain';

/** One business rule: null when the payment passes it, else the ISO reason to reject it with. */
export interface BusinessRule {
  readonly name: string;
  check(payment: Readonly<PaymentSnapshot>): StatusReason | null;
}

export const amountIsMoney: BusinessRule = {
  name: 'amount-is-money',
  check(p) {
    if (!p.amount) return { code: ReasonCode.INVALID_AMOUNT, text: 'no interbank settlement amount' };
    if (!CurrencyCode.isActive(p.amount.currency)) {
      return { code: ReasonCode.INVALID_CURRENCY, text: `${p.amount.currency} is not an active ISO 4217 currency` };
    }
    try {
      const money = Money.parse(p.amount.value, p.amount.currency);
      if (money.isZero()) return { code: ReasonCode.ZERO_AMOUNT, text: 'amount is zero' };
    } catch (e) {
      return { code: ReasonCode.INVALID_AMOUNT, text: (e as Error).message.slice(0, 105) };
    }
    return null;
  },
};

export function amountAtMost(max: string): BusinessRule {
  return {
    name: 'amount-limit',
    check(p) {
      if (!p.amount || !CurrencyCode.isActive(p.amount.currency)) return null;
      const limit = Money.parse(max, p.amount.currency);
      const amount = Money.parse(p.amount.value, p.amount.currency);
      return amount.compare(limit) > 0
        ? { code: ReasonCode.INVALID_AMOUNT, text: `amount above the limit of ${limit.toDecimalString()}` }
        : null;
    },
  };
}

export const accountsAreValid: BusinessRule = {
  name: 'iban-checksum',
  check(p) {
    const looksLikeIban = (v: string | null) => v !== null && /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(v);
    if (looksLikeIban(p.creditorAccount) && !Iban.isValid(p.creditorAccount!)) {
      return { code: ReasonCode.INVALID_CREDITOR_ACCOUNT, text: 'creditor IBAN fails its check digits' };
    }
    if (looksLikeIban(p.debtorAccount) && !Iban.isValid(p.debtorAccount!)) {
      return { code: ReasonCode.INVALID_DEBTOR_ACCOUNT, text: 'debtor IBAN fails its check digits' };
    }
    return null;
  },
};

export const agentsAreValid: BusinessRule = {
  name: 'bic-format',
  check(p) {
    for (const agent of [p.debtorAgent, p.creditorAgent]) {
      if (agent && !agent.includes(':') && !Bic.isValid(agent)) {
        return { code: ReasonCode.INVALID_BIC, text: `${agent} is not a valid BIC` };
      }
    }
    return null;
  },
};

/** Runs the rules in order; the first failure decides. */
export class BusinessRuleSet {
  constructor(readonly rules: readonly BusinessRule[]) {}

  static defaults(opts: { maxAmount: string | null }): BusinessRuleSet {
    const rules = [amountIsMoney, accountsAreValid, agentsAreValid];
    if (opts.maxAmount) rules.push(amountAtMost(opts.maxAmount));
    return new BusinessRuleSet(rules);
  }

  evaluate(p: Readonly<PaymentSnapshot>): { rule: string; reason: StatusReason } | null {
    for (const rule of this.rules) {
      const reason = rule.check(p);
      if (reason) return { rule: rule.name, reason };
    }
    return null;
  }
}
