// SPDX-License-Identifier: Apache-2.0
import { Inject, Optional } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, CONNECTORS } from '../application.tokens.js';
import type { Clock } from '../ports/support.port.js';
import type { ConnectorSet } from '../routing/connector-set.js';
import { ListRoutesQuery, type RoutesView } from './list-routes.query.js';

@QueryHandler(ListRoutesQuery)
export class ListRoutesHandler implements IQueryHandler<ListRoutesQuery, RoutesView> {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(CONNECTORS) private readonly connectors: ConnectorSet | null = null,
  ) {}

  execute(): Promise<RoutesView> {
    const now = this.clock.now();
    const table = this.connectors?.router?.table ?? null;
    return Promise.resolve({
      routing: table !== null,
      connectors: this.connectors?.health(now) ?? [],
      rules: (table?.rules ?? []).map((r) => ({
        id: r.id,
        match: { ...r.match },
        route: r.route ? [...r.route] : null,
        strategy: r.strategy,
        onNoRoute: r.onNoRoute,
      })),
      default: table ? [...table.default] : [],
      at: now.toISOString(),
    });
  }
}
