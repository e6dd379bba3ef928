// SPDX-License-Identifier: Apache-2.0
// Jest runs the TypeScript sources as native ESM (NestJS 12 is ESM-only); see docs/adr/0002-toolchain-node24-esm.md.
const tsJest = ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json', isolatedModules: true, diagnostics: false }];
const common = {
  rootDir: '.',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  moduleNameMapper: {
    '^#domain$': '<rootDir>/libs/domain/src/index.ts',
    '^#iso20022$': '<rootDir>/libs/iso20022/src/index.ts',
    '^#application$': '<rootDir>/libs/application/src/index.ts',
    '^#adapters/(.*)$': '<rootDir>/libs/adapters/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/deploy/**/*.spec.ts'] },
    // test/**/*.int-spec.ts: integration tests of test support against real engines (e.g. the region replicator).
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts', '<rootDir>/test/**/*.int-spec.ts'] },
    // TEST_STORE=postgres (npm run test:postgres): leftover schemas of earlier runs are dropped first
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/**/*.conformance-spec.ts'],
      globalSetup: '<rootDir>/test/support/postgres-global-setup.mjs',
    },
    // test/integrity: one regression test per integrity defect (issue 9); run after the build, in band.
    {
      ...common,
      displayName: 'integrity',
      testMatch: ['<rootDir>/test/integrity/**/*.integrity-spec.ts'],
      globalSetup: '<rootDir>/test/support/postgres-global-setup.mjs',
    },
    // test/edge: the hostile-edge and foreign-client suites (issue 10), against the built gateway; in band.
    { ...common, displayName: 'edge', testMatch: ['<rootDir>/test/edge/**/*.edge-spec.ts'] },
  ],
};
