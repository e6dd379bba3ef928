// SPDX-License-Identifier: Apache-2.0
import type { OnApplicationShutdown } from '@nestjs/common';
import type { HostConfig } from './config/configuration.js';
import { ensureSimulator } from './simulator.launcher.js';

/**
 * Where this process reaches the HTTP legacy host, worked out at start: LEGACY_HOST_URL, or the bundled
 * simulator on SIM_PORT (started when none answers there; stopped with the application) when the `host`
 * namespace says this process uses it. Null: no HTTP host (core mode, AMQP transport, or ROLE=api without
 * LEGACY_HOST_URL). A provider of its own, so the configuration is never patched after load.
 */
export class HostEndpoint implements OnApplicationShutdown {
  private constructor(
    readonly url: string | null,
    private readonly stop: () => void = () => {},
  ) {}

  static async resolve(host: HostConfig, schemaDir: string): Promise<HostEndpoint> {
    if (!host.useSimulator) return new HostEndpoint(host.url);
    const sim = await ensureSimulator(host.simPort, schemaDir);
    return new HostEndpoint(sim.url, () => sim.stop());
  }

  onApplicationShutdown(): void {
    this.stop();
  }
}
