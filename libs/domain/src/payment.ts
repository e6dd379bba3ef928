import { IllegalTransitionError, InvalidValueError } from './domain.errors.js';
import { Money } from './money.js';
import { canTransition, isTerminal, PaymentStatus } from './payment-status.js';

export interface StatusReason {
  code: string;
  text?: string | null;
}

export interface HistoryEntry {
  status: PaymentStatus;
  at: string;
  reason?: StatusReason;
}

/** The fields of the original message a status report must reference, and what the host needs to see. */
export interface PaymentDetails {
  messageType: string;
  msgId: string;
  creationDateTime: string | null;
  instrId: string | null;
  endToEndId: string;
  txId: string | null;
  uetr: string | null;
  /**
   * Interbank settlement amount, canonicalised at intake (canonicalAmount): Money.toDecimalString() of an amount
   * of an active currency ("1250.00" for "00001250.000"), else the canonical decimal for the currency rule to
   * reject; null when it could not be read. Records stored before canonicalisation may hold the message's
   * spelling: read it through Money.parse, which takes every spelling, never by comparing strings.
   */
  amount: { value: string; currency: string } | null;
  settlementDate: string | null;
  settlementMethod: string | null;
  chargeBearer: string | null;
  debtorName: string | null;
  debtorAccount: string | null;
  debtorAgent: string | null;
  creditorName: string | null;
  creditorAccount: string | null;
  creditorAgent: string | null;
  /**
   * ISO 3166 alpha-2 country of the debtor / creditor: the party's postal address country, else its IBAN's
   * country, else its agent's BIC country. Absent on payments stored before the field existed.
   */
  debtorCountry?: string | null;
  creditorCountry?: string | null;
  instructingAgent: string | null;
  instructedAgent: string | null;
  /** The business application header the message arrived with, when it had one. */
  appHeader: {
    from: string | null;
    to: string | null;
    bizMsgIdr: string;
    msgDefIdr: string;
    /** `head.001.001.02` / `.04`; absent on payments stored before answers carried an AppHdr. */
    version?: string;
    bizSvc?: string | null;
    creationDate?: string;
    /** Local name of the envelope the message came in (`Envelope`, `RequestPayload`, ...). */
    envelope?: string | null;
  } | null;
}

/**
 * What a transaction is. Every message posted to the inbox gets its own transaction: a payment (pacs.008,
 * or one built from a pain.001 transaction), or a message about another transaction.
 */
export type TransactionKind =
  | 'payment'
  /** pacs.028: a status request, answered with a pacs.002. */
  | 'status-request'
  /** camt.056: a cancellation request, answered with a camt.029. */
  | 'cancellation-request'
  /** pacs.004 arriving from downstream: a return of an earlier payment. */
  | 'return'
  /** pain.001: a customer initiation, split into payments and answered with a pain.002. */
  | 'initiation';

/** A consumer's or the gateway's decision on a payment (accept, reject, cancel, return, redrive, hold). */
export interface DecisionRecord {
  action: 'hold' | 'accept' | 'reject' | 'cancel' | 'return' | 'redrive';
  at: string;
  /** Client id of the API consumer, or `gateway` for policy decisions. */
  by: string;
  reason?: StatusReason | null;
  /** Hold rule that matched, for `hold`. */
  rule?: string;
}

/** A cancellation asked for a released payment (camt.056 to the host) and what came of it. */
export interface CancellationState {
  state: 'requested' | 'cancelled' | 'refused' | 'pending';
  requestedAt: string;
  decidedAt: string | null;
  reason: StatusReason | null;
  /** Why the host refused (camt.029 RJCR reason), when it did. */
  refusal: StatusReason | null;
  /** The camt.056 transaction that asked for it, when it came through the inbox. */
  requestTransactionId: string | null;
}

/** A return (pacs.004) of a settled payment, sent to the host or received from downstream. */
export interface ReturnState {
  direction: 'outbound' | 'inbound';
  state: 'requested' | 'accepted' | 'rejected' | 'pending' | 'received';
  at: string;
  decidedAt: string | null;
  reason: StatusReason | null;
  amount: { value: string; currency: string } | null;
  /** The pacs.004 transaction, when the return came through the inbox. */
  returnTransactionId: string | null;
}

/** Fields of the snapshot that `annotate` may change. */
export type AnnotationKey =
  | 'kind'
  | 'relatedTransactionId'
  | 'childTransactionIds'
  | 'channel'
  | 'hold'
  | 'cancellation'
  | 'returnInfo';

