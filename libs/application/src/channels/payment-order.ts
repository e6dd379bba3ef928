// SPDX-License-Identifier: Apache-2.0
import { Bic, CurrencyCode, Iban, InvalidAmountError, InvalidValueError, Money } from '#domain';

/**
 * A payment ordered through a channel that is not ISO 20022 XML (the JSON API, a QR code): the fields a
 * pacs.008 of one transaction is written from, already checked (IBANs by mod-97, BICs by ISO 9362, the
 * amount as money of its currency) and in canonical spelling.
 */
export interface PaymentOrder {
  debtor: { name: string; account: AccountRef; agentBic: string | null; country: string | null };
  creditor: { name: string; account: AccountRef; agentBic: string; country: string | null; addressLines: string[] };
  /** Canonical decimal (`Money.toDecimalString()`), never a float. */
  amount: { value: string; currency: string };
  remittance: string | null;
  serviceLevel: string | null;
  localInstrument: string | null;
  categoryPurpose: string | null;
  /** Null: derived from the transaction id. */
  endToEndId: string | null;
  /** `YYYY-MM-DD`; null: the day the payment is created (UTC). */
  requestedExecutionDate: string | null;
}

/** An account: an IBAN, or another identifier (`Othr/Id`). */
export interface AccountRef {
  iban: string | null;
  other: string | null;
}

/**
 * One wrong field of a request. `shape`: missing, or of the wrong JSON type (answered 400); `value`: of the
 * right type but not acceptable (an IBAN failing mod-97, an unknown currency; answered 422).
 */
export interface FieldIssue {
  path: string;
  message: string;
  kind: 'shape' | 'value';
}

export type OrderReading = { ok: true; order: PaymentOrder } | { ok: false; issues: FieldIssue[] };

/** Characters a pacs.008 text field can carry (XML 1.0 without control characters other than none). */
const PRINTABLE = /^[\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u;
const COUNTRY = /^[A-Z]{2}$/;
const CODE4 = /^[A-Z0-9]{1,4}$/;
const LOCAL_INSTRUMENT = /^[A-Za-z0-9]{1,35}$/;
const END_TO_END_ID = /^[\u0021-\u007e]([\u0020-\u007e]{0,33}[\u0021-\u007e])?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Shaped like an IBAN (country, check digits): such an account must pass the IBAN check, else it is another id. */
const IBAN_SHAPED = /^[A-Z]{2}[0-9]{2}[A-Z0-9]/;
export const MAX_REMITTANCE = 140;
const MAX_ADDRESS_LINES = 7;

/** The JSON type of a value, as a client would call it. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

/**
 * Reads the fields of a JSON body by path (own fields only: a `__proto__` key is an ordinary absent field),
 * gathering every issue instead of stopping at the first.
 */
export class JsonReader {
  readonly issues: FieldIssue[] = [];

  shape(path: string, message: string): void {
    this.issues.push({ path, message, kind: 'shape' });
  }

  value(path: string, message: string): void {
    this.issues.push({ path, message, kind: 'value' });
  }

  /** The own fields of an object at `path`, or null (with an issue when it is required or not an object). */
  object(parent: ReadonlyMap<string, unknown> | null, name: string, path: string, required: boolean): Map<string, unknown> | null {
    const v = parent?.get(name);
    if (v === undefined || v === null) {
      if (required) this.shape(path, 'is required: it must be an object');
      return null;
    }
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.shape(path, `must be an object, not ${typeOf(v)}`);
      return null;
    }
    return new Map(Object.entries(v));
  }

  /** A string field: trimmed-free text of 1..max characters matching `pattern` (when given). JSON null is absent. */
  string(
    fields: ReadonlyMap<string, unknown> | null,
    name: string,
    path: string,
    rule: { required: boolean; max: number; pattern?: RegExp; expected: string },
  ): string | null {
    const v = fields?.get(name);
    if (v === undefined || v === null) {
      if (rule.required && fields !== null) this.shape(path, `is required: it must be ${rule.expected}`);
      return null;
    }
    if (typeof v !== 'string') {
      this.shape(path, `must be ${rule.expected}, not ${typeOf(v)}`);
      return null;
    }
    const n = Array.from(v).length;
    if (n === 0 || n > rule.max || !PRINTABLE.test(v) || (rule.pattern !== undefined && !rule.pattern.test(v))) {
      this.value(path, `must be ${rule.expected}`);
      return null;
    }
    return v;
  }
}

