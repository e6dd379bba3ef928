// SPDX-License-Identifier: Apache-2.0
import { InvalidValueError } from './domain.errors.js';

const BIC = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

/** A business identifier code (ISO 9362): 8 or 11 characters. */
export class Bic {
  private constructor(readonly value: string) {}

  static parse(value: string): Bic {
    const v = value.trim();
    if (!BIC.test(v)) throw new InvalidValueError('bic', `"${value}" is not a valid BIC (ISO 9362)`);
    return new Bic(v);
  }

  static isValid(value: string): boolean {
    return BIC.test(value);
  }

  get countryCode(): string {
    return this.value.slice(4, 6);
  }

  toString(): string {
    return this.value;
  }
}

/** IBAN length per country (ISO 13616 registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
});

/** An international bank account number (ISO 13616) whose mod-97 check digits are right. */
export class Iban {
  private constructor(readonly value: string) {}

  static parse(value: string): Iban {
    const v = value.replace(/\s+/g, '').toUpperCase();
    if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$/.test(v)) {
      throw new InvalidValueError('iban', `"${value}" is not shaped like an IBAN`);
    }
    const expected = IBAN_LENGTHS[v.slice(0, 2)];
    if (expected !== undefined && v.length !== expected) {
      throw new InvalidValueError('iban', `an IBAN of ${v.slice(0, 2)} has ${expected} characters, not ${v.length}`);
    }
    if (Iban.mod97(v.slice(4) + v.slice(0, 4)) !== 1) {
      throw new InvalidValueError('iban', `"${value}" fails the mod-97 check`);
    }
    return new Iban(v);
  }

  static isValid(value: string): boolean {
    try {
      Iban.parse(value);
      return true;
    } catch {
      return false;
    }
  }

  private static mod97(rearranged: string): number {
    let rest = 0;
    for (const ch of rearranged) {
      const n = ch >= 'A' ? (ch.charCodeAt(0) - 55).toString() : ch;
      for (const d of n) rest = (rest * 10 + (d.charCodeAt(0) - 48)) % 97;
    }
    return rest;
  }

  get countryCode(): string {
    return this.value.slice(0, 2);
  }

  toString(): string {
    return this.value;
  }
}

const UETR = /^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/;

/** A unique end-to-end transaction reference: a UUID v4 in lower case (ISO 20022 UUIDv4Identifier). */
export class Uetr {
  private constructor(readonly value: string) {}

  static parse(value: string): Uetr {
    const v = value.trim();
    if (!UETR.test(v)) throw new InvalidValueError('uetr', `"${value}" is not a lower-case UUID v4`);
    return new Uetr(v);
  }

  toString(): string {
    return this.value;
  }
}

const COUNTRY = /^[A-Z]{2}$/;

/**
 * The ISO 3166 alpha-2 country of a party: its postal address country, else the country of its IBAN
 * (the caller passes only an account it knows to be an IBAN), else the country of its agent's BIC.
 * Null when none of them gives one.
 */
export function partyCountry(sources: { postal?: string | null; iban?: string | null; bic?: string | null }): string | null {
  const postal = sources.postal?.trim();
  if (postal && COUNTRY.test(postal)) return postal;
  const iban = sources.iban?.replace(/\s+/g, '').toUpperCase();
  if (iban && /^[A-Z]{2}[0-9]{2}/.test(iban)) return iban.slice(0, 2);
  if (sources.bic && Bic.isValid(sources.bic)) return Bic.parse(sources.bic).countryCode;
  return null;
}
