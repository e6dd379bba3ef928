// SPDX-License-Identifier: Apache-2.0
import {
  Iso20022Error,
  type Account,
  type AgentId,
  type Amount,
  type CaseParty,
  type OriginalGroupRef,
  type OriginalTransactionRef,
  type Party,
  type ReasonInfo,
} from './iso20022.types.js';
import { at, child, children, text, type XNode } from './xml-tree.js';

/** Text of a required leaf; a missing one means the message was not validated (a caller bug). */
export function required(node: XNode | null, path: string, what: string): string {
  const v = text(node, path);
  if (v === null) {
    throw new Iso20022Error('ISO20022.SCHEMA_INVALID', `${what}: missing ${path}`, [{ path, message: `missing ${path}` }]);
  }
  return v;
}

/** A required element (see `required`). */
export function requiredNode(node: XNode | null, path: string, what: string): XNode {
  const n = at(node, path);
  if (n === null) {
    throw new Iso20022Error('ISO20022.SCHEMA_INVALID', `${what}: missing ${path}`, [{ path, message: `missing ${path}` }]);
  }
  return n;
}

/** Codes, dates and decimals: XSD collapses their whitespace, so do we. */
export function token(node: XNode | null, path: string): string | null {
  const v = text(node, path);
  return v === null ? null : v.trim();
}

/** An amount element with its `Ccy` attribute; the value is the exact decimal string of the message. */
export function amount(node: XNode | null): Amount | null {
  if (node === null) return null;
  return { value: node.text.trim(), currency: (node.attrs?.['Ccy'] ?? '').trim() };
}

/** A `BranchAndFinancialInstitutionIdentification*` element: BIC, or clearing-system member id. */
export function agent(node: XNode | null): AgentId | null {
  if (node === null) return null;
  const fi = child(node, 'FinInstnId');
  return {
    bic: token(fi, 'BICFI'),
    clearingSystem: token(fi, 'ClrSysMmbId/ClrSysId/Cd') ?? token(fi, 'ClrSysMmbId/ClrSysId/Prtry'),
    memberId: text(fi, 'ClrSysMmbId/MmbId'),
    name: text(fi, 'Nm'),
  };
}

/** A `PartyIdentification*` element: name and postal country. */
export function party(node: XNode | null): Party {
  return { name: text(node, 'Nm'), country: token(node, 'PstlAdr/Ctry') };
}

/** A `CashAccount*` element (38 in 2019, 40 from 2021 on, where `Id` is optional): IBAN, `Othr/Id`, proxy. */
export function account(node: XNode | null): Account | null {
  if (node === null) return null;
  const id = at(node, 'Id');
  const out: Account = { iban: token(id, 'IBAN'), other: text(id, 'Othr/Id') };
  const proxy = text(node, 'Prxy/Id');
  if (proxy !== null) out.proxy = proxy;
  return out;
}

/** An `OrgnlGrpInf` / `OrgnlGrpInfAndSts` element: the original message's id, name id and creation time. */
export function groupRef(node: XNode | null): OriginalGroupRef | null {
  if (node === null) return null;
  return {
    msgId: text(node, 'OrgnlMsgId') ?? '',
    msgNmId: token(node, 'OrgnlMsgNmId') ?? '',
    creationDateTime: token(node, 'OrgnlCreDtTm'),
  };
}

/** The `Orgnl*` references of one transaction element; `group` falls back to the message-level one. */
export function transactionRef(tx: XNode, fallbackGroup: OriginalGroupRef | null = null): OriginalTransactionRef {
  return {
    group: groupRef(child(tx, 'OrgnlGrpInf')) ?? fallbackGroup,
    instrId: text(tx, 'OrgnlInstrId'),
    endToEndId: text(tx, 'OrgnlEndToEndId'),
    txId: text(tx, 'OrgnlTxId'),
    uetr: token(tx, 'OrgnlUETR'),
  };
}

/** A reason element (`Rsn/Cd` or `Rsn/Prtry`, `AddtlInf` lines joined: one narrative cut in pieces). */
export function reasonInfo(node: XNode | null): ReasonInfo | null {
  if (node === null) return null;
  const addtl = children(node, 'AddtlInf').map((n) => n.text);
  return { code: token(node, 'Rsn/Cd'), proprietary: text(node, 'Rsn/Prtry'), text: addtl.length > 0 ? addtl.join('') : null };
}

/** A `Party40Choice`: `Agt` or `Pty`. */
export function caseParty(node: XNode | null): CaseParty {
  const agt = child(node, 'Agt');
  const pty = child(node, 'Pty');
  return { agent: agent(agt), party: pty === null ? null : party(pty) };
}

/** A `Max15NumericText` count. */
export function count(node: XNode | null, path: string, what: string): number {
  return Number.parseInt(required(node, path, what).trim(), 10);
}
