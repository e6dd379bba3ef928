// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import type { PaymentSnapshot } from '#domain';
import type { UniquenessKeys } from '../../ports/transaction-repository.port.js';
import type { Job } from '../../ports/work-queue.port.js';

/** Sample data for the port contract suites (test support only; not exported from the library). */
export function samplePayment(overrides: Partial<PaymentSnapshot> = {}): PaymentSnapshot {
  const at = overrides.createdAt ?? '2025-01-15T10:00:00.000Z';
  return {
    id: randomUUID(),
    clientId: 'client-a',
    messageType: 'pacs.008.001.08',
    msgId: `MSG-${randomUUID().slice(0, 8)}`,
    creationDateTime: at,
    instrId: null,
    endToEndId: `E2E-${randomUUID().slice(0, 8)}`,
    txId: null,
    uetr: randomUUID(),
    amount: { value: '100.00', currency: 'EUR' },
    settlementDate: '2025-01-15',
    settlementMethod: 'CLRG',
    chargeBearer: 'SLEV',
    debtorName: 'Debtor',
    debtorAccount: 'DE89370400440532013000',
    debtorAgent: 'COBADEFFXXX',
    creditorName: 'Creditor',
    creditorAccount: 'FR1420041010050500013M02606',
    creditorAgent: 'BNPAFRPPXXX',
    instructingAgent: null,
    instructedAgent: null,
    appHeader: null,
    status: 'RCVD',
    reason: null,
    history: [{ status: 'RCVD', at }],
    version: 0,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function keysOf(p: PaymentSnapshot, idempotency?: { key: string; requestHash: string }): UniquenessKeys {
  return {
    ...(idempotency ? { idempotency } : {}),
    uetr: p.uetr,
    msgIdEndToEndId: `${p.msgId}|${p.endToEndId}`,
  };
}

export function sampleJob(overrides: Partial<Job> = {}): Job {
  const transactionId = overrides.transactionId ?? randomUUID();
  return {
    type: 'payment.process',
    transactionId,
    groupKey: transactionId,
    deduplicationId: `${transactionId}:process:${randomUUID()}`,
    ...overrides,
  };
}

/** A job as the contract compares it: the fields every store must keep. */
export function jobKey(job: Job): string {
  return `${job.type}|${job.transactionId}|${job.groupKey}|${job.deduplicationId}`;
}

/** Real engines (a JVM warming up, a fresh table per test) can be slow on a busy machine. */
export const TEST_TIMEOUT_MS = 60_000;
export const SETUP_TIMEOUT_MS = 60_000;

/** `it` with the contract suites' timeout. */
export function contractTest(name: string, fn: () => Promise<unknown>): void {
  it(
    name,
    async () => {
      await fn();
    },
    TEST_TIMEOUT_MS,
  );
}
