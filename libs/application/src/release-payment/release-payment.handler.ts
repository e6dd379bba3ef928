// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, EventBus } from '@nestjs/cqrs';
import { Payment } from '#domain';
import { PACS002_MESSAGE_ID } from '#iso20022';
import { CLOCK, CONNECTORS, LEGACY_HOST, MESSAGE_ARCHIVE, PIPELINE_SETTINGS, TRANSACTION_REPOSITORY } from '../application.tokens.js';
import { ledgerRejectionReason, settlementPostings, unsettleableReason } from '../ledger/settlement-postings.js';
import { archiveHostAnswer, deliverOwnMessage } from '../host-delivery.js';
import { inquiryJob } from '../payment-jobs.js';
import { loadPayment, savePayment } from '../payment-steps.js';
import type { PipelineSettings } from '../pipeline.settings.js';
import { LedgerError } from '../ports/ledger.port.js';
import { WaitingForDependencyError } from '../application.errors.js';
import { HostUnavailableError, type HostOutcome, type LegacyHost } from '../ports/legacy-host.port.js';
import type { MessageArchive } from '../ports/message-archive.port.js';
import type { Clock } from '../ports/support.port.js';
import type { TransactionRepository } from '../ports/transaction-repository.port.js';
import type { StepResult } from '../process-payment/process-payment.command.js';
import { StatusReportWriter } from '../status-report/status-report.writer.js';
import { ReleasePaymentCommand } from './release-payment.command.js';
import { ConnectorSet, routingFacts } from '../routing/connector-set.js';
import { ownInboundMessage } from '../own-messages.js';
import { hostIdempotencyKey } from '../host-idempotency.js';
import { noRouteReason } from '../routing/router.js';
import { ReasonCode, type RouteRefusal, type StatusReason } from '#domain';

/**
 * ACTC -> ACSP (stored before the host is called) -> ACSC | RJCT | PDNG. What goes to the host is exactly the
 * message the payment was created from (found by the digest recorded at receipt), never another message
 * archived under its id. A redelivered job finds ACSP and delivers again: the host is idempotent by UETR and
 * answers with its first outcome, so nothing settles twice.
 *
 * On the final attempt (the SLA sweeper's last ask) a host that cannot be reached or has no final answer does
 * not make the payment a rejection: its outcome is unknown, so it is put under investigation (PDNG) and a
 * status request is scheduled (see inquire-payment-status).
 *
 * MODE=core with the ledger: ACSP -> ACSC together with the settlement postings and its report in one
 * conditional write, or RJCT (AM04, AC02, AC03, AM03) when the ledger refuses them.
 */
@CommandHandler(ReleasePaymentCommand)
export class ReleasePaymentHandler implements ICommandHandler<ReleasePaymentCommand, StepResult> {
  constructor(
    @Inject(TRANSACTION_REPOSITORY) private readonly repository: TransactionRepository,
    @Inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
    @Inject(LEGACY_HOST) private readonly host: LegacyHost,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
    private readonly reports: StatusReportWriter,
    @Optional() @Inject(EventBus) private readonly events: EventBus | null = null,
    @Optional() @Inject(CONNECTORS) private readonly connectors: ConnectorSet | null = null,
  ) {}

  private get deps() {
    return { repository: this.repository, reports: this.reports, clock: this.clock, events: this.events };
  }

