// SPDX-License-Identifier: Apache-2.0
/**
 * The public contract of libs/iso20022. The gateway, the simulator and the adapters depend on these
 * shapes only. Plain data: no libxml2 objects ever leave this library.
 */

export type Iso20022ErrorCode =
  | 'ISO20022.NOT_XML'
  | 'ISO20022.TOO_LARGE'
  | 'ISO20022.TOO_DEEP'
  | 'ISO20022.DTD_FORBIDDEN'
  | 'ISO20022.UNSUPPORTED_MESSAGE'
  | 'ISO20022.SCHEMA_INVALID'
  /** Bytes that are not valid UTF-8 (invalid or overlong sequences, encoded surrogates). */
  | 'ISO20022.INVALID_ENCODING'
  /** Another encoding: declared (`encoding="ISO-8859-1"`) or shown by a UTF-16/UTF-32 byte order mark or layout. */
  | 'ISO20022.UNSUPPORTED_ENCODING'
  /** Content beside the one AppHdr (optional) and the one Document of an envelope, or XInclude, or a PI. */
  | 'ISO20022.ENVELOPE_INVALID';

export interface XmlIssue {
  line?: number;
  path?: string;
  message: string;
}

/**
 * Key fields that could still be read from a message that failed validation (to answer it with FF01).
 * The codec keeps only values a pacs.002 can echo as they are (ids of at most 35 characters, a valid
 * ISODateTime, a lower-case UUIDv4 UETR); a field that is not valid for echo is left out.
 */
export interface PartialIdentification {
  messageType?: string;
  msgId?: string;
  creationDateTime?: string;
  endToEndId?: string;
  txId?: string;
  instrId?: string;
  uetr?: string;
}

export class Iso20022Error extends Error {
  constructor(
    readonly code: Iso20022ErrorCode,
    message: string,
    readonly issues: XmlIssue[] = [],
    readonly partial: PartialIdentification = {},
  ) {
    super(message);
    this.name = 'Iso20022Error';
  }
}

export interface ParseLimits {
  /** Largest accepted input, in bytes (UTF-8). */
  maxBytes: number;
  /** Deepest accepted element nesting (the Document root is depth 1). */
  maxDepth: number;
}

/**
 * A party of a business application header (`Fr`, `To`): a financial institution (`FIId`) or an
 * organisation (`OrgId`). Kept in full so that an answer can name it exactly as the original did.
 */
export interface HeaderParty {
  kind: 'FIId' | 'OrgId';
  /** `BICFI` (FIId) or `AnyBIC` (OrgId). */
  bic: string | null;
  /** FIId only: clearing-system member id. */
  clearingSystem: string | null;
  memberId: string | null;
  lei: string | null;
  name: string | null;
  /** `Othr/Id`. */
  otherId: string | null;
}

export interface AppHeader {
  /** `head.001.001.02`, ... */
  version: string;
  /** BIC (or other id) of the sender (`Fr`) and receiver (`To`). */
  from: string | null;
  to: string | null;
  /** `Fr` and `To` in full (set by the reader; optional so older literals still type-check). */
  fromParty?: HeaderParty | null;
  toParty?: HeaderParty | null;
  bizMsgIdr: string;
  msgDefIdr: string;
  bizSvc: string | null;
  creationDate: string;
}

/** A message whose Document (and AppHdr) carry no namespace, and the same text with them put in (Iso20022Codec.missingNamespace). */
export interface MissingNamespace {
  /** The message id the AppHdr's `MsgDefIdr` names (a Document schema the codec has). */
  messageType: string;
  /** The namespace the Document is put in: `urn:iso:std:iso:20022:tech:xsd:<MsgDefIdr>`. */
  documentNamespace: string;
  /** The namespace an AppHdr without one is put in (head.001.001.02); null when the AppHdr had its own. */
  headerNamespace: string | null;
  /** The ids a pacs.002 can echo, read from the Document as it came. */
  partial: PartialIdentification;
  /** The message as received (decoded, a byte order mark dropped). */
  received: string;
  /** The same text with a default namespace declaration added to the Document's (and AppHdr's) start tag. */
  repaired: string;
}

