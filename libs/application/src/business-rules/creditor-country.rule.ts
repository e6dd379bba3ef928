// SPDX-License-Identifier: Apache-2.0
import { Iban, partyCountry, ReasonCode, type PaymentSnapshot } from '#domain';
import { pass, reject, type BusinessRule } from './business-rule.js';

/**
 * The creditor's / debtor's country as stored at ingress (postal address, else IBAN, else agent BIC).
 * Payments stored before the field existed lack it: then it is derived from what they do have (their
 * account, when it is a valid IBAN, else their agent's BIC).
 */
export function creditorCountryOf(p: Readonly<PaymentSnapshot>): string | null {
  if (p.creditorCountry !== undefined) return p.creditorCountry;
  return partyCountry({ iban: p.creditorAccount && Iban.isValid(p.creditorAccount) ? p.creditorAccount : null, bic: p.creditorAgent });
}

export function debtorCountryOf(p: Readonly<PaymentSnapshot>): string | null {
  if (p.debtorCountry !== undefined) return p.debtorCountry;
  return partyCountry({ iban: p.debtorAccount && Iban.isValid(p.debtorAccount) ? p.debtorAccount : null, bic: p.debtorAgent });
}

export interface CountryLists {
  /** When set, only these creditor countries are allowed. */
  allow: readonly string[] | null;
  /** These creditor countries are refused (wins over `allow`). */
  deny: readonly string[];
}

/**
 * Reads a comma-separated list of ISO 3166 alpha-2 codes (`CREDITOR_COUNTRY_ALLOW`, `..._DENY`);
 * null when empty. Throws an Error naming a bad entry.
 */
export function parseCountryList(raw: string | null | undefined): string[] | null {
  if (!raw || raw.trim() === '') return null;
  const codes = raw
    .split(',')
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c !== '');
  for (const c of codes) if (!/^[A-Z]{2}$/.test(c)) throw new Error(`"${c}" is not an ISO 3166 alpha-2 country code`);
  return [...new Set(codes)];
}

/**
 * The creditor's country is allowed: not on the deny list, and on the allow list when there is one
 * (RR04, RegulatoryReason). With an allow list, a payment whose creditor country cannot be told at all is
 * refused with RR03 (creditor name or address needed for regulatory requirements missing); with only a
 * deny list it passes.
 */
export function creditorCountryRule(lists: CountryLists): BusinessRule {
  const deny = new Set(lists.deny);
  const allow = lists.allow ? new Set(lists.allow) : null;
  return {
    id: 'creditor-country',
    reasonCodes: [ReasonCode.REGULATORY, ReasonCode.MISSING_CREDITOR_ADDRESS],
    async check(p) {
      const country = creditorCountryOf(p);
      if (country === null) {
        return allow
          ? reject(ReasonCode.MISSING_CREDITOR_ADDRESS, 'creditor country unknown (no postal country, IBAN or BIC); an allow list applies')
          : pass();
      }
      if (deny.has(country)) return reject(ReasonCode.REGULATORY, `creditor country ${country} is not allowed (deny list)`);
      if (allow && !allow.has(country))
        return reject(ReasonCode.REGULATORY, `creditor country ${country} is not allowed (not on the allow list)`);
      return pass();
    },
  };
}
