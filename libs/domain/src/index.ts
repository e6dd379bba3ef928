// SPDX-License-Identifier: Apache-2.0
export * from './domain.errors.js';
export * from './currency.js';
export * from './decimal-amount.js';
export * from './money.js';
export * from './identifiers.js';
export * from './payment-status.js';
export * from './payment.js';
