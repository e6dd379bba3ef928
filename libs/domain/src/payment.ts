// SPDX-License-Identifier: Apache-2.0
import { IllegalTransitionError, InvalidValueError } from './domain.errors.js';
import { Money } from './money.js';
import { canTransition, isTerminal, PaymentStatus, ReasonCode } from './payment-status.js';

export interface StatusReason {
  code: string;
  text?: string | null;
}

export interface HistoryEntry {
  status: PaymentStatus;
  at: string;
  reason?: StatusReason;
  /** The downstream connector the payment was released to (ACSP entries, with a routing table). */
  connector?: string;
}

/** A connector left out of a payment's route, and why (a stable code and a sentence). */
export interface RouteRefusal {
  connector: string;
  code: string;
  reason: string;
}

/**
 * Where a payment goes downstream (issue 14): the routing decision made when it was processed (the rule that
 * matched, the eligible connectors in order, those left out and why), the connector it is released to, and every
 * move to another connector. A move happens only before delivery: once a delivery to `connector` has started
 * (`delivery: 'started'`, stored before the call), the payment stays with that connector whatever happens to the
 * call, so an unknown outcome is never followed by a second delivery elsewhere.
 */
export interface PaymentRoute {
  /** Rule id that matched, or null for the default route. */
  rule: string | null;
  strategy: string;
  /** Eligible connectors in the order to try them: the first is the choice, the rest fallbacks. */
  candidates: string[];
  refused: RouteRefusal[];
  decidedAt: string;
  /** The connector it is (or will be) delivered to; null while no candidate could be tried. */
  connector: string | null;
  /**
   * `started`: a delivery to `connector` was started (or may have been): no move to another connector from then.
   * `not-started`: no delivery to `connector` was made, or the last one was refused before anything was sent.
   */
  delivery: 'not-started' | 'started';
  /** Moves to another connector before delivery, oldest first. */
  failovers: { from: string | null; to: string; code: string; reason: string; at: string }[];
}

