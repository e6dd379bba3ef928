// SPDX-License-Identifier: Apache-2.0
import { Iso20022Error, type Pacs002Status } from './iso20022.types.js';
import { token } from './reader.helpers.js';
import { child, children, text, type XNode } from './xml-tree.js';

/**
 * Reads the status of a pacs.002 `Document` (FIToFIPmtStsRpt): the first `TxInfAndSts`, falling back to
 * `OrgnlGrpInfAndSts/GrpSts` (and its reason) when there is no transaction status. Several `AddtlInf`
 * lines are concatenated (they are one narrative cut in 105-character pieces).
 */
export function readPacs002Document(messageType: string, root: XNode): Pacs002Status {
  const body = child(root, 'FIToFIPmtStsRpt');
  if (root.name !== 'Document' || body === null) {
    throw new Iso20022Error('ISO20022.UNSUPPORTED_MESSAGE', `${messageType}: no FIToFIPmtStsRpt element`);
  }
  const grp = child(body, 'OrgnlGrpInfAndSts');
  const tx = child(body, 'TxInfAndSts');
  const txStatus = token(tx, 'TxSts');
  const status = txStatus ?? token(grp, 'GrpSts');
  const txReason = child(tx, 'StsRsnInf');
  const grpReason = child(grp, 'StsRsnInf');
  const reason = txStatus !== null ? (txReason ?? grpReason) : (grpReason ?? txReason);
  const addtl = children(reason, 'AddtlInf').map((n) => n.text);
  return {
    originalMsgId: text(grp, 'OrgnlMsgId') ?? text(tx, 'OrgnlGrpInf/OrgnlMsgId'),
    originalEndToEndId: text(tx, 'OrgnlEndToEndId'),
    originalUetr: token(tx, 'OrgnlUETR'),
    status,
    reasonCode: token(reason, 'Rsn/Cd') ?? token(reason, 'Rsn/Prtry'),
    reasonText: addtl.length > 0 ? addtl.join('') : null,
  };
}
