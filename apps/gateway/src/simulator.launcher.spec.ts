// SPDX-License-Identifier: Apache-2.0
import { simulatorEnvironment } from './simulator.launcher.js';

describe("the bundled simulator's environment", () => {
  it("gets its SIM_* settings and what Node needs, never the gateway's secrets or settings, nor the multi-host ones", () => {
    const env = simulatorEnvironment(
      {
        PATH: '/usr/bin',
        TZ: 'UTC',
        SIM_LATENCY_MS: '5',
        SIM_REJECT_SUFFIX: '0000',
        SIM_PORT: '1',
        CLEARWAY_CLIENTS: '[{"id":"a","secret":"very-secret-value"}]',
        SCREENING_AUTH_HEADER: 'Bearer xyz',
        AWS_SECRET_ACCESS_KEY: 'abc',
        AMQP_URL: 'amqp://u:p@h',
        LEGACY_HOST_AUTH_SECRET: 'host/auth',
        SIMULATE: 'x',
        SIM_HOSTS: '[{"name":"rtgs"}]',
        SIM_CONTROL_PORT: '9000',
      },
      8099,
      '/schemas',
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      TZ: 'UTC',
      SIM_LATENCY_MS: '5',
      SIM_REJECT_SUFFIX: '0000',
      SIM_PORT: '8099',
      SCHEMA_DIR: '/schemas',
    });
  });
});
