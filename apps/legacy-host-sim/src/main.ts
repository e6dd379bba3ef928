// SPDX-License-Identifier: Apache-2.0
import { startControlServer, type RunningControlServer } from './control-server.js';
import { controlPortFromEnv, hostSpecsFromEnv, optionsFromEnv, type SimulatedHostSpec, type SimulatorOptions } from './sim.config.js';
import { startSimulator, startSimulators } from './simulator.js';

/** Ends with the gateway that started it (an IPC channel to it), however the gateway ends. */
function endWithParent(close: () => Promise<void>): void {
  if (!process.connected) return;
  process.channel?.unref();
  process.once('disconnect', () => {
    void close().finally(() => process.exit(0));
  });
}

/** One host on SIM_PORT, as always. */
async function single(options: SimulatorOptions): Promise<void> {
  const sim = await startSimulator(options);
  const { config } = sim;
  endWithParent(() => sim.close());
  console.log(
    `legacy-host-sim listening on ${config.host}:${sim.port} ` +
      JSON.stringify({
        faults: config.faults,
        seed: config.seed,
        dataFile: config.dataFile,
        recordsLoaded: sim.recordsLoaded,
        schemaDir: config.schemaDir,
        transport: config.transport,
        requestQueue: config.amqp?.requestQueue,
        log: config.debug ? 'debug' : 'default',
      }),
  );
}

/** SIM_HOSTS: several named hosts, each on its own port; SIM_CONTROL_PORT (optional) stops and starts them. */
async function several(shared: SimulatorOptions, specs: SimulatedHostSpec[], controlPort: number | null): Promise<void> {
  // one signal handler for all hosts (each host's own would end the process while the others still close)
  const sims = await startSimulators(specs, { ...shared, shutdownHooks: false });
  let control: RunningControlServer | null = null;
  try {
    if (controlPort !== null) control = await startControlServer(sims, controlPort, shared.host ?? '127.0.0.1');
  } catch (err) {
    await sims.close();
    throw err;
  }
  const close = () => Promise.all([control?.close(), sims.close()]).then(() => undefined);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void close().finally(() => process.exit(0));
    });
  }
  endWithParent(close);
  for (const [name, sim] of sims.hosts) {
    const { config } = sim;
    console.log(
      `legacy-host-sim host ${name} listening on ${config.host}:${sim.port} ` +
        JSON.stringify({ faults: config.faults, seed: config.seed, dataFile: config.dataFile, recordsLoaded: sim.recordsLoaded }),
    );
  }
  console.log(
    `legacy-host-sim playing ${sims.hosts.size} hosts` +
      (control ? `; control API on ${control.url}` : '; no control API (SIM_CONTROL_PORT unset)') +
      ` ${JSON.stringify({ schemaDir: shared.schemaDir ?? 'config/schemas', log: shared.debug ? 'debug' : 'default' })}`,
  );
}

/** The simulated legacy payment host as a process: configured by SIM_* variables (see README.md). */
try {
  const options = optionsFromEnv();
  const specs = hostSpecsFromEnv();
  if (specs === null) await single(options);
  else await several(options, specs, controlPortFromEnv());
} catch (err) {
  console.error(`legacy-host-sim failed to start: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
}