  async execute(cmd: ReleasePaymentCommand): Promise<StepResult> {
    let payment = await loadPayment(this.repository, cmd.transactionId);
    const routing = this.connectors?.routing && this.settings.mode === 'proxy' ? this.connectors : null;
    // Released by this call to a connector just picked (its gates passed): deliver without asking them again.
    let picked = false;
    if (payment.status === 'ACTC') {
      if (!routing && payment.details.route) return this.unroutable(payment, cmd.finalAttempt);
      if (routing) {
        picked = true;
        const released = await this.releaseRouted(payment, routing);
        if (!released) return 'done';
        payment = released;
      } else {
        payment.markReleased(this.clock.now());
        payment = await savePayment(this.deps, payment);
      }
    }
    if (payment.status !== 'ACSP' && payment.status !== 'PDNG') return 'skipped';
    // Held for a consumer's decision: nothing goes to the host until it is accepted.
    if (payment.isHeld) return 'skipped';
    // Under investigation: the status request decides (a late job must not re-decide it).
    if (payment.isOutcomeUnknown) return 'skipped';

    const ledger = this.settings.mode === 'core' && this.settings.ledger === true;
    if (ledger) return this.settleInLedger(payment);
    if (this.settings.mode === 'core') {
      payment.applyHostOutcome({ kind: 'settled' }, this.clock.now());
      await savePayment(this.deps, payment);
      return 'done';
    }

    if (routing && payment.details.route) return this.deliverRouted(payment, routing, cmd.finalAttempt, picked);
    if (payment.details.route) return this.unroutable(payment, cmd.finalAttempt);

    let outcome: HostOutcome;
    try {
      outcome = await deliverOwnMessage(this.host, this.archive, payment);
    } catch (e) {
      if (cmd.finalAttempt && e instanceof HostUnavailableError) {
        await this.investigate(payment, `no answer from the legacy host within the SLA (${e.message})`);
        return 'done';
      }
      throw e;
    }
    await archiveHostAnswer({ archive: this.archive, clock: this.clock }, payment.id, {
      messageType: PACS002_MESSAGE_ID,
      channel: `host:${this.host.name}`,
      body: outcome.statusReport,
    });
    return this.apply(payment, outcome, cmd.finalAttempt);
  }

  /**
   * ACTC -> ACSP with a routing table: the payment's route (decided when it was processed, or now when it was held
   * before routing) gives the candidates in order; the first that can take a delivery now (open, circuit closed,
   * under its cap) is recorded as its connector in the same write that releases it. None can: a passing reason
   * (circuit open, cap) leaves it ACTC for the job's retry; a closed connector rejects it or holds it, as its rule
   * says. Returns the saved payment, or null when it ended here.
   */
  private async releaseRouted(payment: Payment, connectors: ConnectorSet): Promise<Payment | null> {
    const now = this.clock.now();
    let route = payment.details.route;
    if (!route || route.candidates.length === 0) {
      // Held before it was routed (hold rule, or no route then), and accepted since: route it now.
      const decision = connectors.decide(routingFacts(payment.details));
      payment.routeTo(decision, now);
      route = payment.details.route!;
      if (decision.candidates.length === 0) return this.noRoute(payment, connectors, decision.onNoRoute, []);
    }
    const pick = connectors.pick(route.candidates, now);
    if (!pick.connector) {
      if (ConnectorSet.allTransient(pick.skipped)) {
        throw new WaitingForDependencyError(payment.id, `no connector can take it now: ${describe(pick.skipped)}`);
      }
      return this.noRoute(payment, connectors, this.onNoRoute(connectors, route.rule), pick.skipped);
    }
    payment.markReleased(now, { connector: pick.connector, skipped: pick.skipped });
    if (pick.connector !== route.candidates[0])
      connectors.failedOver(route.candidates[0] ?? null, pick.connector, pick.skipped[0]?.code ?? 'UNAVAILABLE');
    return savePayment(this.deps, payment);
  }

  /**
   * A payment routed by a routing table this process no longer has (ROUTING_FILE removed): it is never sent to
   * the one legacy host instead, which may be another downstream. It waits (retryable) for the table to come back;
   * released ones are investigated at the SLA, unreleased ones end there (AB05) through the SLA sweeper.
   */
  private async unroutable(payment: Payment, finalAttempt: boolean): Promise<StepResult> {
    const why = `it was routed to connector ${payment.details.route?.connector ?? '(none)'}, and no routing table is configured (ROUTING_FILE)`;
    if (finalAttempt && payment.deliveryStarted) {
      await this.investigate(payment, why);
      return 'done';
    }
    throw new WaitingForDependencyError(payment.id, `${payment.id}: ${why}`);
  }

  private onNoRoute(connectors: ConnectorSet, rule: string | null): 'reject' | 'hold' {
    const table = connectors.router?.table;
    if (!table) return 'reject';
    return rule === null ? table.onNoRoute : (table.rules.find((r) => r.id === rule)?.onNoRoute ?? 'reject');
  }

