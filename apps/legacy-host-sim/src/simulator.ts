// SPDX-License-Identifier: Apache-2.0
import { HostMessageService } from './host/host-message.service.js';
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { Iso20022Codec } from '#iso20022';
import { SimAmqpTransport } from './amqp/amqp-transport.js';
import { FaultInjector } from './faults/fault-injector.js';
import { PaymentLedger } from './payments/payment-ledger.js';
import {
  ConfigError,
  hostOptions,
  resolveConfig,
  type FaultSettings,
  type ResolvedSimulatorConfig,
  type SimulatedHostSpec,
  type SimulatorOptions,
} from './sim.config.js';
import { SimulatorModule } from './simulator.module.js';

/** How long `stop()` waits after closing the connections (see there). */
const STOP_SETTLE_MS = 25;

export interface RunningSimulator {
  /** The host's name (SIM_HOSTS, `startSimulators()`); null for the one unnamed host. */
  name: string | null;
  /** Base URL to call, e.g. `http://127.0.0.1:8081` (loopback when bound to all interfaces). */
  url: string;
  port: number;
  config: ResolvedSimulatorConfig;
  /** Payments reloaded from the data file at start. */
  recordsLoaded: number;
  /** Changes fault settings in process (the same as `POST /admin/faults`). */
  setFaults(change: Partial<FaultSettings>): FaultSettings;
  /** True while the HTTP listener takes connections (false between `stop()` and `start()`). */
  readonly listening: boolean;
  /**
   * The host "goes down hard": closes the HTTP listener and every open connection, so callers get
   * ECONNREFUSED. Its ledger, counters and fault settings stay in memory for `start()`.
   */
  stop(): Promise<void>;
  /** Listens again on the same address and port (the port found at first start when it was 0). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the simulated legacy host; `port: 0` picks a free port. */
export async function startSimulator(options: SimulatorOptions & { codec?: Iso20022Codec } = {}): Promise<RunningSimulator> {
  const config = resolveConfig(options);
  const codec =
    options.codec ?? (await Iso20022Codec.create({ schemaDir: resolve(config.schemaDir), limits: { maxBytes: config.bodyLimit } }));

  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimit, logger: false });
  const app = await NestFactory.create<NestFastifyApplication>(SimulatorModule.forRoot(config, codec), adapter, {
    logger: config.debug ? ['log', 'error', 'warn', 'debug'] : ['error', 'warn'],
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;

  // The pacs.008 arrives as raw XML; hand it to the codec as a string, untouched.
  fastify.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string', bodyLimit: config.bodyLimit }, (_req, body, done) =>
    done(null, body),
  );

  // SIM_DOWN: every /v1 call answers 503 before any body is read. /health stays 200: it says the process
  // lives (scripts wait on it, also for a simulator started down), not that the host takes payments.
  const faults = app.get(FaultInjector);
  fastify.addHook('onRequest', (req, reply, done) => {
    const path = req.url.split('?')[0] ?? '';
    if (faults.down && (path === '/v1' || path.startsWith('/v1/'))) {
      reply
        .status(503)
        .header('content-type', 'application/problem+json')
        .send({ type: 'about:blank', title: 'Service unavailable (host down)', status: 503, code: 'SIM.DOWN' });
      return;
    }
    done();
  });

  if (config.shutdownHooks) app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen({ port: config.port, host: config.host });

  const address = app.getHttpServer().address() as AddressInfo;
  let amqp: SimAmqpTransport | null = null;
  if (config.amqp) {
    try {
      amqp = await SimAmqpTransport.start({ ...config.amqp, debug: config.debug }, { service: app.get(HostMessageService) });
    } catch (err) {
      await app.close();
      throw err;
    }
  }
  const callHost = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
  const urlHost = callHost.includes(':') ? `[${callHost}]` : callHost;
  const server = app.getHttpServer() as Server;
  const port = address.port;
  let closed: Promise<void> | null = null;
  // stop() and start() in the order they were called, never overlapping
  let lifecycle: Promise<void> = Promise.resolve();
  const queue = (step: () => Promise<void>): Promise<void> => (lifecycle = lifecycle.catch(() => {}).then(step));
  const stop = (): Promise<void> =>
    queue(async () => {
      if (closed || !server.listening) return;
      await new Promise<void>((ok, fail) => {
        server.close((err) => (err ? fail(err) : ok()));
        server.closeAllConnections();
      });
      // Give callers a moment to see their kept-alive connections closed, so that their next request is
      // refused (ECONNREFUSED) instead of being written to a socket the host already closed.
      await new Promise((ok) => setTimeout(ok, STOP_SETTLE_MS));
    });
  const listen = (): Promise<void> =>
    new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, config.host, () => {
        server.off('error', fail);
        ok();
      });
    });
  const start = (): Promise<void> =>
    queue(async () => {
      if (closed) throw new Error('the simulator is closed');
      if (!server.listening) await listen();
    });
  return {
    name: config.name,
    url: `http://${urlHost}:${port}`,
    port,
    config,
    recordsLoaded: app.get(PaymentLedger).size,
    setFaults: (change) => faults.update(change),
    get listening() {
      return server.listening;
    },
    stop,
    start,
    close: () =>
      (closed ??= lifecycle
        .catch(() => {})
        // Nest closes the listener itself: give it one to close when the host was stopped
        .then(() => (server.listening ? undefined : listen()))
        .then(() => (amqp ? amqp.close() : undefined))
        .then(() => app.close())),
  };
}

/** Several named hosts in one process, each with its own port, ledger, faults and admin API. */
export interface RunningSimulators {
  /** By name, in the order given. */
  hosts: ReadonlyMap<string, RunningSimulator>;
  /** The host of that name; throws when there is none. */
  host(name: string): RunningSimulator;
  /** Closes every host. */
  close(): Promise<void>;
}

/**
 * Starts one named host per spec (port 0 or absent: a free port, kept across `stop()` / `start()`). `shared`
 * applies to every host under each spec's own settings (see `hostOptions`); one codec serves them all.
 */
export async function startSimulators(
  specs: readonly SimulatedHostSpec[],
  shared: SimulatorOptions & { codec?: Iso20022Codec } = {},
): Promise<RunningSimulators> {
  const { codec: given, ...sharedOptions } = shared;
  const perHost = hostOptions(sharedOptions, specs);
  const names = new Set(perHost.map((o) => o.name));
  if (names.size !== perHost.length) throw new ConfigError('host names must be unique');
  const first = resolveConfig(perHost[0] ?? {});
  const codec = given ?? (await Iso20022Codec.create({ schemaDir: resolve(first.schemaDir), limits: { maxBytes: first.bodyLimit } }));
  const hosts = new Map<string, RunningSimulator>();
  try {
    for (const options of perHost) hosts.set(options.name!, await startSimulator({ ...options, codec }));
  } catch (err) {
    await Promise.allSettled([...hosts.values()].map((h) => h.close()));
    throw err;
  }
  let closed: Promise<void> | null = null;
  return {
    hosts,
    host(name) {
      const h = hosts.get(name);
      if (!h) throw new Error(`no simulated host named "${name}" (hosts: ${[...hosts.keys()].join(', ')})`);
      return h;
    },
    close: () => (closed ??= Promise.all([...hosts.values()].map((h) => h.close())).then(() => undefined)),
  };
}