/** The persisted form of a payment. Plain data: adapters store it as it is (whole, as a document). */
export interface PaymentSnapshot extends PaymentDetails {
  /** Absent on payments stored before message kinds existed: read as `payment`. */
  kind?: TransactionKind;
  /** The transaction this one is about (the payment a camt.056 / pacs.028 / pacs.004 refers to), or the pain.001 a payment came from. */
  relatedTransactionId?: string | null;
  /** Transactions this one produced (the payments of a pain.001). */
  childTransactionIds?: string[];
  /** How it arrived: `api` or `mq`. */
  channel?: string;
  decisions?: DecisionRecord[];
  /** Set while a hold rule keeps the payment in PDNG waiting for a consumer's accept or reject. */
  hold?: { rule: string; at: string } | null;
  cancellation?: CancellationState | null;
  returnInfo?: ReturnState | null;
  id: string;
  clientId: string;
  status: PaymentStatus;
  reason: StatusReason | null;
  history: HistoryEntry[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface PaymentStatusChanged {
  readonly name: 'payment.status-changed';
  readonly transactionId: string;
  readonly from: PaymentStatus | null;
  readonly to: PaymentStatus;
  readonly reason: StatusReason | null;
  readonly at: string;
}

/**
 * The Payment aggregate: one customer credit transfer and its life through the status machine.
 * State changes go through `transition`, which refuses moves the status machine does not allow.
 * `version` is the optimistic-concurrency version of the stored copy this object was loaded from.
 */
export class Payment {
  private readonly pending: PaymentStatusChanged[] = [];

  private constructor(private state: PaymentSnapshot) {}

  static receive(input: { id: string; clientId: string; at: Date } & PaymentDetails): Payment {
    if (!input.msgId) throw new InvalidValueError('msgId', 'is required');
    if (!input.endToEndId) throw new InvalidValueError('endToEndId', 'is required');
    const at = input.at.toISOString();
    const { at: _at, ...details } = input;
    const payment = new Payment({
      ...details,
      status: PaymentStatus.RCVD,
      reason: null,
      history: [{ status: PaymentStatus.RCVD, at }],
      version: 0,
      createdAt: at,
      updatedAt: at,
    });
    payment.pending.push({
      name: 'payment.status-changed',
      transactionId: input.id,
      from: null,
      to: PaymentStatus.RCVD,
      reason: null,
      at,
    });
    return payment;
  }

  /** A message that arrived but could not be taken (e.g. schema-invalid): stored straight as RJCT. */
  static rejectOnReceipt(input: { id: string; clientId: string; at: Date } & PaymentDetails, reason: StatusReason): Payment {
    const payment = Payment.receive(input);
    payment.transition(PaymentStatus.RJCT, input.at, reason);
    return payment;
  }

  /**
   * A message about another transaction (pacs.028, camt.056, inbound pacs.004) or a pain.001: stored like a
   * payment so it has an id, a status and an outbox, but it never goes through the payment pipeline.
   */
  static receiveMessage(
    input: { id: string; clientId: string; at: Date; kind: Exclude<TransactionKind, 'payment'> } & PaymentDetails,
  ): Payment {
    const { kind, ...rest } = input;
    const message = Payment.receive(rest);
    message.state.kind = kind;
    return message;
  }

  static fromSnapshot(snapshot: PaymentSnapshot): Payment {
    return new Payment(structuredClone(snapshot));
  }

  get id(): string {
    return this.state.id;
  }
  get status(): PaymentStatus {
    return this.state.status;
  }
  get version(): number {
    return this.state.version;
  }
  /** The amount as Money; throws InvalidValueError when it is not money in an active currency. */
  get amount(): Money | null {
    return this.state.amount ? Money.parse(this.state.amount.value, this.state.amount.currency) : null;
  }
  get details(): Readonly<PaymentSnapshot> {
    return this.state;
  }
  get isTerminal(): boolean {
    return isTerminal(this.state.status);
  }

  /** Moves to `to`, recording why. Throws IllegalTransitionError when the status machine forbids it. */
  transition(to: PaymentStatus, at: Date, reason?: StatusReason): void {
    const from = this.state.status;
    if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
    const when = at.toISOString();
    this.state.status = to;
    this.state.reason = reason ?? (to === 'PDNG' ? this.state.reason : null);
    this.state.updatedAt = when;
    this.state.history.push(reason ? { status: to, at: when, reason } : { status: to, at: when });
    this.pending.push({
      name: 'payment.status-changed',
      transactionId: this.state.id,
      from,
      to,
      reason: reason ?? null,
      at: when,
    });
  }

  /**
   * Ends a message transaction: ACSC when what it asked for was done (its answer is in its outbox), RJCT
   * when it was refused. Payments use `transition`, which follows the status machine.
   */
  completeMessage(to: 'ACSC' | 'RJCT', at: Date, reason?: StatusReason): void {
    if (this.kind === 'payment') throw new IllegalTransitionError(this.state.status, to);
    if (this.isTerminal) throw new IllegalTransitionError(this.state.status, to);
    const from = this.state.status;
    const when = at.toISOString();
    this.state.status = to;
    this.state.reason = reason ?? null;
    this.state.updatedAt = when;
    this.state.history.push(reason ? { status: to, at: when, reason } : { status: to, at: when });
    this.pending.push({ name: 'payment.status-changed', transactionId: this.state.id, from, to, reason: reason ?? null, at: when });
  }

  /**
   * Changes what the transaction records besides its status (hold, decisions, cancellation, return, links).
   * Stored with the next write, like a transition; `updatedAt` moves so the sweepers see the change.
   */
  annotate(patch: Partial<Pick<PaymentSnapshot, AnnotationKey>>, at: Date): void {
    Object.assign(this.state, structuredClone(patch));
    this.state.updatedAt = at.toISOString();
  }

  /** Appends a decision to the record. */
  recordDecision(decision: DecisionRecord): void {
    this.state.decisions = [...(this.state.decisions ?? []), decision];
  }

  /** Whether a decision with this action was recorded. */
  hasDecision(action: DecisionRecord['action']): boolean {
    return (this.state.decisions ?? []).some((d) => d.action === action);
  }

  get kind(): TransactionKind {
    return this.state.kind ?? 'payment';
  }

  /** Held by a hold rule, waiting in PDNG for a consumer's accept or reject. */
  get isHeld(): boolean {
    return this.state.status === 'PDNG' && this.state.hold != null;
  }

  canMoveTo(to: PaymentStatus): boolean {
    return canTransition(this.state.status, to);
  }

  /** The events raised since load; the caller publishes them after the state is stored. */
  pullEvents(): PaymentStatusChanged[] {
    return this.pending.splice(0, this.pending.length);
  }

  toSnapshot(): PaymentSnapshot {
    return structuredClone(this.state);
  }
}
