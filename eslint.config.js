// SPDX-License-Identifier: Apache-2.0
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@nestjs/*', '#adapters/*', '#application', '#iso20022', 'node:*'] }],
    },
  },
  {
    // Configuration is read by the loaders only (docs/adr/0010-configuration.md); everything else injects a namespace.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      'apps/gateway/src/config/namespaces.ts',
      'apps/legacy-host-sim/src/sim.config.ts',
      // passes the environment on to the simulator child process
      'apps/gateway/src/simulator.launcher.ts',
      // the operator CLI is not the gateway: its entry hands its environment (CLEARWAY_URL, DATA_DIR, ...) to the CLI
      'apps/cli/src/main.ts',
    ],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read configuration through its namespace (apps/gateway/src/config)' },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
