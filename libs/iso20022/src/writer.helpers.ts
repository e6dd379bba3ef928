// SPDX-License-Identifier: Apache-2.0
/**
 * Shared pieces of the writers: input checks that refuse (RangeError, naming the field) what the schema
 * would refuse, and the building blocks common to the messages (agents, parties, accounts, amounts,
 * references, reasons). The checks make a writer's output valid even when the codec has not loaded the
 * schema of that message; when it has, the codec validates the output as well.
 */
import type { Account, AgentId, Amount, OriginalGroupRef, OriginalTransactionRef, Party } from './iso20022.types.js';
import type { XmlBuilder } from './xml-writer.js';

export const ISO_NS = 'urn:iso:std:iso:20022:tech:xsd:';

/** ExternalCode types are 1 to 4 characters; a longer code goes to `Prtry` (Max35Text). */
export const MAX_EXTERNAL_CODE = 4;
const MAX_ADDTL_INF = 105;

const BIC = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;
const LEI = /^[A-Z0-9]{18}[0-9]{2}$/;
const UETR = /^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/;
const IBAN = /^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}$/;
const CURRENCY = /^[A-Z]{3}$/;
const COUNTRY = /^[A-Z]{2}$/;
// xs:decimal: optional sign, digits with an optional point (`1.`, `.5`, `+1` and `-0` are all decimals).
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;
// xs:date / xs:dateTime as XSD 1.0 has them (years of 4 or more digits, 24:00:00 as the end of a day).
const DATE = /^(\d{4,})-(\d{2})-(\d{2})(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?$/;
const DATE_TIME =
  /^(\d{4,})-(\d{2})-(\d{2})T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?|24:00:00(?:\.0+)?)(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?$/;

function fail(field: string, what: string): never {
  throw new RangeError(`${field}: ${what}`);
}

function validDay(y: string, m: string, d: string): boolean {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

/** Input checks; each returns the value (so it can be used inline) or throws RangeError. */
export const check = {
  /** MaxNText: 1 to `max` characters (code points, as XSD counts them). */
  text(field: string, v: string, max: number): string {
    const n = Array.from(v).length;
    if (n < 1 || n > max) fail(field, `must be 1 to ${max} characters, got ${n}`);
    return v;
  },
  optText(field: string, v: string | null | undefined, max: number): string | null {
    return v === null || v === undefined ? null : check.text(field, v, max);
  },
  id(field: string, v: string): string {
    return check.text(field, v, 35);
  },
  optId(field: string, v: string | null | undefined): string | null {
    return check.optText(field, v, 35);
  },
  bic(field: string, v: string): string {
    if (!BIC.test(v)) fail(field, `not a BIC (8 or 11 characters, upper case): ${JSON.stringify(v)}`);
    return v;
  },
  lei(field: string, v: string): string {
    if (!LEI.test(v)) fail(field, 'not an LEI');
    return v;
  },
  uetr(field: string, v: string | null | undefined): string | null {
    if (v === null || v === undefined) return null;
    if (!UETR.test(v)) fail(field, `not a UETR (lower-case UUID v4): ${JSON.stringify(v)}`);
    return v;
  },
  iban(field: string, v: string): string {
    if (!IBAN.test(v)) fail(field, 'not an IBAN');
    return v;
  },
  country(field: string, v: string | null): string | null {
    if (v !== null && !COUNTRY.test(v)) fail(field, `not an ISO 3166 country code: ${JSON.stringify(v)}`);
    return v;
  },
  code(field: string, v: string, allowed?: readonly string[]): string {
    if (allowed !== undefined) {
      if (!allowed.includes(v)) fail(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
      return v;
    }
    return check.text(field, v, MAX_EXTERNAL_CODE);
  },
  date(field: string, v: string | null | undefined): string | null {
    if (v === null || v === undefined) return null;
    const m = DATE.exec(v);
    if (m === null || !validDay(m[1]!, m[2]!, m[3]!)) fail(field, `not an ISO date (YYYY-MM-DD): ${JSON.stringify(v)}`);
    return v;
  },
  dateTime(field: string, v: string | null | undefined): string | null {
    if (v === null || v === undefined) return null;
    const m = DATE_TIME.exec(v);
    if (m === null || !validDay(m[1]!, m[2]!, m[3]!)) fail(field, `not an ISO date-time: ${JSON.stringify(v)}`);
    return v;
  },
  reqDateTime(field: string, v: string): string {
    return check.dateTime(field, v)!;
  },
  /** `Active(OrHistoric)CurrencyAndAmount`: a decimal >= 0, at most 5 fraction and 18 total digits. */
  amount(field: string, a: Amount | null): Amount | null {
    if (a === null) return null;
    if (!CURRENCY.test(a.currency)) fail(`${field}.currency`, `not an ISO 4217 code: ${JSON.stringify(a.currency)}`);
    const m = DECIMAL.exec(a.value);
    if (m === null || m[2]! + (m[3] ?? '') === '') fail(`${field}.value`, `not a decimal: ${JSON.stringify(a.value)}`);
    // Digits count as in the value: leading zeros of the integer part and trailing zeros of the fraction do not.
    const int = m[2]!.replace(/^0+/, '');
    const frac = (m[3] ?? '').replace(/0+$/, '');
    if (m[1] === '-' && int + frac !== '') fail(`${field}.value`, `negative: ${JSON.stringify(a.value)}`);
    if (frac.length > 5) fail(`${field}.value`, 'more than 5 fraction digits');
    if (int.length + frac.length > 18) fail(`${field}.value`, 'more than 18 digits');
    return a;
  },
  agent(field: string, a: AgentId | null): AgentId | null {
    if (a === null) return null;
    if (a.bic !== null) check.bic(`${field}.bic`, a.bic);
    check.optText(`${field}.clearingSystem`, a.clearingSystem, 5);
    if (a.clearingSystem !== null && a.memberId === null) fail(`${field}.memberId`, 'required with a clearing system');
    check.optId(`${field}.memberId`, a.memberId);
    check.optText(`${field}.name`, a.name, 140);
    return a;
  },
  party(field: string, p: Party | null): Party | null {
    if (p === null) return null;
    check.optText(`${field}.name`, p.name, 140);
    check.country(`${field}.country`, p.country);
    const lines = p.addressLines ?? [];
    if (lines.length > 7) fail(`${field}.addressLines`, `at most 7 lines, got ${lines.length}`);
    lines.forEach((l, i) => check.text(`${field}.addressLines[${i}]`, l, 70));
    return p;
  },
  account(field: string, a: Account | null): Account | null {
    if (a === null) return null;
    if (a.iban !== null) check.iban(`${field}.iban`, a.iban);
    else if (a.other !== null) check.text(`${field}.other`, a.other, 34);
    else fail(field, 'needs an IBAN or another id');
    return a;
  },
  group(field: string, g: OriginalGroupRef): OriginalGroupRef {
    check.id(`${field}.msgId`, g.msgId);
    check.id(`${field}.msgNmId`, g.msgNmId);
    check.dateTime(`${field}.creationDateTime`, g.creationDateTime);
    return g;
  },
  ref(field: string, r: OriginalTransactionRef): OriginalTransactionRef {
    if (r.group !== null) check.group(`${field}.group`, r.group);
    check.optId(`${field}.instrId`, r.instrId);
    check.optId(`${field}.endToEndId`, r.endToEndId);
    check.optId(`${field}.txId`, r.txId);
    check.uetr(`${field}.uetr`, r.uetr);
    return r;
  },
  reason(field: string, r: { code: string; text: string | null } | null): void {
    if (r === null) return;
    check.text(`${field}.code`, r.code, 35);
    if (r.text !== null && r.text.length === 0) fail(`${field}.text`, 'must not be empty (use null)');
  },
};

/** Cuts a narrative in pieces of at most 105 characters (code points, as XSD counts them). */
export function splitNarrative(text: string, max = MAX_ADDTL_INF): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += max) out.push(chars.slice(i, i + max).join(''));
  return out;
}

/** `<name><FinInstnId>BICFI, ClrSysMmbId, Nm</FinInstnId></name>`; nothing when `a` is null. */
export function writeAgent(b: XmlBuilder, name: string, a: AgentId | null): void {
  if (a === null) return;
  b.open(name).open('FinInstnId');
  b.leaf('BICFI', a.bic);
  if (a.memberId !== null) {
    b.open('ClrSysMmbId');
    if (a.clearingSystem !== null) b.open('ClrSysId').leaf('Cd', a.clearingSystem).close();
    b.leaf('MmbId', a.memberId).close();
  }
  b.leaf('Nm', a.name);
  b.close().close();
}

/** `Assgnmt` of a camt.056 / camt.029: its id, the assigner and assignee agents, and its creation time. */
export function writeAssignment(
  b: XmlBuilder,
  a: { assignmentId: string; assigner: AgentId; assignee: AgentId; creationDateTime: string },
): void {
  b.open('Assgnmt').leaf('Id', a.assignmentId);
  b.open('Assgnr');
  writeAgent(b, 'Agt', a.assigner);
  b.close().open('Assgne');
  writeAgent(b, 'Agt', a.assignee);
  b.close().leaf('CreDtTm', a.creationDateTime).close();
}

/** A `PartyIdentification135`: name and postal country. */
export function writeParty(b: XmlBuilder, name: string, p: Party): void {
  b.open(name).leaf('Nm', p.name);
  const lines = p.addressLines ?? [];
  if (p.country !== null || lines.length > 0) {
    b.open('PstlAdr').leaf('Ctry', p.country);
    for (const line of lines) b.leaf('AdrLine', line);
    b.close();
  }
  b.close();
}

/** A `CashAccount38`: IBAN or `Othr/Id`. */
export function writeAccount(b: XmlBuilder, name: string, a: Account | null): void {
  if (a === null) return;
  b.open(name).open('Id');
  if (a.iban !== null) b.leaf('IBAN', a.iban);
  else b.open('Othr').leaf('Id', a.other).close();
  b.close().close();
}

export function writeAmount(b: XmlBuilder, name: string, a: Amount | null): void {
  if (a !== null) b.leaf(name, a.value, { Ccy: a.currency });
}

export function writeGroupRef(b: XmlBuilder, name: string, g: OriginalGroupRef | null): void {
  if (g === null) return;
  b.open(name).leaf('OrgnlMsgId', g.msgId).leaf('OrgnlMsgNmId', g.msgNmId).leaf('OrgnlCreDtTm', g.creationDateTime).close();
}

/** A reason block: `Rsn/Cd` (or `Rsn/Prtry` for a code longer than 4) and the narrative in `AddtlInf` lines. */
export function writeReason(b: XmlBuilder, name: string, r: { code: string; text: string | null } | null): void {
  if (r === null) return;
  b.open(name).open('Rsn');
  if (Array.from(r.code).length <= MAX_EXTERNAL_CODE) b.leaf('Cd', r.code);
  else b.leaf('Prtry', r.code);
  b.close();
  if (r.text) for (const line of splitNarrative(r.text)) b.leaf('AddtlInf', line);
  b.close();
}
