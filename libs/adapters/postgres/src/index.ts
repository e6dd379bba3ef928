export * from './postgres-database.js';
export * from './postgres.migrations.js';
export * from './postgres-transaction-repository.adapter.js';
