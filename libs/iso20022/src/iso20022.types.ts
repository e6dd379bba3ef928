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
  | 'ISO20022.SCHEMA_INVALID';

export interface XmlIssue {
  line?: number;
  path?: string;
  message: string;
}

/** Key fields that could still be read from a message that failed validation (to answer it with FF01). */
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

export interface AppHeader {
  /** `head.001.001.02`, ... */
  version: string;
  /** BIC (or other id) of the sender (`Fr`) and receiver (`To`). */
  from: string | null;
  to: string | null;
  bizMsgIdr: string;
  msgDefIdr: string;
  bizSvc: string | null;
  creationDate: string;
}

export interface ParsedMessage {
  /** The message id of the Document's namespace, e.g. `pacs.008.001.08`. */
  messageType: string;
  namespace: string;
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

/** What a pacs.002 (FIToFIPaymentStatusReport) is built from. */
export interface Pacs002Input {
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
