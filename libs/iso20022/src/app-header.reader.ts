import type { AppHeader } from './iso20022.types.js';
import { token } from './reader.helpers.js';
import { child, text, type XNode } from './xml-tree.js';

/**
 * Sender or receiver of a BAH (`Party44Choice` in head.001.001.02, `Party51Choice` in .04: the same
 * `FIId/FinInstnId` and `OrgId/Id/OrgId` paths): a BIC, else another identifier.
 */
function partyId(node: XNode | null): string | null {
  if (node === null) return null;
  const fi = child(child(node, 'FIId'), 'FinInstnId');
  if (fi !== null) {
    return token(fi, 'BICFI') ?? text(fi, 'ClrSysMmbId/MmbId') ?? token(fi, 'LEI') ?? text(fi, 'Othr/Id') ?? text(fi, 'Nm');
  }
  const org = child(node, 'OrgId');
  if (org !== null) {
    return token(org, 'Id/OrgId/AnyBIC') ?? token(org, 'Id/OrgId/LEI') ?? text(org, 'Id/OrgId/Othr/Id') ?? text(org, 'Nm');
  }
  return null;
}

/** Reads a business application header (head.001.001.xx `AppHdr`). */
export function readAppHeader(version: string, hdr: XNode): AppHeader {
  return {
    version,
    from: partyId(child(hdr, 'Fr')),
    to: partyId(child(hdr, 'To')),
    bizMsgIdr: text(hdr, 'BizMsgIdr') ?? '',
    msgDefIdr: token(hdr, 'MsgDefIdr') ?? '',
    bizSvc: text(hdr, 'BizSvc'),
    creationDate: token(hdr, 'CreDt') ?? '',
  };
}
