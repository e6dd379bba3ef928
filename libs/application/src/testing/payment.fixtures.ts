// SPDX-License-Identifier: Apache-2.0
/** A stored payment for unit specs: a valid EUR pacs.008 from DE to NL unless overridden. */
import type { PaymentSnapshot } from '#domain';

export function paymentSnapshot(over: Partial<PaymentSnapshot> = {}): PaymentSnapshot {
  return {
    id: '7d0c2f0e-2b1a-4c3d-9e8f-0a1b2c3d4e5f',
    clientId: 'bank-a',
    status: 'RCVD',
    reason: null,
    history: [{ status: 'RCVD', at: '2026-11-22T10:00:00.000Z' }],
    version: 1,
    createdAt: '2026-11-22T10:00:00.000Z',
    updatedAt: '2026-11-22T10:00:00.000Z',
    messageType: 'pacs.008.001.08',
    msgId: 'MSG-1',
    creationDateTime: '2026-11-22T09:59:00Z',
    instrId: null,
    endToEndId: 'E2E-1',
    txId: null,
    uetr: '5b8b7e3f-3c1f-4d8e-9a4b-2f1e0c9d8a71',
    amount: { value: '100.00', currency: 'EUR' },
    settlementDate: '2026-11-22',
    settlementMethod: 'INDA',
    chargeBearer: 'SHAR',
    debtorName: 'Muster Maschinenbau GmbH',
    debtorAccount: 'DE12500105170648489890',
    debtorAgent: 'CLWYDEFF',
    creditorName: 'Voorbeeld Handel B.V.',
    creditorAccount: 'NL29CLWY0417164300',
    creditorAgent: 'CLWYNL2A',
    debtorCountry: 'DE',
    creditorCountry: 'NL',
    instructingAgent: 'CLWYDEFF',
    instructedAgent: 'CLWYNL2A',
    appHeader: null,
    ...over,
  };
}
