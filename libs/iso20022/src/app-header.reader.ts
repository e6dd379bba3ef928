// SPDX-License-Identifier: Apache-2.0
import type { AppHeader, HeaderParty } from './iso20022.types.js';
import { token } from './reader.helpers.js';
import { child, text, type XNode } from './xml-tree.js';

/**
 * Sender or receiver of a BAH (`Party44Choice` in head.001.001.02, `Party51Choice` in .04: the same
 * `FIId/FinInstnId` and `OrgId/Id/OrgId` paths) in full.
 */
function headerParty(node: XNode | null): HeaderParty | null {
  if (node === null) return null;
  const fi = child(child(node, 'FIId'), 'FinInstnId');
  if (fi !== null) {
    return {
      kind: 'FIId',
      bic: token(fi, 'BICFI'),
      clearingSystem: token(fi, 'ClrSysMmbId/ClrSysId/Cd'),
      memberId: text(fi, 'ClrSysMmbId/MmbId'),
      lei: token(fi, 'LEI'),
      name: text(fi, 'Nm'),
      otherId: text(fi, 'Othr/Id'),
    };
  }
  const org = child(node, 'OrgId');
  if (org !== null) {
    return {
      kind: 'OrgId',
      bic: token(org, 'Id/OrgId/AnyBIC'),
      clearingSystem: null,
      memberId: null,
      lei: token(org, 'Id/OrgId/LEI'),
      name: text(org, 'Nm'),
      otherId: text(org, 'Id/OrgId/Othr/Id'),
    };
  }
  return null;
}

/** One string for a party: a BIC, else another identifier, else its name. */
function partyId(p: HeaderParty | null): string | null {
  if (p === null) return null;
  return p.bic ?? p.memberId ?? p.lei ?? p.otherId ?? p.name;
}

/** Reads a business application header (head.001.001.xx `AppHdr`). */
export function readAppHeader(version: string, hdr: XNode): AppHeader {
  const fromParty = headerParty(child(hdr, 'Fr'));
  const toParty = headerParty(child(hdr, 'To'));
  return {
    version,
    from: partyId(fromParty),
    to: partyId(toParty),
    fromParty,
    toParty,
    bizMsgIdr: text(hdr, 'BizMsgIdr') ?? '',
    msgDefIdr: token(hdr, 'MsgDefIdr') ?? '',
    bizSvc: text(hdr, 'BizSvc'),
    creationDate: token(hdr, 'CreDt') ?? '',
  };
}
