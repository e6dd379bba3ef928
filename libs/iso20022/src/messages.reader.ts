// SPDX-License-Identifier: Apache-2.0
/**
 * Readers of the messages around a payment's life after its pacs.008: status request (pacs.028),
 * cancellation request (camt.056) and its resolution (camt.029), return (pacs.004), and the customer
 * initiation (pain.001). Each maps a validated `Document` to plain data; amounts are the exact decimal
 * strings of the message.
 */
import {
  Iso20022Error,
  type Camt029,
  type Camt056,
  type Pacs004,
  type Pacs004Transaction,
  type Pacs028,
  type Pain001,
  type Pain001PaymentInformation,
  type Pain001Transaction,
} from './iso20022.types.js';
import {
  account,
  agent,
  amount,
  caseParty,
  count,
  groupRef,
  party,
  reasonInfo,
  required,
  requiredNode,
  token,
  transactionRef,
} from './reader.helpers.js';
import { child, children, text, type XNode } from './xml-tree.js';

function body(root: XNode, element: string, messageType: string): XNode {
  const b = child(root, element);
  if (root.name !== 'Document' || b === null) {
    throw new Iso20022Error('ISO20022.UNSUPPORTED_MESSAGE', `${messageType}: no ${element} element`);
  }
  return b;
}

function joinLines(node: XNode | null, name: string): string | null {
  const lines = children(node, name).map((n) => n.text);
  return lines.length > 0 ? lines.join('\n') : null;
}

/** pacs.028 FIToFIPmtStsReq. */
export function readPacs028Document(messageType: string, root: XNode): Pacs028 {
  const b = body(root, 'FIToFIPmtStsReq', messageType);
  const grp = child(b, 'GrpHdr');
  const tx = child(b, 'TxInf');
  return {
    messageType,
    msgId: required(grp, 'MsgId', messageType),
    creationDateTime: required(grp, 'CreDtTm', messageType).trim(),
    transaction: tx === null ? null : transactionRef(tx, groupRef(child(b, 'OrgnlGrpInf'))),
  };
}

/** camt.056 FIToFIPmtCxlReq. */
export function readCamt056Document(messageType: string, root: XNode): Camt056 {
  const b = body(root, 'FIToFIPmtCxlReq', messageType);
  const asg = requiredNode(b, 'Assgnmt', messageType);
  const cse = child(b, 'Case');
  const undrlyg = child(b, 'Undrlyg');
  const tx = child(undrlyg, 'TxInf');
  const groupCxl = child(undrlyg, 'OrgnlGrpInfAndCxl');
  return {
    messageType,
    assignment: {
      id: required(asg, 'Id', messageType),
      creationDateTime: required(asg, 'CreDtTm', messageType).trim(),
      assigner: caseParty(child(asg, 'Assgnr')),
      assignee: caseParty(child(asg, 'Assgne')),
    },
    caseId: text(cse, 'Id'),
    caseCreator: cse === null ? null : caseParty(child(cse, 'Cretr')),
    transaction:
      tx === null
        ? null
        : {
            cancellationId: text(tx, 'CxlId'),
            ...transactionRef(tx, groupRef(groupCxl)),
            interbankSettlementAmount: amount(child(tx, 'OrgnlIntrBkSttlmAmt')),
            interbankSettlementDate: token(tx, 'OrgnlIntrBkSttlmDt'),
            reason: reasonInfo(child(tx, 'CxlRsnInf')),
          },
  };
}

/** `TxCxlSts` (RJCR/ACCR/PDCR) and `Sts/Conf` (CNCL, RJCR, PDCR, ...) as one status. */
function cancellationStatus(txStatus: string | null, conf: string | null): string | null {
  if (txStatus === 'ACCR') return 'CNCL';
  if (txStatus !== null) return txStatus;
  return conf;
}

