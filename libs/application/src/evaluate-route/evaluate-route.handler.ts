// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Iso20022Error, type Iso20022Codec } from '#iso20022';
import { CLOCK, CONNECTORS, ISO20022_CODEC } from '../application.tokens.js';
import { paymentDetails } from '../intake/payment-intake.js';
import type { Clock } from '../ports/support.port.js';
import { routingFacts, type ConnectorSet } from '../routing/connector-set.js';
import { noRouteReason } from '../routing/router.js';
import { EvaluateRouteQuery, type RouteEvaluation } from './evaluate-route.query.js';

@QueryHandler(EvaluateRouteQuery)
export class EvaluateRouteHandler implements IQueryHandler<EvaluateRouteQuery, RouteEvaluation> {
  constructor(
    @Inject(ISO20022_CODEC) private readonly codec: Iso20022Codec,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(CONNECTORS) private readonly connectors: ConnectorSet | null = null,
  ) {}

  execute(q: EvaluateRouteQuery): Promise<RouteEvaluation> {
    return Promise.resolve(this.evaluate(q));
  }

  private evaluate(q: EvaluateRouteQuery): RouteEvaluation {
    const connectors = this.connectors;
    if (!connectors?.router) return { kind: 'no-routing' };
    let parsed;
    try {
      parsed = this.codec.parse(q.body);
    } catch (e) {
      if (e instanceof Iso20022Error) return { kind: 'invalid', error: e };
      throw e;
    }
    if (!parsed.messageType.startsWith('pacs.008.')) {
      return { kind: 'unprocessable', code: 'ROUTING.NOT_A_PAYMENT', detail: `only a pacs.008 is routed, not ${parsed.messageType}` };
    }
    const details = paymentDetails(this.codec, parsed);
    if ('multiple' in details) {
      return {
        kind: 'unprocessable',
        code: 'MESSAGE.MULTIPLE_TRANSACTIONS',
        detail: `the message carries ${details.multiple} transactions; one is routed at a time`,
      };
    }
    if ('invalidAmount' in details)
      return { kind: 'unprocessable', code: details.invalidAmount.code, detail: details.invalidAmount.message };
    const now = this.clock.now();
    const facts = routingFacts({ ...details, id: q.transactionId ?? 'evaluation', clientId: q.clientId, channel: q.channel });
    // Nothing is counted or consumed: the router decides, and availability is read without taking a permit.
    const decision = connectors.router.decide(facts);
    const pick = connectors.peek(decision.candidates, now);
    const refusedNow = pick.connector === null ? [...decision.refused, ...pick.skipped] : null;
    const noRoute = refusedNow
      ? { ...noRouteReason({ ...decision, candidates: [], refused: refusedNow }), onNoRoute: decision.onNoRoute }
      : null;
    return { kind: 'evaluated', facts, decision, now: pick, noRoute };
  }
}
