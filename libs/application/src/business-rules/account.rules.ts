// SPDX-License-Identifier: Apache-2.0
import { Bic, Iban, ReasonCode } from '#domain';
import { pass, reject, type BusinessRule } from './business-rule.js';

/** An account that is meant as an IBAN (an `Othr/Id` such as "12345678" is not checked). */
const looksLikeIban = (v: string | null | undefined): v is string => !!v && /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(v);

/** IBAN accounts pass their ISO 13616 length and mod-97 check: creditor AC03, debtor AC02. */
export const ibanRule: BusinessRule = {
  id: 'iban',
  reasonCodes: [ReasonCode.INVALID_CREDITOR_ACCOUNT, ReasonCode.INVALID_DEBTOR_ACCOUNT],
  async check(p) {
    if (looksLikeIban(p.creditorAccount) && !Iban.isValid(p.creditorAccount)) {
      return reject(ReasonCode.INVALID_CREDITOR_ACCOUNT, 'creditor IBAN fails its length or mod-97 check');
    }
    if (looksLikeIban(p.debtorAccount) && !Iban.isValid(p.debtorAccount)) {
      return reject(ReasonCode.INVALID_DEBTOR_ACCOUNT, 'debtor IBAN fails its length or mod-97 check');
    }
    return pass();
  },
};

/** Debtor and creditor agents given by BIC have a well-formed ISO 9362 BIC (RC01); clearing ids are not BICs. */
export const bicRule: BusinessRule = {
  id: 'bic',
  reasonCodes: [ReasonCode.INVALID_BIC],
  async check(p) {
    for (const [role, agent] of [
      ['debtor agent', p.debtorAgent],
      ['creditor agent', p.creditorAgent],
    ] as const) {
      if (agent && !agent.includes(':') && !Bic.isValid(agent)) {
        return reject(ReasonCode.INVALID_BIC, `${role} ${agent.slice(0, 35)} is not a valid BIC`);
      }
    }
    return pass();
  },
};
