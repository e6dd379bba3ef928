// SPDX-License-Identifier: Apache-2.0
import { Bic, Iban } from '#domain';
import type { MerchantQr } from './emvco-qr.js';

/** Whom a merchant is paid to: the creditor of the pacs.008 a QR payment becomes. */
export interface MerchantCreditor {
  name: string;
  /** IBAN, checked (mod-97). */
  iban: string;
  /** The creditor agent. */
  agentBic: string;
  /** ISO 3166 alpha-2; null: the QR code's country (tag 58). */
  country: string | null;
}

/** One merchant of the directory: the template GUID (sub-tag 00) and merchant id it is known by in QR codes. */
export interface MerchantEntry {
  guid: string;
  merchantId: string;
  creditor: MerchantCreditor;
}

/** The merchant a QR code names, and where (the template tag and sub-tag). */
export interface ResolvedMerchant {
  entry: MerchantEntry;
  template: string;
  field: string;
}

const key = (guid: string, merchantId: string) => `${guid.toUpperCase()}|${merchantId}`;

/**
 * The merchants QR payments may pay (MERCHANT_DIRECTORY_FILE): each by the globally unique identifier of its
 * merchant account information template (case-insensitive: reverse domains and AIDs are) and its merchant id
 * (exact). The file is `{"merchants": [{guid, merchantId, creditor: {name, account, agent, country?}}]}`,
 * JSON or YAML.
 */
export class MerchantDirectory {
  private readonly byKey: ReadonlyMap<string, MerchantEntry>;

  private constructor(readonly entries: readonly MerchantEntry[]) {
    this.byKey = new Map(entries.map((e) => [key(e.guid, e.merchantId), e]));
  }

  static readonly EMPTY = new MerchantDirectory([]);

  static of(entries: readonly MerchantEntry[]): MerchantDirectory {
    return new MerchantDirectory(entries);
  }

  /**
   * The directory from its parsed file. Throws an Error whose message names the entry and field
   * (`merchants[2].creditor.account: ...`) when anything is wrong or a (guid, merchantId) appears twice.
   */
  static parse(data: unknown): MerchantDirectory {
    const root = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
    const list = root && Object.hasOwn(root, 'merchants') ? root.merchants : undefined;
    if (!Array.isArray(list)) throw new Error('the merchant directory must be an object with a "merchants" array');
    const entries: MerchantEntry[] = [];
    const seen = new Set<string>();
    list.forEach((raw: unknown, i) => {
      const at = `merchants[${i}]`;
      const obj = (v: unknown, path: string): Record<string, unknown> => {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path}: must be an object`);
        return v as Record<string, unknown>;
      };
      const str = (o: Record<string, unknown>, name: string, path: string, optional = false): string | null => {
        const v = Object.hasOwn(o, name) ? o[name] : undefined;
        if ((v === undefined || v === null) && optional) return null;
        if (typeof v !== 'string' || v.trim() === '') throw new Error(`${path}.${name}: must be a non-empty string`);
        return v.trim();
      };
      const e = obj(raw, at);
      const guid = str(e, 'guid', at)!;
      if (guid.length > 32) throw new Error(`${at}.guid: at most 32 characters (EMVCo sub-tag 00)`);
      const merchantId = str(e, 'merchantId', at)!;
      const c = obj(Object.hasOwn(e, 'creditor') ? e.creditor : undefined, `${at}.creditor`);
      const name = str(c, 'name', `${at}.creditor`)!;
      if (name.length > 140) throw new Error(`${at}.creditor.name: at most 140 characters`);
      const account = str(c, 'account', `${at}.creditor`)!;
      if (!Iban.isValid(account)) throw new Error(`${at}.creditor.account: not a valid IBAN (mod-97): ${account}`);
      const agent = str(c, 'agent', `${at}.creditor`)!;
      if (!Bic.isValid(agent)) throw new Error(`${at}.creditor.agent: not a valid BIC (ISO 9362): ${agent}`);
      const country = str(c, 'country', `${at}.creditor`, true);
      if (country !== null && !/^[A-Z]{2}$/.test(country)) throw new Error(`${at}.creditor.country: must be ISO 3166 alpha-2`);
      const k = key(guid, merchantId);
      if (seen.has(k)) throw new Error(`${at}: guid ${guid} with merchantId ${merchantId} is listed twice`);
      seen.add(k);
      entries.push({ guid, merchantId, creditor: { name, iban: Iban.parse(account).value, agentBic: agent, country } });
    });
    return new MerchantDirectory(entries);
  }

  find(guid: string, merchantId: string): MerchantEntry | null {
    return this.byKey.get(key(guid, merchantId)) ?? null;
  }

  /** The first merchant of the directory named by one of the QR code's templates 26-51 (any sub-tag other than 00). */
  resolve(qr: Pick<MerchantQr, 'merchantAccounts'>): ResolvedMerchant | null {
    for (const template of qr.merchantAccounts) {
      for (const [field, value] of template.fields) {
        const entry = this.find(template.guid, value);
        if (entry) return { entry, template: template.tag, field };
      }
    }
    return null;
  }
}
