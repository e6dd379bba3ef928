// SPDX-License-Identifier: Apache-2.0
/**
 * One `registerAs` namespace per module of the gateway. Each provider injects only the namespace it needs:
 *
 *     constructor(@Inject(workerConfig.KEY) private readonly worker: ConfigType<typeof workerConfig>) {}
 *
 * These factories are the only place the running gateway reads `process.env`; main.ts validated the same
 * environment at start (loadConfiguration), so they cannot fail. Nothing changes a namespace after load:
 * values worked out at start (the simulator's address, the MQ client) are providers of their own.
 */
import { registerAs, type ConfigFactory } from '@nestjs/config';
import { loadConfiguration, loadNamespace, type Configuration } from './configuration.js';
import { unknownVariables, type UnknownVariable } from './unknown-variables.js';
import type { Namespace } from './variables.js';

function namespace<N extends Namespace>(ns: N) {
  return registerAs(ns, (): Configuration[N] => loadNamespace(ns, process.env));
}

export const runtimeConfig = namespace('runtime');
export const serverConfig = namespace('server');
export const authConfig = namespace('auth');
export const clientsConfig = namespace('clients');
export const hostConfig = namespace('host');
export const amqpConfig = namespace('amqp');
export const storeConfig = namespace('store');
export const workerConfig = namespace('worker');
export const admissionConfig = namespace('admission');
export const rulesConfig = namespace('rules');
export const ledgerConfig = namespace('ledger');
export const intakeConfig = namespace('intake');
export const channelsConfig = namespace('channels');
export const compatConfig = namespace('compat');
export const loggingConfig = namespace('logging');
export const tracingConfig = namespace('tracing');
export const routingConfig = namespace('routing');
export const regionConfig = namespace('region');

/** Every namespace, for ConfigModule.forRoot({ load }). */
export const ALL_NAMESPACES: ConfigFactory[] = [
  runtimeConfig,
  serverConfig,
  authConfig,
  clientsConfig,
  hostConfig,
  amqpConfig,
  storeConfig,
  workerConfig,
  admissionConfig,
  rulesConfig,
  ledgerConfig,
  intakeConfig,
  channelsConfig,
  compatConfig,
  loggingConfig,
  tracingConfig,
  routingConfig,
  regionConfig,
];

/** At start (main.ts): the whole configuration from the process environment, and the unknown variables in it. */
export function loadFromProcessEnv(): { config: Configuration; unknown: UnknownVariable[] } {
  return { config: loadConfiguration(process.env), unknown: unknownVariables(process.env) };
}
