// SPDX-License-Identifier: Apache-2.0
import { unknownVariables, unknownVariableWarning } from './unknown-variables.js';

describe('unknown variables with a known prefix', () => {
  it('names a misspelt setting and the closest known one', () => {
    const found = unknownVariables({
      CLEARWAY_CLIENT: '[]',
      TOKEN_TTL_SECOND: '60',
      LEGACY_HOST_ULR: 'http://h',
      SCREENING_TIMEOUT: '100',
      AUTH_ISSUR: 'x',
    });
    expect(found).toEqual([
      { name: 'AUTH_ISSUR', closest: 'AUTH_ISSUER' },
      { name: 'CLEARWAY_CLIENT', closest: 'CLEARWAY_CLIENTS' },
      { name: 'LEGACY_HOST_ULR', closest: 'LEGACY_HOST_URL' },
      { name: 'SCREENING_TIMEOUT', closest: 'SCREENING_TIMEOUT_MS' },
      { name: 'TOKEN_TTL_SECOND', closest: 'TOKEN_TTL_SECONDS' },
    ]);
    expect(unknownVariableWarning(found[1]!)).toBe(
      'CLEARWAY_CLIENT is not a Clearway setting and is ignored; did you mean CLEARWAY_CLIENTS?',
    );
  });

  it('reports a known name in the wrong case', () => {
    expect(unknownVariables({ log_level: 'debug' })).toEqual([{ name: 'log_level', closest: 'LOG_LEVEL' }]);
  });

  it('leaves known variables, the simulator settings and foreign variables alone', () => {
    expect(
      unknownVariables({
        CLEARWAY_CLIENTS: '[]',
        TOKEN_TTL_SECONDS: '900',
        SIM_LATENCY_MS: '10',
        PATH: '/usr/bin',
        HOME: '/root',
        HOSTNAME: 'box',
        AWS_ACCESS_KEY_ID: 'AKIA',
        NODE_OPTIONS: '--enable-source-maps',
      }),
    ).toEqual([]);
  });
});