/** camt.029 RsltnOfInvstgtn: the status of the first cancellation it resolves. */
export function readCamt029Document(messageType: string, root: XNode): Camt029 {
  const b = body(root, 'RsltnOfInvstgtn', messageType);
  const asg = requiredNode(b, 'Assgnmt', messageType);
  const cxl = child(b, 'CxlDtls');
  const tx = child(cxl, 'TxInfAndSts');
  const conf = token(b, 'Sts/Conf');
  const txStatus = token(tx, 'TxCxlSts');
  const reason = reasonInfo(child(tx, 'CxlStsRsnInf')) ?? reasonInfo(child(child(cxl, 'OrgnlGrpInfAndSts'), 'CxlStsRsnInf'));
  return {
    messageType,
    assignmentId: required(asg, 'Id', messageType),
    creationDateTime: required(asg, 'CreDtTm', messageType).trim(),
    caseId: text(b, 'RslvdCase/Id') ?? text(tx, 'RslvdCase/Id'),
    status: cancellationStatus(txStatus, conf),
    confirmation: conf,
    transactionStatus: txStatus,
    reasonCode: reason === null ? null : (reason.code ?? reason.proprietary),
    reasonText: reason?.text ?? null,
    original: tx === null ? null : transactionRef(tx, groupRef(child(child(cxl, 'OrgnlGrpInfAndSts'), 'OrgnlGrpInf'))),
  };
}

/** pacs.004 PmtRtr: every returned transaction. */
export function readPacs004Document(messageType: string, root: XNode): Pacs004 {
  const b = body(root, 'PmtRtr', messageType);
  const grp = child(b, 'GrpHdr');
  const groupDate = token(grp, 'IntrBkSttlmDt');
  const msgGroup = groupRef(child(b, 'OrgnlGrpInf'));
  const transactions = children(b, 'TxInf').map((tx): Pacs004Transaction => ({
    returnId: text(tx, 'RtrId'),
    ...transactionRef(tx, msgGroup),
    returnedAmount: amount(requiredNode(tx, 'RtrdIntrBkSttlmAmt', messageType))!,
    interbankSettlementDate: token(tx, 'IntrBkSttlmDt') ?? groupDate,
    originalAmount: amount(child(tx, 'OrgnlIntrBkSttlmAmt')),
    chargeBearer: token(tx, 'ChrgBr'),
    reason: reasonInfo(child(tx, 'RtrRsnInf')),
  }));
  return {
    messageType,
    msgId: required(grp, 'MsgId', messageType),
    creationDateTime: required(grp, 'CreDtTm', messageType).trim(),
    numberOfTransactions: count(grp, 'NbOfTxs', messageType),
    settlementMethod: required(grp, 'SttlmInf/SttlmMtd', messageType).trim(),
    transactions,
  };
}

/** pain.001 CstmrCdtTrfInitn: group header, every payment information block and its transactions. */
export function readPain001Document(messageType: string, root: XNode): Pain001 {
  const b = body(root, 'CstmrCdtTrfInitn', messageType);
  const grp = child(b, 'GrpHdr');
  const paymentInformation = children(b, 'PmtInf').map((pi): Pain001PaymentInformation => {
    const transactions = children(pi, 'CdtTrfTxInf').map((tx): Pain001Transaction => {
      const pmtId = child(tx, 'PmtId');
      return {
        instrId: text(pmtId, 'InstrId'),
        endToEndId: required(pmtId, 'EndToEndId', messageType),
        uetr: token(pmtId, 'UETR'),
        instructedAmount: amount(child(child(tx, 'Amt'), 'InstdAmt')),
        equivalentAmount: amount(child(child(child(tx, 'Amt'), 'EqvtAmt'), 'Amt')),
        currencyOfTransfer: text(child(child(tx, 'Amt'), 'EqvtAmt'), 'CcyOfTrf'),
        chargeBearer: token(tx, 'ChrgBr'),
        creditorAgent: agent(child(tx, 'CdtrAgt')),
        creditor: party(child(tx, 'Cdtr')),
        creditorAccount: account(child(tx, 'CdtrAcct')),
        remittanceInformation: joinLines(child(tx, 'RmtInf'), 'Ustrd'),
      };
    });
    return {
      pmtInfId: required(pi, 'PmtInfId', messageType),
      requestedExecutionDate: (token(pi, 'ReqdExctnDt/Dt') ?? token(pi, 'ReqdExctnDt/DtTm') ?? '').trim(),
      debtor: party(child(pi, 'Dbtr')),
      debtorAccount: account(child(pi, 'DbtrAcct')),
      debtorAgent: agent(child(pi, 'DbtrAgt')),
      chargeBearer: token(pi, 'ChrgBr'),
      transactions,
    };
  });
  return {
    messageType,
    groupHeader: {
      msgId: required(grp, 'MsgId', messageType),
      creationDateTime: required(grp, 'CreDtTm', messageType).trim(),
      numberOfTransactions: count(grp, 'NbOfTxs', messageType),
      initiatingParty: party(child(grp, 'InitgPty')),
    },
    paymentInformation,
  };
}
