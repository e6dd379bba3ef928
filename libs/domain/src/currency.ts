// SPDX-License-Identifier: Apache-2.0
import { InvalidValueError } from './domain.errors.js';

/**
 * Active ISO 4217 currency codes with their number of minor units (decimals).
 * Fund codes, precious metals (XAU, XAG, XPT, XPD), SDR (XDR) and test codes are deliberately absent:
 * they are not currencies a customer credit transfer settles in.
 */
const MINOR_UNITS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2,
  AFN: 2,
  ALL: 2,
  AMD: 2,
  AOA: 2,
  ARS: 2,
  AUD: 2,
  AWG: 2,
  AZN: 2,
  BAM: 2,
  BBD: 2,
  BDT: 2,
  BHD: 3,
  BIF: 0,
  BMD: 2,
  BND: 2,
  BOB: 2,
  BRL: 2,
  BSD: 2,
  BTN: 2,
  BWP: 2,
  BYN: 2,
  BZD: 2,
  CAD: 2,
  CDF: 2,
  CHF: 2,
  CLP: 0,
  CNY: 2,
  COP: 2,
  CRC: 2,
  CUP: 2,
  CVE: 2,
  CZK: 2,
  DJF: 0,
  DKK: 2,
  DOP: 2,
  DZD: 2,
  EGP: 2,
  ERN: 2,
  ETB: 2,
  EUR: 2,
  FJD: 2,
  FKP: 2,
  GBP: 2,
  GEL: 2,
  GHS: 2,
  GIP: 2,
  GMD: 2,
  GNF: 0,
  GTQ: 2,
  GYD: 2,
  HKD: 2,
  HNL: 2,
  HTG: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  IQD: 3,
  IRR: 2,
  ISK: 0,
  JMD: 2,
  JOD: 3,
  JPY: 0,
  KES: 2,
  KGS: 2,
  KHR: 2,
  KMF: 0,
  KPW: 2,
  KRW: 0,
  KWD: 3,
  KYD: 2,
  KZT: 2,
  LAK: 2,
  LBP: 2,
  LKR: 2,
  LRD: 2,
  LSL: 2,
  LYD: 3,
  MAD: 2,
  MDL: 2,
  MGA: 2,
  MKD: 2,
  MMK: 2,
  MNT: 2,
  MOP: 2,
  MRU: 2,
  MUR: 2,
  MVR: 2,
  MWK: 2,
  MXN: 2,
  MYR: 2,
  MZN: 2,
  NAD: 2,
  NGN: 2,
  NIO: 2,
  NOK: 2,
  NPR: 2,
  NZD: 2,
  OMR: 3,
  PAB: 2,
  PEN: 2,
  PGK: 2,
  PHP: 2,
  PKR: 2,
  PLN: 2,
  PYG: 0,
  QAR: 2,
  RON: 2,
  RSD: 2,
  RUB: 2,
  RWF: 0,
  SAR: 2,
  SBD: 2,
  SCR: 2,
  SDG: 2,
  SEK: 2,
  SGD: 2,
  SHP: 2,
  SLE: 2,
  SOS: 2,
  SRD: 2,
  SSP: 2,
  STN: 2,
  SVC: 2,
  SYP: 2,
  SZL: 2,
  THB: 2,
  TJS: 2,
  TMT: 2,
  TND: 3,
  TOP: 2,
  TRY: 2,
  TTD: 2,
  TWD: 2,
  TZS: 2,
  UAH: 2,
  UGX: 0,
  USD: 2,
  UYU: 2,
  UZS: 2,
  VED: 2,
  VES: 2,
  VND: 0,
  VUV: 0,
  WST: 2,
  XAF: 0,
  XCD: 2,
  XCG: 2,
  XOF: 0,
  XPF: 0,
  YER: 2,
  ZAR: 2,
  ZMW: 2,
  ZWG: 2,
});

/**
 * ISO 4217 codes that are not currencies a customer credit transfer settles in. They are real codes, so a
 * message using one is schema-valid; business rules refuse it with a precise reason.
 */