/** A party of a business application header (`Fr`, `To`) as it came: a financial institution or an organisation. */
export interface AppHeaderParty {
  kind: 'FIId' | 'OrgId';
  bic: string | null;
  clearingSystem: string | null;
  memberId: string | null;
  lei: string | null;
  name: string | null;
  otherId: string | null;
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
  /**
   * What routing rules match on, read from the message at intake (absent on payments stored before the fields
   * existed): `PmtTpInf/SvcLvl` (the first), `PmtTpInf/LclInstrm`, `PmtTpInf/CtgyPurp` (`Cd`, else `Prtry`; the
   * transaction's own, else the group header's); the creditor agent's clearing member id
   * (`CdtrAgt/FinInstnId/ClrSysMmbId/MmbId`); the clearing system: the creditor agent's
   * `ClrSysMmbId/ClrSysId/Cd`, else `GrpHdr/SttlmInf/ClrSys` (`Cd`, else `Prtry`).
   */
  serviceLevel?: string | null;
  localInstrument?: string | null;
  categoryPurpose?: string | null;
  creditorAgentMemberId?: string | null;
  clearingSystem?: string | null;
  instructingAgent: string | null;
  instructedAgent: string | null;
  /** The business application header the message arrived with, when it had one (answers are built from it). */
  appHeader: {
    from: string | null;
    to: string | null;
    /** `Fr` and `To` in full, so an answer names them exactly as the original did (absent on older payments). */
    fromParty?: AppHeaderParty | null;
    toParty?: AppHeaderParty | null;
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

/** The message a payment was created from: the exact text that was validated (by its SHA-256), and how it came. */
export interface InboundRef {
  messageType: string;
  /** Hex SHA-256 of the message's UTF-8 bytes; release sends only the archived message with this digest. */
  sha256: string;
  channel: string;
}

/** An outgoing message (report, answer, request to the host) committed with a state of the transaction. */
export interface OutgoingRef {
  messageType: string;
  sha256: string;
  at: string;
}

/**
 * A released payment whose outcome at the host is not known (its answer was late or lost at the SLA): it is
 * never reported rejected; the gateway asks the host (a pacs.028 status request) until a definitive answer.
 */
export interface Investigation {
  since: string;
  /** Status requests sent so far. */
  inquiries: number;
  lastAskedAt: string | null;
  /** What the last inquiry got back (host unreachable, still pending, no record, ...). */
  lastAnswer: string | null;
}

/** What a transaction is created from: its id, its owner, when, how it came, and the details of its message. */
export type ReceiptInput = {
  id: string;
  clientId: string;
  at: Date;
  /** How it arrived: `api`, `mq`, `pain.001`. */
  channel?: string;
  /** The transaction this one is about, or the pain.001 a payment came from. */
  relatedTransactionId?: string | null;
} & PaymentDetails;

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
  /** The message this transaction was created from (absent on transactions stored before it was recorded). */
  inbound?: InboundRef | null;
  /**
   * The outgoing messages committed with this transaction's states, oldest first: its outbox serves only these
   * (absent on transactions stored before it was recorded: then every archived outgoing message counts).
   */
  outbox?: OutgoingRef[];
  /** Set while the payment's outcome at the host is unknown and being investigated. */
  investigation?: Investigation | null;
  /** Where it goes downstream, once routed (absent without a routing table, and on payments stored before it). */
  route?: PaymentRoute | null;
  /** The region that took it (REGION_ID); absent on transactions stored before regions were recorded. */
  homeRegion?: string;
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

  static receive(input: ReceiptInput): Payment {
    if (!input.msgId) throw new InvalidValueError('msgId', 'is required');
    if (!input.endToEndId) throw new InvalidValueError('endToEndId', 'is required');
    const at = input.at.toISOString();
    const { at: _at, relatedTransactionId, ...details } = input;
    const payment = new Payment({
      ...details,
      kind: 'payment',
      ...(relatedTransactionId ? { relatedTransactionId } : {}),
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
  static rejectOnReceipt(input: ReceiptInput, reason: StatusReason): Payment {
    const payment = Payment.receive(input);
    payment.transition(PaymentStatus.RJCT, input.at, reason);
    return payment;
  }

  /**
   * A message about another transaction (pacs.028, camt.056, inbound pacs.004) or a pain.001: stored like a
   * payment so it has an id, a status and an outbox, but it never goes through the payment pipeline.
   */
  static receiveMessage(input: ReceiptInput & { kind: Exclude<TransactionKind, 'payment'> }): Payment {
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
  private transition(to: PaymentStatus, at: Date, reason?: StatusReason, connector?: string): void {
    const from = this.state.status;
    if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
    const when = at.toISOString();
    this.state.status = to;
    this.state.reason = reason ?? (to === 'PDNG' ? this.state.reason : null);
    this.state.updatedAt = when;
    this.state.history.push({ status: to, at: when, ...(reason ? { reason } : {}), ...(connector ? { connector } : {}) });
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

  /** The region that takes this transaction; set once, at receipt. */
  receivedIn(region: string): void {
    if (this.state.homeRegion !== undefined && this.state.homeRegion !== region) {
      throw new InvalidValueError('homeRegion', `a transaction keeps the region that took it (${this.state.homeRegion})`);
    }
    this.state.homeRegion = region;
  }

  /** The message this transaction was created from; set once, at receipt. */
  ownInboundMessage(ref: InboundRef): void {
    if (this.state.inbound && this.state.inbound.sha256 !== ref.sha256) {
      throw new InvalidValueError('inbound', 'a transaction keeps the message it was created from');
    }
    this.state.inbound = { ...ref };
  }

  /** An outgoing message that is stored together with the next write of this transaction (its outbox serves it). */
  recordOutgoing(ref: OutgoingRef): void {
    const outbox = this.state.outbox ?? [];
    if (outbox.some((o) => o.sha256 === ref.sha256 && o.messageType === ref.messageType)) return;
    this.state.outbox = [...outbox, { ...ref }];
  }

  /**
   * The host's outcome of a released payment is not known (its answer was late or lost when the SLA ran out):
   * the payment waits in PDNG under investigation, never reported rejected, until the host's definitive answer.
   */
  markOutcomeUnknown(at: Date, why: string): void {
    if (this.kind !== 'payment' || this.isHeld) throw new IllegalTransitionError(this.state.status, 'PDNG');
    if (this.state.status !== 'ACSP' && this.state.status !== 'PDNG') throw new IllegalTransitionError(this.state.status, 'PDNG');
    if (this.state.investigation && !this.isTerminal) return;
    const when = at.toISOString();
    this.state.investigation = { since: when, inquiries: 0, lastAskedAt: null, lastAnswer: null };
    const reason = { code: ReasonCode.NARRATIVE, text: `outcome at the host unknown, investigating: ${why}`.slice(0, 105) };
    if (this.state.status === 'ACSP') {
      this.transition(PaymentStatus.PDNG, at, reason);
    } else {
      // Already PDNG (the host said pending): the same status, now under investigation.
      this.state.reason = reason;
      this.state.updatedAt = when;
      this.state.history.push({ status: PaymentStatus.PDNG, at: when, reason });
    }
  }

  /** One status request was sent to the host about an unknown outcome, with what came of it. */
  recordInquiry(at: Date, answer: string): void {
    const inv = this.state.investigation;
    if (!inv) throw new InvalidValueError('investigation', 'the payment is not under investigation');
    const when = this.touch(at);
    this.state.investigation = { ...inv, inquiries: inv.inquiries + 1, lastAskedAt: when, lastAnswer: answer.slice(0, 200) };
  }

  /** Under investigation: released, its outcome at the host unknown, not yet answered. */
  get isOutcomeUnknown(): boolean {
    return this.state.investigation != null && !this.isTerminal;
  }

  /** Appends a decision to the record. */
  private recordDecision(decision: DecisionRecord): void {
    this.state.decisions = [...(this.state.decisions ?? []), decision];
  }

  private touch(at: Date): string {
    const when = at.toISOString();
    this.state.updatedAt = when;
    return when;
  }

  private assertPayment(action: string): void {
    if (this.kind !== 'payment') throw new InvalidValueError('kind', `a ${this.kind} cannot be ${action}`);
  }

  /** Nothing went downstream yet: received, technically valid, or held for a decision. */
  get isBeforeRelease(): boolean {
    return this.state.status === 'RCVD' || this.state.status === 'ACTC' || this.isHeld;
  }

  /** The business rules passed: technically and business valid (ACTC), with the notes of passing rules. */
  passValidation(at: Date, note?: StatusReason): void {
    this.assertPayment('validated');
    if (this.state.status !== 'RCVD') throw new IllegalTransitionError(this.state.status, 'ACTC');
    this.transition(PaymentStatus.ACTC, at, note);
  }

  /** A business rule (or the core-mode ledger's preconditions) refused the payment before release (RJCT). */
  failValidation(reason: StatusReason, at: Date): void {
    this.assertPayment('refused');
    if (this.state.status !== 'RCVD' && this.state.status !== 'ACTC' && this.state.status !== 'ACSP')
      throw new IllegalTransitionError(this.state.status, 'RJCT');
    this.transition(PaymentStatus.RJCT, at, reason);
  }

  /**
   * Released downstream (ACSP): stored before the host is called, so a crash means an idempotent re-delivery.
   * With a route, `via` names the connector the delivery starts to (one of the route's candidates) and the
   * candidates passed over before it because they could not take it now (circuit open, closed, throttled).
   */
  markReleased(at: Date, via?: { connector: string; skipped: readonly RouteRefusal[] }): void {
    this.assertPayment('released');
    if (this.state.status !== 'ACTC') throw new IllegalTransitionError(this.state.status, 'ACSP');
    if (via) this.startDelivery(via.connector, via.skipped, at);
    else if (this.state.route) throw new InvalidValueError('route', 'a routed payment is released to one of its connectors');
    this.transition(PaymentStatus.ACSP, at, undefined, via?.connector);
  }

  /**
   * The routing decision made for this payment (before release): the rule, the eligible connectors in order and
   * those left out. Deciding again (after a hold, or when no candidate was eligible) replaces an earlier decision,
   * which is allowed only while nothing was delivered.
   */
  routeTo(
    decision: { rule: string | null; strategy: string; candidates: readonly string[]; refused: readonly RouteRefusal[] },
    at: Date,
  ): void {
    this.assertPayment('routed');
    if (!this.isBeforeRelease) throw new InvalidValueError('route', `a payment in ${this.state.status} is not routed again`);
    this.state.route = {
      rule: decision.rule,
      strategy: decision.strategy,
      candidates: [...decision.candidates],
      refused: decision.refused.map((r) => ({ ...r })),
      decidedAt: this.touch(at),
      connector: decision.candidates[0] ?? null,
      delivery: 'not-started',
      failovers: [],
    };
  }

  /** A routed payment whose delivery may have started: it stays with its connector. */
  get deliveryStarted(): boolean {
    return this.state.route?.delivery === 'started';
  }

  /**
   * The delivery to the payment's connector was refused before anything was sent (connection refused, circuit
   * open, the connector's answer that it took nothing): the payment may move to another candidate. Only a
   * delivery that certainly sent nothing may be reported so.
   */
  deliveryRefused(at: Date): void {
    const route = this.state.route;
    if (!route || this.state.status !== 'ACSP' || route.delivery !== 'started') {
      throw new InvalidValueError('route', 'only a started delivery of a released, routed payment can be refused');
    }
    route.delivery = 'not-started';
    this.touch(at);
  }

  /**
   * Starts (again) a delivery of a released payment whose last delivery sent nothing: to the same connector or, a
   * failover, to another candidate. Recorded in the history when the connector changes.
   */
  resumeDelivery(connector: string, skipped: readonly RouteRefusal[], at: Date): void {
    const route = this.state.route;
    if (!route || this.state.status !== 'ACSP' || route.delivery !== 'not-started') {
      throw new InvalidValueError('route', 'a delivery resumes only on a released payment whose last delivery sent nothing');
    }
    const from = route.connector;
    this.startDelivery(connector, skipped, at);
    if (from !== connector) {
      const move = route.failovers[route.failovers.length - 1]!;
      this.state.history.push({
        status: this.state.status,
        at: at.toISOString(),
        reason: { code: ReasonCode.NARRATIVE, text: `failed over from ${from} to ${connector}: ${move.reason}` },
        connector,
      });
    }
  }

  private startDelivery(connector: string, skipped: readonly RouteRefusal[], at: Date): void {
    const route = this.state.route;
    if (!route) throw new InvalidValueError('route', 'the payment has no route');
    if (!route.candidates.includes(connector))
      throw new InvalidValueError('route', `${connector} is not a candidate of the payment's route`);
    const when = this.touch(at);
    if (route.connector !== connector) {
      const why = skipped.find((s) => s.connector === route.connector) ?? skipped[skipped.length - 1];
      route.failovers.push({
        from: route.connector,
        to: connector,
        code: why?.code ?? 'UNAVAILABLE',
        reason: why?.reason ?? `${route.connector ?? 'no connector'} could not take it`,
        at: when,
      });
      route.connector = connector;
    }
    route.delivery = 'started';
  }

  /**
   * No connector can take the payment, and nothing was delivered anywhere: RJCT with the ISO reason the routing
   * gives (AG03, TM01, AM02, ...). Refused once a delivery may have started: that outcome is unknown, not a rejection.
   */
  refuseRoute(reason: StatusReason, at: Date): void {
    this.assertPayment('refused');
    if (this.deliveryStarted)
      throw new InvalidValueError('route', 'a payment whose delivery started is never rejected for want of a route');
    if (this.state.status !== 'RCVD' && this.state.status !== 'ACTC' && this.state.status !== 'ACSP' && !this.isHeld)
      throw new IllegalTransitionError(this.state.status, 'RJCT');
    this.state.hold = null;
    this.transition(PaymentStatus.RJCT, at, reason);
  }

  /**
   * What the host (or, in core mode, the gateway's own settlement) answered for the released payment: settled
   * (ACSC), rejected with its reason (RJCT), or pending (parked in PDNG). A definitive answer ends an
   * investigation. Returns false when a pending answer changes nothing (already parked).
   */
  applyHostOutcome(outcome: { kind: 'settled' } | { kind: 'rejected'; reason: StatusReason } | { kind: 'pending' }, at: Date): boolean {
    this.assertPayment('settled');
    const to = outcome.kind === 'settled' ? PaymentStatus.ACSC : outcome.kind === 'rejected' ? PaymentStatus.RJCT : PaymentStatus.PDNG;
    if ((this.state.status !== 'ACSP' && this.state.status !== 'PDNG') || this.isHeld)
      throw new IllegalTransitionError(this.state.status, to);
    if (outcome.kind === 'pending') {
      if (this.state.status === 'PDNG') return false;
      this.transition(PaymentStatus.PDNG, at, { code: ReasonCode.NARRATIVE, text: 'awaiting the legacy host' });
      return true;
    }
    this.transition(to, at, outcome.kind === 'rejected' ? outcome.reason : undefined);
    return true;
  }

  /**
   * The SLA ran out before the payment was released, or while it was held (RJCT with the timeout reason). A
   * payment released to a host is never timed out into a rejection: its outcome is unknown
   * (markOutcomeUnknown). `inHouse`: the gateway settles it itself (core mode), so nothing left the gateway.
   */
  timeOut(reason: StatusReason, at: Date, inHouse = false): void {
    this.assertPayment('timed out');
    const inHouseWait = inHouse && (this.state.status === 'ACSP' || this.state.status === 'PDNG');
    if (!this.isBeforeRelease && !inHouseWait) throw new IllegalTransitionError(this.state.status, 'RJCT');
    this.state.hold = null;
    this.transition(PaymentStatus.RJCT, at, reason);
  }

  /** A hold rule matched: PDNG until a consumer accepts or rejects it (or the SLA ends it). */
  hold(ruleId: string, at: Date): void {
    this.assertPayment('held');
    if (this.state.status !== 'RCVD') throw new IllegalTransitionError(this.state.status, 'PDNG');
    const when = at.toISOString();
    this.state.hold = { rule: ruleId, at: when };
    this.recordDecision({ action: 'hold', at: when, by: 'gateway', rule: ruleId });
    this.transition(PaymentStatus.PDNG, at, { code: ReasonCode.NARRATIVE, text: `held by rule ${ruleId}: awaiting a consumer decision` });
  }

  /**
   * No connector can take the payment now and its routing rule says to hold it for an operator (PDNG, held):
   * an accept sends it on to release, where it is routed again; a reject ends it.
   */
  holdForRoute(ruleId: string, why: string, at: Date): void {
    this.assertPayment('held');
    if (this.state.status !== 'RCVD' && this.state.status !== 'ACTC') throw new IllegalTransitionError(this.state.status, 'PDNG');
    if (this.deliveryStarted) throw new InvalidValueError('route', 'a payment whose delivery started is not held for a route');
    const when = at.toISOString();
    this.state.hold = { rule: ruleId, at: when };
    this.recordDecision({ action: 'hold', at: when, by: 'gateway', rule: ruleId });
    this.transition(PaymentStatus.PDNG, at, { code: ReasonCode.NARRATIVE, text: `held by route ${ruleId}: ${why}`.slice(0, 105) });
  }

  /** A consumer accepts a held payment: it goes on to release (ACTC). */
  accept(by: string, at: Date): void {
    if (!this.isHeld) throw new IllegalTransitionError(this.state.status, 'ACTC');
    this.state.hold = null;
    this.recordDecision({ action: 'accept', at: at.toISOString(), by, reason: null });
    this.transition(PaymentStatus.ACTC, at);
  }

  /** A consumer rejects a payment before it was released (RJCT with the consumer's reason). */
  reject(by: string, reason: StatusReason, at: Date): void {
    if (!this.isBeforeRelease) throw new IllegalTransitionError(this.state.status, 'RJCT');
    this.state.hold = null;
    this.recordDecision({ action: 'reject', at: at.toISOString(), by, reason });
    this.transition(PaymentStatus.RJCT, at, reason);
  }

  /** A cancellation before release: nothing went downstream, so it is cancelled here and now (CANC). */
  cancelBeforeRelease(by: string, reason: StatusReason, requestTransactionId: string | null, at: Date): void {
    if (!this.isBeforeRelease) throw new IllegalTransitionError(this.state.status, 'CANC');
    const when = at.toISOString();
    this.recordDecision({ action: 'cancel', at: when, by, reason });
    this.state.hold = null;
    this.state.cancellation = { state: 'cancelled', requestedAt: when, decidedAt: when, reason, refusal: null, requestTransactionId };
    this.transition(PaymentStatus.CANC, at, reason);
  }

  /** A cancellation of a released payment: asked of the host (camt.056), which decides. */
  requestCancellation(by: string, reason: StatusReason, requestTransactionId: string | null, at: Date): void {
    this.assertPayment('cancelled');
    if (this.isTerminal && this.state.status !== 'ACSC') throw new IllegalTransitionError(this.state.status, 'CANC');
    const when = this.touch(at);
    this.recordDecision({ action: 'cancel', at: when, by, reason });
    this.state.cancellation = { state: 'requested', requestedAt: when, decidedAt: null, reason, refusal: null, requestTransactionId };
  }

  /**
   * What came of a cancellation: the host (or, in core mode, the gateway's own ledger) cancelled it (CANC),
   * refused it (the payment stands, the refusal recorded), or has not decided yet.
   */
  applyCancellationOutcome(
    outcome: { kind: 'cancelled' } | { kind: 'refused'; refusal: StatusReason } | { kind: 'pending' },
    at: Date,
  ): void {
    const c = this.state.cancellation;
    if (!c) throw new InvalidValueError('cancellation', 'no cancellation was asked for');
    const when = this.touch(at);
    switch (outcome.kind) {
      case 'cancelled':
        this.state.cancellation = { ...c, state: 'cancelled', decidedAt: when, refusal: null };
        this.transition(PaymentStatus.CANC, at, c.reason ?? undefined);
        return;
      case 'refused':
        this.state.cancellation = { ...c, state: 'refused', decidedAt: when, refusal: outcome.refusal };
        return;
      case 'pending':
        this.state.cancellation = { ...c, state: 'pending' };
        return;
    }
  }

  /** A cancellation that waited while the payment ended some other way (rejected, or already cancelled). */
  closeCancellationOnFinalStatus(at: Date): void {
    const c = this.state.cancellation;
    if (!c || (this.state.status !== 'RJCT' && this.state.status !== 'CANC')) return;
    const when = this.touch(at);
    const cancelled = this.state.status === 'CANC';
    this.state.cancellation = {
      ...c,
      state: cancelled ? 'cancelled' : 'refused',
      decidedAt: when,
      refusal: cancelled
        ? null
        : { code: ReasonCode.NARRATIVE, text: `the payment ended ${this.state.status} before the cancellation was decided` },
    };
  }

  /** Core mode: a settled payment cancelled by reversing the gateway's own postings (ACSC -> CANC). */
  cancelSettled(by: string, reason: StatusReason, requestTransactionId: string | null, at: Date): void {
    if (this.state.status !== 'ACSC') throw new IllegalTransitionError(this.state.status, 'CANC');
    this.requestCancellation(by, reason, requestTransactionId, at);
    this.applyCancellationOutcome({ kind: 'cancelled' }, at);
  }

  /** A return (pacs.004) of a settled payment, sent to the host, which decides. */
  requestReturn(by: string, reason: StatusReason, at: Date): void {
    if (this.state.status !== 'ACSC') throw new IllegalTransitionError(this.state.status, 'ACSC');
    if (this.state.returnInfo) throw new InvalidValueError('returnInfo', 'the payment was already returned');
    const when = this.touch(at);
    this.recordDecision({ action: 'return', at: when, by, reason });
    this.state.returnInfo = {
      direction: 'outbound',
      state: 'requested',
      at: when,
      decidedAt: null,
      reason,
      amount: this.state.amount,
      returnTransactionId: null,
    };
  }

  /** What came of a return: accepted (in core mode, at once), rejected with the host's reason, or pending. */
  applyReturnOutcome(outcome: { kind: 'accepted' } | { kind: 'rejected'; reason: StatusReason } | { kind: 'pending' }, at: Date): void {
    const r = this.state.returnInfo;
    if (!r || r.direction !== 'outbound') throw new InvalidValueError('returnInfo', 'no return was asked for');
    const when = this.touch(at);
    if (outcome.kind === 'accepted') this.state.returnInfo = { ...r, state: 'accepted', decidedAt: when };
    else if (outcome.kind === 'rejected') this.state.returnInfo = { ...r, state: 'rejected', decidedAt: when, reason: outcome.reason };
    else this.state.returnInfo = { ...r, state: 'pending' };
  }

  /** A return (pacs.004) of this settled payment arrived from downstream, as transaction `returnTransactionId`. */
  receiveReturn(
    ret: { reason: StatusReason | null; amount: { value: string; currency: string } | null; returnTransactionId: string },
    at: Date,
  ): void {
    if (this.state.status !== 'ACSC' || this.state.returnInfo)
      throw new InvalidValueError(
        'returnInfo',
        `a ${this.state.status} payment${this.state.returnInfo ? ' already returned' : ''} cannot be returned`,
      );
    const when = this.touch(at);
    this.state.returnInfo = {
      direction: 'inbound',
      state: 'received',
      at: when,
      decidedAt: when,
      reason: ret.reason,
      amount: ret.amount,
      returnTransactionId: ret.returnTransactionId,
    };
  }

  /** A consumer asked for the payment's next step to be run again (its dead-lettered jobs, or its stranded step). */
  recordRedrive(by: string, at: Date): void {
    this.recordDecision({ action: 'redrive', at: this.touch(at), by, reason: null });
  }

  /** The payments a pain.001 produced (its children). */
  recordChildTransactions(ids: readonly string[], at: Date): void {
    this.touch(at);
    this.state.childTransactionIds = [...ids];
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

  /** Whether the status moved since this object was loaded (a status-changed event is pending). */
  get statusMovedSinceLoad(): boolean {
    return this.pending.some((e) => e.name === 'payment.status-changed');
  }

  /** The events raised since load; the caller publishes them after the state is stored. */
  pullEvents(): PaymentStatusChanged[] {
    return this.pending.splice(0, this.pending.length);
  }

  toSnapshot(): PaymentSnapshot {
    return structuredClone(this.state);
  }
}