export interface ParsedMessage {
  /** The message id of the Document's namespace, e.g. `pacs.008.001.08`. */
  messageType: string;
  namespace: string;
  /**
   * The whole message exactly as validated (decoded from strict UTF-8, a byte order mark dropped): the
   * AppHdr and Document in their envelope, or the bare Document. Archive and forward this, never the input.
   */
  xml: string;
  /** The `Document` element alone, serialized (no envelope, no AppHdr). */
  document: string;
  appHeader: AppHeader | null;
  /** Local name of the transport envelope around AppHdr/Document (`Envelope`, `Request`, ...), or null. */
  envelope: string | null;
}

/** A financial institution: by BIC, or by clearing-system member id (e.g. USABA 021000021). */
export interface AgentId {
  bic: string | null;
  clearingSystem: string | null;
  memberId: string | null;
  name: string | null;
}

export interface Party {
  name: string | null;
  /** Country of the postal address, when given. */
  country: string | null;
  /** Unstructured lines of the postal address (`PstlAdr/AdrLine`, at most 7 of 70), written when given. */
  addressLines?: readonly string[];
}

export interface Account {
  iban: string | null;
  /** `Othr/Id` when the account is not an IBAN. */
  other: string | null;
  /**
   * `Prxy/Id` (an alias such as a phone number or e-mail), present only when the message gives one. From
   * pacs.008.001.10 on (CashAccount40) an account may be identified by its proxy alone: `iban` and
   * `other` are then both null.
   */
  proxy?: string;
}

export interface Amount {
  /** Decimal string exactly as in the message (never a float). */
  value: string;
  currency: string;
}

export interface Pacs008Transaction {
  instrId: string | null;
  endToEndId: string;
  txId: string | null;
  uetr: string | null;
  interbankSettlementAmount: Amount;
  interbankSettlementDate: string | null;
  instructedAmount: Amount | null;
  chargeBearer: string | null;
  instructingAgent: AgentId | null;
  instructedAgent: AgentId | null;
  debtor: Party;
  debtorAccount: Account | null;
  debtorAgent: AgentId | null;
  creditor: Party;
  creditorAccount: Account | null;
  creditorAgent: AgentId | null;
  remittanceInformation: string | null;
  /**
   * `PmtTpInf/SvcLvl` (the first one), `PmtTpInf/LclInstrm`, `PmtTpInf/CtgyPurp`: `Cd`, else `Prtry`. Each is
   * the transaction's own when it gives one, else the group header's (`GrpHdr/PmtTpInf`).
   */
  serviceLevel: string | null;
  localInstrument: string | null;
  categoryPurpose: string | null;
  /** The creditor agent's `ClrSysMmbId/ClrSysId/Cd`, else the settlement's `GrpHdr/SttlmInf/ClrSys` (`Cd`, else `Prtry`). */
  clearingSystem: string | null;
}

export interface Pacs008 {
  messageType: string;
  groupHeader: {
    msgId: string;
    creationDateTime: string;
    numberOfTransactions: number;
    settlementMethod: string;
    clearingSystem: string | null;
    /** At group level (pacs.008.001.08 allows both levels). */
    totalInterbankSettlementAmount: Amount | null;
    interbankSettlementDate: string | null;
    instructingAgent: AgentId | null;
    instructedAgent: AgentId | null;
  };
  transactions: Pacs008Transaction[];
}

/** pacs.002 versions Clearway writes: the generation that answers pacs.008 .08 / .10 / .12. */
export type Pacs002Version = 'pacs.002.001.10' | 'pacs.002.001.12' | 'pacs.002.001.14';

