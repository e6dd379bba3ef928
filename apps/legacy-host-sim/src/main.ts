import { optionsFromEnv } from './sim.config.js';
import { startSimulator } from './simulator.js';

/** The simulated legacy payment host as a process: configured by SIM_* variables (see README.md). */
try {
  const sim = await startSimulator(optionsFromEnv());
  const { config } = sim;
  // Started by the gateway (an IPC channel to it): end with it, however the gateway ends.
  if (process.connected) {
    process.channel?.unref();
    process.once('disconnect', () => {
      void sim.close().finally(() => process.exit(0));
    });
  }
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
} catch (err) {
  console.error(`legacy-host-sim failed to start: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
}
