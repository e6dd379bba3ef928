// SPDX-License-Identifier: Apache-2.0
export * from './postgres-database.js';
export * from './postgres.migrations.js';
export * from './postgres-transaction-repository.adapter.js';
export * from './postgres-work-queue.adapter.js';
export * from './postgres-message-archive.adapter.js';
export * from './postgres-secret-store.adapter.js';
export * from './postgres-ledger-store.adapter.js';
export * from './postgres-job-listener.js';