/** What a pacs.002 (FIToFIPaymentStatusReport) is built from. */
export interface Pacs002Input {
  /** Default `pacs.002.001.10`. */
  version?: Pacs002Version;
  msgId: string;
  creationDateTime: string;
  /** The agents of the report: normally the original's instructed agent reports to its instructing agent. */
  instructingAgent: AgentId | null;
  instructedAgent: AgentId | null;
  original: {
    msgId: string;
    /** Message name id of the original, e.g. `pacs.008.001.08`. */
    msgNmId: string;
    creationDateTime: string | null;
    instrId: string | null;
    endToEndId: string | null;
    txId: string | null;
    uetr: string | null;
    amount: Amount | null;
    settlementDate: string | null;
  };
  /** ExternalPaymentTransactionStatus1Code: ACSC, RJCT, ... */
  status: string;
  /** ExternalStatusReason1Code and optional narrative (AddtlInf, max 105 chars per line). */
  reason: { code: string; text: string | null } | null;
  acceptanceDateTime: string | null;
}

/** The status a pacs.002 reports for its (first) transaction. */
export interface Pacs002Status {
  originalMsgId: string | null;
  originalEndToEndId: string | null;
  originalUetr: string | null;
  status: string | null;
  reasonCode: string | null;
  reasonText: string | null;
}

/** `OrgnlGrpInf`: the message an answer refers to. */
export interface OriginalGroupRef {
  msgId: string;
  /** Message name id of the original, e.g. `pacs.008.001.08`. */
  msgNmId: string;
  creationDateTime: string | null;
}

/** The references of one original transaction, as carried by pacs.028, camt.056, camt.029, pacs.004. */
export interface OriginalTransactionRef {
  group: OriginalGroupRef | null;
  instrId: string | null;
  endToEndId: string | null;
  txId: string | null;
  uetr: string | null;
}

/** A reason: ISO code (`Rsn/Cd`) or proprietary (`Rsn/Prtry`), and the narrative (`AddtlInf` lines joined). */
export interface ReasonInfo {
  code: string | null;
  proprietary: string | null;
  text: string | null;
}

/** A `Party40Choice` (assigner, assignee, case creator): an agent or a party. */
export interface CaseParty {
  agent: AgentId | null;
  party: Party | null;
}

/** pacs.028 FIToFIPaymentStatusRequest: the header and the first transaction asked about. */
export interface Pacs028 {
  messageType: string;
  msgId: string;
  creationDateTime: string;
  /** `TxInf[1]`, with the message-level `OrgnlGrpInf` when the transaction has none; null when absent. */
  transaction: OriginalTransactionRef | null;
}

/** camt.056 FIToFIPaymentCancellationRequest: assignment, case and the first underlying transaction. */
export interface Camt056 {
  messageType: string;
  assignment: { id: string; creationDateTime: string; assigner: CaseParty; assignee: CaseParty };
  caseId: string | null;
  caseCreator: CaseParty | null;
  transaction:
    | (OriginalTransactionRef & {
        cancellationId: string | null;
        interbankSettlementAmount: Amount | null;
        interbankSettlementDate: string | null;
        reason: ReasonInfo | null;
      })
    | null;
}

/** What a camt.029 says about the first cancellation it resolves. */
export interface Camt029 {
  messageType: string;
  assignmentId: string;
  creationDateTime: string;
  /** `RslvdCase/Id` (message level, else transaction level). */
  caseId: string | null;
  /**
   * `CNCL` (cancelled: `TxCxlSts` ACCR or `Sts/Conf` CNCL), `RJCR` (refused), `PDCR` (pending), or
   * another `Sts/Conf` code as sent; null when neither is given.
   */
  status: string | null;
  /** `Sts/Conf` as sent. */
  confirmation: string | null;
  /** `TxCxlSts` as sent. */
  transactionStatus: string | null;
  reasonCode: string | null;
  reasonText: string | null;
  original: OriginalTransactionRef | null;
}

export interface Pacs004Transaction extends OriginalTransactionRef {
  returnId: string | null;
  returnedAmount: Amount;
  interbankSettlementDate: string | null;
  originalAmount: Amount | null;
  chargeBearer: string | null;
  reason: ReasonInfo | null;
}

