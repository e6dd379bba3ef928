// SPDX-License-Identifier: Apache-2.0
import { Logger, type Provider } from '@nestjs/common';
import {
  CONNECTORS,
  ConnectorSet,
  ISO20022_CODEC,
  LEGACY_HOST,
  Router,
  SECRET_STORE,
  type ConnectorDefinition,
  type GenerationConverter,
  type LegacyHost,
  type SecretStore,
} from '#application';
import { AmqpLegacyHost, type AmqpSession } from '#adapters/amqp';
import { HttpLegacyHost } from '#adapters/http-host';
import { canConvertPacs008, convertPacs008, type Iso20022Codec } from '#iso20022';
import type { ConfigType } from '@nestjs/config';
import { amqpConfig, hostConfig, routingConfig, workerConfig } from './config/namespaces.js';
import { NoLegacyHost } from './core-host.adapter.js';
import { AMQP_SESSION } from './gateway.tokens.js';
import { GatewayInstruments } from './metrics/instruments.js';
import { Tracing } from './tracing/tracing.js';

type Routing = ConfigType<typeof routingConfig>;
type Host = ConfigType<typeof hostConfig>;
type Amqp = ConfigType<typeof amqpConfig>;
type Worker = ConfigType<typeof workerConfig>;

/** The reply queue of an AMQP connector: its own, so each adapter consumes only the answers to its own calls. */
export function connectorReplyQueue(baseReplyQueue: string, connectorId: string): string {
  return `${baseReplyQueue}.${connectorId}`;
}

/** The queues the AMQP connectors of a routing table need declared (request and reply queue of each). */
export function connectorQueues(routing: Routing, amqp: Amqp): string[] {
  return (routing.table?.connectors ?? [])
    .filter((c) => c.transport === 'amqp')
    .flatMap((c) => [c.requestQueue!, connectorReplyQueue(amqp.topology.replyQueue, c.id)]);
}

/**
 * CONNECTORS: without ROUTING_FILE, the one legacy host (LEGACY_HOST) as before; with it, one transport adapter
 * per connector (HTTP to its url with its own credentials from the secret store, AMQP on its own request and
 * reply queues, or none for `core`), the router and the generation converter (issue 14, docs/routing.md).
 */
export const connectorsProvider: Provider = {
  provide: CONNECTORS,
  inject: [
    routingConfig.KEY,
    hostConfig.KEY,
    amqpConfig.KEY,
    workerConfig.KEY,
    LEGACY_HOST,
    ISO20022_CODEC,
    SECRET_STORE,
    Tracing,
    GatewayInstruments,
    { token: AMQP_SESSION, optional: true },
  ],
  useFactory: (
    routing: Routing,
    host: Host,
    amqp: Amqp,
    worker: Worker,
    defaultHost: LegacyHost,
    codec: Iso20022Codec,
    secrets: SecretStore,
    tracing: Tracing,
    instruments: GatewayInstruments,
    session: AmqpSession | undefined,
  ): ConnectorSet => {
    const table = routing.table;
    if (!table) return new ConnectorSet({ defaultHost });
    const traced = tracing.enabled ? { tracer: tracing.hostCall } : {};
    const adapter = (c: ConnectorDefinition): LegacyHost => {
      const logger = new Logger(`Connector ${c.id}`);
      const timeoutMs = c.timeoutMs ?? host.timeoutMs;
      switch (c.transport) {
        case 'core':
          return new NoLegacyHost();
        case 'amqp':
          if (!session) throw new Error(`connector ${c.id} is reached over AMQP, but no broker is configured (AMQP_URL)`);
          return new AmqpLegacyHost({
            session,
            topology: { requestQueue: c.requestQueue!, replyQueue: connectorReplyQueue(amqp.topology.replyQueue, c.id) },
            codec,
            timeoutMs,
            replyPrefetch: Math.max(32, worker.concurrency * 2),
            logger,
            ...traced,
            onCall: instruments.hostCallObserver(c.id),
          });
        case 'http':
          return new HttpLegacyHost({
            baseUrl: c.url!,
            codec,
            timeoutMs,
            attempts: host.attempts,
            logger,
            onCall: instruments.hostCallObserver(c.id),
            ...(c.authSecret ? { authHeader: () => secrets.get(c.authSecret!) } : {}),
            ...traced,
          });
      }
    };
    const convert: GenerationConverter = (message, from, targets) => {
      const reasons: string[] = [];
      for (const target of targets) {
        const result = convertPacs008(codec, message, target as Parameters<typeof convertPacs008>[2]);
        if (result.ok) return { ok: true, message: result.message, messageType: target };
        reasons.push(result.reason);
      }
      return { ok: false, reason: reasons.join('; ') || `no generation to convert ${from} to` };
    };
    const connectors = new ConnectorSet({
      defaultHost,
      router: new Router(table, { canConvert: canConvertPacs008 }),
      hosts: new Map(table.connectors.map((c) => [c.id, adapter(c)])),
      convert,
      observer: instruments.routingObserver(),
    });
    new Logger('Routing').log(
      `routing table ${routing.file}: ${table.connectors.map((c) => `${c.id} (${c.transport})`).join(', ')}; ${table.rules.length} rule(s), default ${table.default.join(' > ') || 'none'}`,
    );
    return connectors;
  },
};