export function readJsonObject(body: unknown, reader: JsonReader): Map<string, unknown> | null {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) {
    reader.shape(
      '',
      `the body must be a JSON object, not ${body === undefined ? 'empty' : body instanceof Uint8Array ? 'bytes' : typeOf(body)}`,
    );
    return null;
  }
  return new Map(Object.entries(body));
}

/** An account identifier: an IBAN (checked, spaces removed, upper case) or another id of at most 34 characters. */
export function readAccount(
  reader: JsonReader,
  fields: ReadonlyMap<string, unknown> | null,
  path: string,
  required = true,
): AccountRef | null {
  const raw = reader.string(fields, 'account', path, {
    required,
    max: 42,
    expected: 'an IBAN or another account id (at most 34 characters)',
  });
  if (raw === null) return null;
  const compact = raw.replace(/\s+/g, '').toUpperCase();
  if (IBAN_SHAPED.test(compact)) {
    try {
      return { iban: Iban.parse(compact).value, other: null };
    } catch (e) {
      if (!(e instanceof InvalidValueError)) throw e;
      reader.value(path, `is not a valid IBAN: ${e.message}`);
      return null;
    }
  }
  if (Array.from(raw).length > 34 || raw.trim() !== raw) {
    reader.value(path, 'must be an IBAN or another account id of 1 to 34 characters without surrounding spaces');
    return null;
  }
  return { iban: null, other: raw };
}

/** A BIC (ISO 9362), 8 or 11 characters, upper case. */
export function readBic(
  reader: JsonReader,
  fields: ReadonlyMap<string, unknown> | null,
  name: string,
  path: string,
  required: boolean,
): string | null {
  const raw = reader.string(fields, name, path, { required, max: 11, expected: 'a BIC (ISO 9362) of 8 or 11 characters' });
  if (raw === null) return null;
  if (!Bic.isValid(raw)) {
    reader.value(path, `is not a valid BIC (ISO 9362, 8 or 11 characters, upper case): ${JSON.stringify(raw)}`);
    return null;
  }
  return Bic.parse(raw).value;
}

/**
 * An amount `{value, currency}`: the value a decimal STRING (a JSON number is refused: money is never a
 * float), the currency an active ISO 4217 code, no more decimals than it has, more than zero.
 */
export function readAmount(reader: JsonReader, fields: ReadonlyMap<string, unknown> | null, path: string, required: boolean) {
  const amount = reader.object(fields, 'amount', path, required);
  if (amount === null) return null;
  const rawValue = amount.get('value');
  if (typeof rawValue === 'number') {
    reader.shape(`${path}.value`, 'must be a decimal string such as "12.50", not a JSON number (money is never a floating-point number)');
  }
  const value =
    typeof rawValue === 'number'
      ? null
      : reader.string(amount, 'value', `${path}.value`, { required: true, max: 40, expected: 'a decimal string such as "12.50"' });
  const currency = reader.string(amount, 'currency', `${path}.currency`, {
    required: true,
    max: 3,
    pattern: /^[A-Z]{3}$/,
    expected: 'an ISO 4217 currency code such as "EUR"',
  });
  if (currency !== null && !CurrencyCode.isActive(currency)) {
    reader.value(`${path}.currency`, `${currency} ${CurrencyCode.classify(currency).description}`);
    return null;
  }
  if (value === null || currency === null) return null;
  try {
    const money = Money.parse(value, currency);
    if (money.isZero()) {
      reader.value(`${path}.value`, 'must be more than zero');
      return null;
    }
    return { value: money.toDecimalString(), currency };
  } catch (e) {
    if (!(e instanceof InvalidAmountError) && !(e instanceof InvalidValueError)) throw e;
    reader.value(`${path}.value`, e.message);
    return null;
  }
}

function readDate(reader: JsonReader, fields: ReadonlyMap<string, unknown>, name: string): string | null {
  const raw = reader.string(fields, name, name, { required: false, max: 10, expected: 'a date YYYY-MM-DD' });
  if (raw === null) return null;
  const m = DATE.exec(raw);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || d.toISOString().slice(0, 10) !== raw) {
    reader.value(name, 'must be a date YYYY-MM-DD');
    return null;
  }
  return raw;
}

/**
 * Reads the body of `POST /v1/payments` (camelCase JSON): debtor {name, account, agent?, country?}, creditor
 * {name, account, agent, country?, address?: string[]}, amount {value: string, currency}, remittance?,
 * serviceLevel, localInstrument?, categoryPurpose?, endToEndId?, requestedExecutionDate?. Every wrong field is
 * named by its path (`creditor.account`, `amount.value`).
 */
