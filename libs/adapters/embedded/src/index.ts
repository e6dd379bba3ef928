// SPDX-License-Identifier: Apache-2.0
export * from './embedded-database.js';
export * from './embedded.migrations.js';
export * from './sqlite-transaction-repository.adapter.js';
export * from './sqlite-work-queue.adapter.js';
export * from './sqlite-message-archive.adapter.js';
export * from './sqlite-ledger-store.adapter.js';
export * from './file-secret-store.adapter.js';
export * from './sqlite-region-registry.adapter.js';
export * from './embedded-adapters.module.js';
