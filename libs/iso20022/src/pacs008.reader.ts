// SPDX-License-Identifier: Apache-2.0
import { Iso20022Error, type Pacs008, type Pacs008Transaction } from './iso20022.types.js';
import { account, agent, amount, party, required, requiredNode, token } from './reader.helpers.js';
import { at, child, children, text, type XNode } from './xml-tree.js';

/** `<name>/Cd`, else `<name>/Prtry`, of the first `<name>` in a `PmtTpInf` (SvcLvl may repeat), or null. */
function codeOrProprietary(pmtTpInf: XNode | null, name: string): string | null {
  const choice = child(pmtTpInf, name);
  return token(choice, 'Cd') ?? text(choice, 'Prtry');
}

/**
 * Maps a validated pacs.008 `Document` (FIToFICstmrCdtTrf) to plain data. Agents given at group level
 * (`GrpHdr/InstgAgt`, `GrpHdr/InstdAgt`, `GrpHdr/IntrBkSttlmDt`) are used for a transaction that does not
 * carry its own, and so is each field of the group's payment type (`GrpHdr/PmtTpInf`).
 *
 * One reader for pacs.008.001.08, .10 and .12: every element read here has the same name and place in
 * the three versions. What changed underneath does not move them: agents are
 * BranchAndFinancialInstitutionIdentification6 (.08, .10) or 8 (.12), parties PartyIdentification135 or
 * 272 with PostalAddress24 or 27 (`Nm`, `PstlAdr/Ctry` unchanged), the settlement instruction 7, 11 or 15
 * (`SttlmMtd`, `ClrSys`), `PmtId` PaymentIdentification7 or 13 (13 adds `ClrSysRef`, `UETR` unchanged),
 * amounts unchanged. Accounts are CashAccount38 (.08) or 40 (.10, .12), where `Id` became optional: an
 * account may then be known by its proxy only (see `Account.proxy`).
 */
export function readPacs008Document(messageType: string, root: XNode): Pacs008 {
  const body = child(root, 'FIToFICstmrCdtTrf');
  if (root.name !== 'Document' || body === null) {
    throw new Iso20022Error('ISO20022.UNSUPPORTED_MESSAGE', `${messageType}: no FIToFICstmrCdtTrf element`);
  }
  const grp = child(body, 'GrpHdr');
  const groupInstg = agent(child(grp, 'InstgAgt'));
  const groupInstd = agent(child(grp, 'InstdAgt'));
  const groupDate = token(grp, 'IntrBkSttlmDt');
  const groupPmtTp = child(grp, 'PmtTpInf');
  const groupClrSys = token(grp, 'SttlmInf/ClrSys/Cd') ?? token(grp, 'SttlmInf/ClrSys/Prtry');
  const nb = required(grp, 'NbOfTxs', messageType).trim();
  const transactions = children(body, 'CdtTrfTxInf').map((tx): Pacs008Transaction => {
    const pmtId = child(tx, 'PmtId');
    const rmt = child(tx, 'RmtInf');
    const ustrd = children(rmt, 'Ustrd').map((n) => n.text);
    const pmtTp = child(tx, 'PmtTpInf');
    const cdtrAgt = child(tx, 'CdtrAgt');
    return {
      instrId: text(pmtId, 'InstrId'),
      endToEndId: required(pmtId, 'EndToEndId', messageType),
      txId: text(pmtId, 'TxId'),
      uetr: token(pmtId, 'UETR'),
      interbankSettlementAmount: amount(requiredNode(tx, 'IntrBkSttlmAmt', messageType))!,
      interbankSettlementDate: token(tx, 'IntrBkSttlmDt') ?? groupDate,
      instructedAmount: amount(child(tx, 'InstdAmt')),
      chargeBearer: token(tx, 'ChrgBr'),
      instructingAgent: agent(child(tx, 'InstgAgt')) ?? groupInstg,
      instructedAgent: agent(child(tx, 'InstdAgt')) ?? groupInstd,
      debtor: party(child(tx, 'Dbtr')),
      debtorAccount: account(child(tx, 'DbtrAcct')),
      debtorAgent: agent(child(tx, 'DbtrAgt')),
      creditor: party(child(tx, 'Cdtr')),
      creditorAccount: account(child(tx, 'CdtrAcct')),
      creditorAgent: agent(cdtrAgt),
      remittanceInformation: ustrd.length > 0 ? ustrd.join('\n') : null,
      serviceLevel: codeOrProprietary(pmtTp, 'SvcLvl') ?? codeOrProprietary(groupPmtTp, 'SvcLvl'),
      localInstrument: codeOrProprietary(pmtTp, 'LclInstrm') ?? codeOrProprietary(groupPmtTp, 'LclInstrm'),
      categoryPurpose: codeOrProprietary(pmtTp, 'CtgyPurp') ?? codeOrProprietary(groupPmtTp, 'CtgyPurp'),
      clearingSystem: token(cdtrAgt, 'FinInstnId/ClrSysMmbId/ClrSysId/Cd') ?? groupClrSys,
    };
  });
  return {
    messageType,
    groupHeader: {
      msgId: required(grp, 'MsgId', messageType),
      creationDateTime: required(grp, 'CreDtTm', messageType).trim(),
      numberOfTransactions: Number.parseInt(nb, 10),
      settlementMethod: required(grp, 'SttlmInf/SttlmMtd', messageType).trim(),
      clearingSystem: groupClrSys,
      totalInterbankSettlementAmount: amount(at(grp, 'TtlIntrBkSttlmAmt')),
      interbankSettlementDate: groupDate,
      instructingAgent: groupInstg,
      instructedAgent: groupInstd,
    },
    transactions,
  };
}
