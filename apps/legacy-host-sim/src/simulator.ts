import { HostMessageService } from './host/host-message.service.js';
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { Iso20022Codec } from '#iso20022';
import { SimAmqpTransport } from './amqp/amqp-transport.js';
import { FaultInjector } from './faults/fault-injector.js';
import { PaymentLedger } from './payments/payment-ledger.js';
import { resolveConfig, type FaultSettings, type ResolvedSimulatorConfig, type SimulatorOptions } from './sim.config.js';
import { SimulatorModule } from './simulator.module.js';

export interface RunningSimulator {
  /** Base URL to call, e.g. `http://127.0.0.1:8081` (loopback when bound to all interfaces). */
  url: string;
  port: number;
  config: ResolvedSimulatorConfig;
  /** Payments reloaded from the data file at start. */
  recordsLoaded: number;
  /** Changes fault settings in process (the same as `POST /admin/faults`). */
  setFaults(change: Partial<FaultSettings>): FaultSettings;
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
  let closed: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    config,
    recordsLoaded: app.get(PaymentLedger).size,
    setFaults: (change) => faults.update(change),
    close: () => (closed ??= (amqp ? amqp.close() : Promise.resolve()).then(() => app.close())),
  };
}