  /** No connector takes it and nothing was delivered: RJCT with the ISO reason of the refusals, or held for an operator. */
  private async noRoute(payment: Payment, connectors: ConnectorSet, onNoRoute: 'reject' | 'hold', skipped: RouteRefusal[]): Promise<null> {
    const route = payment.details.route!;
    const reason = noRouteReason({
      rule: route.rule,
      strategy: 'route',
      candidates: [],
      refused: [...route.refused, ...skipped],
      onNoRoute,
    });
    connectors.unroutable(reason.code);
    const now = this.clock.now();
    if (onNoRoute === 'hold' && !payment.isHeld && (payment.status === 'RCVD' || payment.status === 'ACTC')) {
      payment.holdForRoute(route.rule ?? 'default', reason.text, now);
    } else {
      payment.refuseRoute(reason, now);
    }
    await savePayment(this.deps, payment);
    return null;
  }

  /**
   * Delivers a released, routed payment to its connector. While its delivery has not started (the last one sent
   * nothing), it may move to the next candidate that can take it; the move and the start of the new delivery are
   * one write, made before the call. Once started, it stays with its connector: a failure that may have delivered
   * it (a timeout, an error answer) is retried there, or investigated at the SLA, never sent elsewhere.
   */
  private async deliverRouted(payment: Payment, connectors: ConnectorSet, finalAttempt: boolean, picked: boolean): Promise<StepResult> {
    const tried = new Set<string>();
    let refusal: RouteRefusal | null = null;
    // Whether the delivery to the current connector was started by this call: only then does "nothing sent"
    // prove the connector never got the payment (an earlier call's may have reached it).
    let startedHere = picked;
    for (;;) {
      const now = this.clock.now();
      let route = payment.details.route!;
      if (route.delivery === 'not-started') {
        const pick = connectors.pick(route.candidates, now, tried);
        if (!pick.connector) {
          const skipped = refusal ? [refusal, ...pick.skipped] : pick.skipped;
          if (finalAttempt) {
            // Nothing was delivered anywhere: the outcome is known, so this is a rejection, not an investigation.
            payment.refuseRoute(slaReason(skipped), now);
            await savePayment(this.deps, payment);
            return 'done';
          }
          if (refusal) payment = await savePayment(this.deps, payment);
          throw new WaitingForDependencyError(payment.id, `no connector can take it now: ${describe(skipped)}`);
        }
        const from = route.connector;
        payment.resumeDelivery(pick.connector, refusal ? [refusal, ...pick.skipped] : pick.skipped, now);
        if (from !== pick.connector) connectors.failedOver(from, pick.connector, refusal?.code ?? pick.skipped[0]?.code ?? 'UNAVAILABLE');
        payment = await savePayment(this.deps, payment);
        route = payment.details.route!;
        startedHere = true;
      } else if (!picked) {
        const closed = connectors.gate(route.connector!);
        if (closed) {
          if (finalAttempt) {
            await this.investigate(payment, `its connector ${route.connector} could not be asked again within the SLA (${closed.reason})`);
            return 'done';
          }
          throw new HostUnavailableError(closed.reason, true);
        }
      }
      picked = false;
      const connector = route.connector!;
      if (connectors.definition(connector)?.transport === 'core') return this.settleInHouse(payment);

      const own = await ownInboundMessage(this.archive, payment.details);
      if (!own) throw new Error(`transaction ${payment.id} has lost the message it was created from: nothing is released`);
      const prepared = connectors.prepare(connector, own.body, payment.details.messageType);
      if (!prepared.ok && startedHere) {
        // Nothing sent: the message cannot go to this connector without losing something.
        tried.add(connector);
        refusal = { connector, code: 'GENERATION', reason: prepared.reason };
        payment.deliveryRefused(now);
        continue;
      }
      // Started earlier and the conversion fails now (the routing file changed?): never another connector.
      if (!prepared.ok) throw new HostUnavailableError(`${connector} cannot take the payment's message: ${prepared.reason}`, false);
      if (prepared.message !== own.body) {
        await this.archive.put({
          transactionId: payment.id,
          direction: 'out',
          messageType: prepared.messageType,
          channel: `connector:${connector}`,
          body: prepared.message,
          at: now.toISOString(),
        });
      }
      const host = connectors.host(route);
      let outcome: HostOutcome;
      try {
        outcome = await host.deliver({
          transactionId: payment.id,
          uetr: payment.details.uetr,
          idempotencyKey: hostIdempotencyKey(payment.details),
          messageType: prepared.messageType,
          message: prepared.message,
        });
      } catch (e) {
        if (e instanceof HostUnavailableError && e.nothingSent && startedHere) {
          tried.add(connector);
          refusal = { connector, code: 'UNREACHABLE', reason: `${connector} unreachable: ${e.message}`.slice(0, 200) };
          payment.deliveryRefused(this.clock.now());
          continue;
        }
        if (finalAttempt && e instanceof HostUnavailableError) {
          await this.investigate(payment, `no answer from connector ${connector} within the SLA (${e.message})`);
          return 'done';
        }
        throw e;
      }
      await archiveHostAnswer({ archive: this.archive, clock: this.clock }, payment.id, {
        messageType: PACS002_MESSAGE_ID,
        channel: `host:${connector}`,
        body: outcome.statusReport,
      });
      return this.apply(payment, outcome, finalAttempt);
    }
  }

