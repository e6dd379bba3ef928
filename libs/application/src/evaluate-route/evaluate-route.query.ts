// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { RouteRefusal } from '#domain';
import type { Iso20022Error } from '#iso20022';
import type { RouteDecision, RoutingFacts } from '../routing/routing.model.js';

export type RouteEvaluation =
  | {
      kind: 'evaluated';
      facts: RoutingFacts;
      decision: RouteDecision;
      /** The connector a release would start to now, and the candidates it would pass over (and why). */
      now: { connector: string | null; skipped: RouteRefusal[] };
      /** What a payment with these facts would get when no connector takes it (null when one does). */
      noRoute: { code: string; text: string; onNoRoute: 'reject' | 'hold' } | null;
    }
  | { kind: 'no-routing' }
  | { kind: 'invalid'; error: Iso20022Error }
  | { kind: 'unprocessable'; code: string; detail: string };

/**
 * Routes a message without storing anything (POST /v1/routes/evaluate): the decision a payment with this message
 * would get from `clientId` through `channel`, its explanation, and the connector a release would use now.
 */
export class EvaluateRouteQuery extends Query<RouteEvaluation> {
  constructor(
    readonly clientId: string,
    readonly body: Uint8Array,
    readonly channel: string,
    /** The transaction id a weighted split hashes (default: a fixed one, `evaluation`). */
    readonly transactionId: string | null = null,
  ) {
    super();
  }
}