/** pacs.004 PaymentReturn. */
export interface Pacs004 {
  messageType: string;
  msgId: string;
  creationDateTime: string;
  numberOfTransactions: number;
  settlementMethod: string;
  transactions: Pacs004Transaction[];
}

export interface Pain001Transaction {
  instrId: string | null;
  endToEndId: string;
  uetr: string | null;
  /** `Amt/InstdAmt`; null when the amount is given as `Amt/EqvtAmt`. */
  instructedAmount: Amount | null;
  /** `Amt/EqvtAmt/Amt` (an amount in the debtor's currency to be converted), else null. */
  equivalentAmount: Amount | null;
  /** `Amt/EqvtAmt/CcyOfTrf`: the currency to transfer the equivalent amount in. */
  currencyOfTransfer: string | null;
  chargeBearer: string | null;
  creditorAgent: AgentId | null;
  creditor: Party;
  creditorAccount: Account | null;
  remittanceInformation: string | null;
}

export interface Pain001PaymentInformation {
  pmtInfId: string;
  /** `ReqdExctnDt/Dt`, or `ReqdExctnDt/DtTm` as sent. */
  requestedExecutionDate: string;
  debtor: Party;
  debtorAccount: Account | null;
  debtorAgent: AgentId | null;
  chargeBearer: string | null;
  transactions: Pain001Transaction[];
}

/** pain.001 CustomerCreditTransferInitiation. */
export interface Pain001 {
  messageType: string;
  groupHeader: { msgId: string; creationDateTime: string; numberOfTransactions: number; initiatingParty: Party };
  paymentInformation: Pain001PaymentInformation[];
}

/** What a camt.029.001.09 (ResolutionOfInvestigation) answering a camt.056 is built from. */
export interface Camt029Input {
  /** `Assgnmt/Id`: this message's id. */
  assignmentId: string;
  creationDateTime: string;
  /** Normally the camt.056's assignee (we) answering its assigner. */
  assigner: AgentId;
  assignee: AgentId;
  /** `RslvdCase`: the camt.056's case (id and creator), when it had one. */
  resolvedCase: { id: string; creator: AgentId } | null;
  /** `CNCL`: the payment is cancelled; `RJCR`: the cancellation is refused. */
  status: 'CNCL' | 'RJCR';
  /** `CxlStsId`: e.g. the camt.056's `CxlId`. */
  cancellationStatusId: string | null;
  /** The original payment (`OrgnlGrpInf` is written when `group` is given). */
  original: OriginalTransactionRef;
  /** ExternalPaymentCancellationRejection1Code (e.g. LEGL, CUST, NOOR, ARDT) and narrative; RJCR only. */
  reason: { code: string; text: string | null } | null;
  originalAmount: Amount | null;
  originalSettlementDate: string | null;
}

/**
 * What a pacs.028.001.03 (FIToFIPaymentStatusRequest) about one payment is built from: the gateway asking
 * the agent it released a payment to for that payment's status (answered by a pacs.002).
 */
export interface Pacs028Input {
  /** `GrpHdr/MsgId`: this request's id. */
  msgId: string;
  creationDateTime: string;
  /** `TxInf/StsReqId`: an id of this status request for the transaction (optional). */
  statusRequestId: string | null;
  /** The payment asked about: `TxInf/OrgnlGrpInf` (its pacs.008's MsgId, MsgNmId, CreDtTm) and its references. */
  original: OriginalTransactionRef & { group: OriginalGroupRef };
  /** `TxInf/InstgAgt` (we) and `TxInf/InstdAgt` (the agent asked), when known. */
  instructingAgent: AgentId | null;
  instructedAgent: AgentId | null;
}

/** What a camt.056.001.08 (FIToFIPaymentCancellationRequest) is built from. */
export interface Camt056Input {
  assignmentId: string;
  creationDateTime: string;
  assigner: AgentId;
  assignee: AgentId;
  /** `Case`: id and creator (defaults to the assigner). */
  caseId: string | null;
  cancellationId: string | null;
  original: OriginalTransactionRef & { group: OriginalGroupRef };
  amount: Amount | null;
  settlementDate: string | null;
  /** ExternalCancellationReason1Code: CUST, DUPL, FRAD, TECH, ...; text goes to AddtlInf. */
  reason: { code: string; text: string | null };
}