export function readPaymentOrder(body: unknown): OrderReading {
  const reader = new JsonReader();
  const root = readJsonObject(body, reader);
  if (root === null) return { ok: false, issues: reader.issues };
  const name = (fields: Map<string, unknown> | null, path: string) =>
    reader.string(fields, 'name', path, { required: true, max: 140, expected: 'a name of 1 to 140 characters' });
  const country = (fields: Map<string, unknown> | null, path: string) =>
    reader.string(fields, 'country', path, {
      required: false,
      max: 2,
      pattern: COUNTRY,
      expected: 'an ISO 3166 alpha-2 country code such as "DE"',
    });

  const debtor = reader.object(root, 'debtor', 'debtor', true);
  const debtorName = name(debtor, 'debtor.name');
  const debtorAccount = readAccount(reader, debtor, 'debtor.account');
  const debtorAgent = readBic(reader, debtor, 'agent', 'debtor.agent', false);
  const debtorCountry = country(debtor, 'debtor.country');

  const creditor = reader.object(root, 'creditor', 'creditor', true);
  const creditorName = name(creditor, 'creditor.name');
  const creditorAccount = readAccount(reader, creditor, 'creditor.account');
  const creditorAgent = readBic(reader, creditor, 'agent', 'creditor.agent', creditor !== null);
  const creditorCountry = country(creditor, 'creditor.country');
  const addressLines = readAddress(reader, creditor);

  const amount = readAmount(reader, root, 'amount', true);
  const remittance = reader.string(root, 'remittance', 'remittance', {
    required: false,
    max: MAX_REMITTANCE,
    expected: `a text of 1 to ${MAX_REMITTANCE} characters`,
  });
  const serviceLevel = reader.string(root, 'serviceLevel', 'serviceLevel', {
    required: true,
    max: 4,
    pattern: CODE4,
    expected: 'an ExternalServiceLevel1Code of 1 to 4 capital letters or digits, e.g. SEPA, INST, URGP',
  });
  const localInstrument = reader.string(root, 'localInstrument', 'localInstrument', {
    required: false,
    max: 35,
    pattern: LOCAL_INSTRUMENT,
    expected: 'an ExternalLocalInstrument1Code of 1 to 35 letters or digits, e.g. INST',
  });
  const categoryPurpose = reader.string(root, 'categoryPurpose', 'categoryPurpose', {
    required: false,
    max: 4,
    pattern: CODE4,
    expected: 'an ExternalCategoryPurpose1Code of 1 to 4 capital letters or digits, e.g. SUPP',
  });
  const endToEndId = reader.string(root, 'endToEndId', 'endToEndId', {
    required: false,
    max: 35,
    pattern: END_TO_END_ID,
    expected: 'an id of 1 to 35 printable ASCII characters, no surrounding spaces',
  });
  const requestedExecutionDate = readDate(reader, root, 'requestedExecutionDate');

  if (reader.issues.length > 0) return { ok: false, issues: reader.issues };
  return {
    ok: true,
    order: {
      debtor: { name: debtorName!, account: debtorAccount!, agentBic: debtorAgent, country: debtorCountry },
      creditor: { name: creditorName!, account: creditorAccount!, agentBic: creditorAgent!, country: creditorCountry, addressLines },
      amount: amount!,
      remittance,
      serviceLevel,
      localInstrument,
      categoryPurpose,
      endToEndId,
      requestedExecutionDate,
    },
  };
}

/** `creditor.address`: up to 7 lines of at most 70 characters (the pacs.008's `PstlAdr/AdrLine`). */
function readAddress(reader: JsonReader, creditor: Map<string, unknown> | null): string[] {
  const v = creditor?.get('address');
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    reader.shape('creditor.address', `must be an array of address lines, not ${typeOf(v)}`);
    return [];
  }
  if (v.length > MAX_ADDRESS_LINES) reader.value('creditor.address', `must have at most ${MAX_ADDRESS_LINES} lines, not ${v.length}`);
  const lines: string[] = [];
  v.forEach((line: unknown, i) => {
    const path = `creditor.address[${i}]`;
    if (typeof line !== 'string') reader.shape(path, `must be a text line, not ${typeOf(line)}`);
    else if (Array.from(line).length < 1 || Array.from(line).length > 70 || !PRINTABLE.test(line))
      reader.value(path, 'must be a line of 1 to 70 characters');
    else lines.push(line);
  });
  return lines;
}