const NON_CURRENCY: Readonly<Record<string, Exclude<CurrencyKind, 'active' | 'withdrawn' | 'unknown'>>> = Object.freeze({
  XAU: 'precious-metal',
  XAG: 'precious-metal',
  XPT: 'precious-metal',
  XPD: 'precious-metal',
  XDR: 'unit-of-account',
  XSU: 'unit-of-account',
  XUA: 'unit-of-account',
  XBA: 'unit-of-account',
  XBB: 'unit-of-account',
  XBC: 'unit-of-account',
  XBD: 'unit-of-account',
  XTS: 'test',
  XXX: 'test',
  BOV: 'fund',
  CHE: 'fund',
  CHW: 'fund',
  CLF: 'fund',
  COU: 'fund',
  MXV: 'fund',
  USN: 'fund',
  UYI: 'fund',
  UYW: 'fund',
});

/** Codes withdrawn from ISO 4217 (list A.3) that a stale system may still send. Not exhaustive. */
const WITHDRAWN: ReadonlySet<string> = new Set([
  'ANG',
  'ATS',
  'AZM',
  'BEF',
  'BGL',
  'BYR',
  'CSD',
  'CUC',
  'CYP',
  'DEM',
  'EEK',
  'ESP',
  'FIM',
  'FRF',
  'GHC',
  'GRD',
  'HRK',
  'IEP',
  'ITL',
  'LTL',
  'LUF',
  'LVL',
  'MGF',
  'MRO',
  'MTL',
  'MZM',
  'NLG',
  'PTE',
  'ROL',
  'SDD',
  'SIT',
  'SKK',
  'SLL',
  'SRG',
  'STD',
  'TMM',
  'TRL',
  'VEB',
  'VEF',
  'YUM',
  'ZMK',
  'ZWD',
  'ZWL',
]);

/** What an ISO 4217-shaped code is, for business rules and their rejection texts. */
export type CurrencyKind = 'active' | 'precious-metal' | 'fund' | 'unit-of-account' | 'test' | 'withdrawn' | 'unknown';

const KIND_TEXT: Readonly<Record<Exclude<CurrencyKind, 'active'>, string>> = {
  'precious-metal': 'is an ISO 4217 precious-metal code, not a currency',
  fund: 'is an ISO 4217 fund code, not a currency',
  'unit-of-account': 'is an ISO 4217 unit of account, not a currency',
  test: 'is an ISO 4217 testing or no-currency code',
  withdrawn: 'is a withdrawn ISO 4217 currency',
  unknown: 'is not an ISO 4217 currency code',
};

/** An active ISO 4217 currency code. */
export class CurrencyCode {
  private constructor(
    readonly code: string,
    readonly minorUnits: number,
  ) {}

  static parse(code: string): CurrencyCode {
    const upper = code.trim();
    if (!/^[A-Z]{3}$/.test(upper)) throw new InvalidValueError('currency', `"${code}" is not an ISO 4217 code`);
    const units = Object.hasOwn(MINOR_UNITS, upper) ? MINOR_UNITS[upper] : undefined;
    if (units === undefined) throw new InvalidValueError('currency', `${upper} is not an active ISO 4217 currency`);
    return new CurrencyCode(upper, units);
  }

  static isActive(code: string): boolean {
    return Object.hasOwn(MINOR_UNITS, code);
  }

  /** Classifies a code: `active` (with its minor units) or why it is not a currency a payment may use. */
  static classify(code: string): { kind: CurrencyKind; minorUnits: number | null; description: string } {
    if (Object.hasOwn(MINOR_UNITS, code)) {
      return { kind: 'active', minorUnits: MINOR_UNITS[code]!, description: `is an active ISO 4217 currency` };
    }
    const kind: Exclude<CurrencyKind, 'active'> = Object.hasOwn(NON_CURRENCY, code)
      ? NON_CURRENCY[code]!
      : WITHDRAWN.has(code)
        ? 'withdrawn'
        : 'unknown';
    return { kind, minorUnits: null, description: KIND_TEXT[kind] };
  }

  toString(): string {
    return this.code;
  }
}