/** What a pacs.004.001.09 (PaymentReturn) of one transaction is built from. */
export interface Pacs004Input {
  msgId: string;
  creationDateTime: string;
  /** `SttlmInf/SttlmMtd` (default CLRG). */
  settlementMethod?: string;
  instructingAgent: AgentId | null;
  instructedAgent: AgentId | null;
  returnId: string | null;
  original: OriginalTransactionRef & { group: OriginalGroupRef };
  originalAmount: Amount | null;
  originalSettlementDate: string | null;
  returnedAmount: Amount;
  /** `IntrBkSttlmDt` of the return. */
  settlementDate: string | null;
  chargeBearer: string | null;
  /** ExternalReturnReason1Code: AC04, AM09, CUST, FOCR, ... */
  reason: { code: string; text: string | null };
}

/** What a pain.002.001.10 (CustomerPaymentStatusReport) answering a pain.001 is built from. */
export interface Pain002Input {
  msgId: string;
  creationDateTime: string;
  initiatingParty: Party | null;
  original: { msgId: string; msgNmId: string; creationDateTime: string | null; numberOfTransactions: number | null };
  /** ExternalPaymentGroupStatus1Code of the whole pain.001 (ACCP, ACTC, PART, RJCT, ...), null to leave it out. */
  groupStatus: string | null;
  groupReason: { code: string; text: string | null } | null;
  /** One entry per payment information block reported on. */
  paymentInformation: {
    pmtInfId: string;
    status: string | null;
    transactions: {
      instrId: string | null;
      endToEndId: string;
      uetr: string | null;
      status: string;
      reason: { code: string; text: string | null } | null;
    }[];
  }[];
}

/** What a pacs.008.001.08 of one transaction (e.g. mapped from a pain.001 transaction) is built from. */
/** `PmtTpInf` of a transaction: codes of the external code sets (ExternalServiceLevel1Code, ...). */
export interface PaymentTypeInformation {
  /** `SvcLvl/Cd`, e.g. `SEPA`, `INST`, `URGP` (1-4 characters). */
  serviceLevel: string | null;
  /** `LclInstrm/Cd`, e.g. `INST`, `CORE` (1-35 characters). */
  localInstrument: string | null;
  /** `CtgyPurp/Cd`, e.g. `SUPP`, `SALA` (1-4 characters). */
  categoryPurpose: string | null;
}

export interface Pacs008Input {
  msgId: string;
  creationDateTime: string;
  /** `SttlmInf/SttlmMtd`: INDA, INGA, COVE, CLRG. */
  settlementMethod: string;
  clearingSystem: string | null;
  transaction: Omit<
    Pacs008Transaction,
    'interbankSettlementDate' | 'instructedAmount' | 'serviceLevel' | 'localInstrument' | 'categoryPurpose' | 'clearingSystem'
  > & {
    interbankSettlementDate: string | null;
    instructedAmount: Amount | null;
    /** `PmtTpInf` (after `PmtId`); absent or all null: not written. */
    paymentType?: PaymentTypeInformation | null;
  };
}

/** Business application header versions Clearway writes. */
export type AppHdrVersion = 'head.001.001.02' | 'head.001.001.04';

/** What an outgoing `AppHdr` is built from. */
export interface AppHdrInput {
  version: AppHdrVersion;
  /** A party in full, or a BIC (written as `FIId/FinInstnId/BICFI`). */
  from: HeaderParty | string;
  to: HeaderParty | string;
  bizMsgIdr: string;
  /** The message id of the Document it travels with, e.g. `pacs.002.001.10`. */
  msgDefIdr: string;
  bizSvc: string | null;
  creationDate: string;
  /** `Rltd`: the header of the message this one answers. */
  related: AppHeader | null;
}
