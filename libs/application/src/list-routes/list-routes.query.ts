// SPDX-License-Identifier: Apache-2.0
import { Query } from '@nestjs/cqrs';
import type { ConnectorHealth } from '../routing/connector-set.js';

export interface RoutesView {
  /** Whether a routing table is in use (ROUTING_FILE); without one every payment goes to the one legacy host. */
  routing: boolean;
  connectors: ConnectorHealth[];
  rules: { id: string; match: Record<string, unknown>; route: string[] | null; strategy: unknown; onNoRoute: 'reject' | 'hold' }[];
  default: string[];
  at: string;
}

/** The connectors with their health, circuit, cut-off state and recent error rate, and the rules (operator scope). */
export class ListRoutesQuery extends Query<RoutesView> {}