  /** A `core` connector: the gateway settles it itself (in its ledger when LEDGER is on). */
  private async settleInHouse(payment: Payment): Promise<StepResult> {
    if (this.settings.ledger === true) return this.settleInLedger(payment);
    payment.applyHostOutcome({ kind: 'settled' }, this.clock.now());
    await savePayment(this.deps, payment);
    return 'done';
  }

  /** Applies the host's answer: settled or rejected are final; pending parks the payment (or, at the SLA, investigates). */
  private async apply(payment: Payment, outcome: HostOutcome, finalAttempt: boolean): Promise<StepResult> {
    if (outcome.kind === 'pending' && finalAttempt) {
      await this.investigate(payment, 'the legacy host gave no final answer within the SLA');
      return 'done';
    }
    // Pending parks it (the recovery sweeper asks again later, the SLA sweeper investigates).
    const now = this.clock.now();
    const changed = payment.applyHostOutcome(
      outcome.kind === 'rejected'
        ? { kind: 'rejected', reason: { code: outcome.reasonCode, text: outcome.reasonText } }
        : { kind: outcome.kind },
      now,
    );
    if (changed) await savePayment(this.deps, payment);
    return 'done';
  }

  /** Outcome unknown: PDNG under investigation with its first status request scheduled, in one save. */
  private async investigate(payment: Payment, why: string): Promise<void> {
    payment.markOutcomeUnknown(this.clock.now(), why);
    await savePayment(this.deps, payment, { jobs: [inquiryJob(payment.id, 0, this.clock.now())] });
  }

  /** Settles in the core-mode ledger: ACSC, the postings and the report in one conditional write. */
  private async settleInLedger(payment: Payment): Promise<StepResult> {
    const now = this.clock.now();
    const missing = unsettleableReason(payment.details);
    if (missing) {
      payment.applyHostOutcome({ kind: 'rejected', reason: missing }, now);
      await savePayment(this.deps, payment);
      return 'done';
    }
    const before = payment.toSnapshot();
    try {
      payment.applyHostOutcome({ kind: 'settled' }, now);
      await savePayment(this.deps, payment, { postings: settlementPostings(before) });
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      // Nothing was written: reject from the state as it was loaded, with its report.
      const refused = Payment.fromSnapshot(before);
      refused.applyHostOutcome({ kind: 'rejected', reason: ledgerRejectionReason(e, before) }, now);
      await savePayment(this.deps, refused);
    }
    return 'done';
  }
}

function describe(skipped: readonly RouteRefusal[]): string {
  return skipped.length ? skipped.map((s) => s.reason).join('; ') : 'no candidate';
}

/** The SLA ran out while no connector could take the payment, and nothing was delivered: AB05 naming why. */
function slaReason(skipped: readonly RouteRefusal[]): StatusReason {
  return { code: ReasonCode.TIMEOUT_CREDITOR_AGENT, text: `no connector took it within the SLA: ${describe(skipped)}`.slice(0, 105) };
}
