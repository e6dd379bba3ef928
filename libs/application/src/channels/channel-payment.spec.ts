// SPDX-License-Identifier: Apache-2.0
import { channelTransactionId, pacs008FromOrder } from './channel-payment.js';
import type { PaymentOrder } from './payment-order.js';

const ORDER: PaymentOrder = {
  debtor: { name: 'Alice', account: { iban: 'DE89370400440532013000', other: null }, agentBic: null, country: null },
  creditor: {
    name: 'Shop',
    account: { iban: 'FR1420041010050500013M02606', other: null },
    agentBic: 'BNPAFRPP',
    country: 'FR',
    addressLines: [],
  },
  amount: { value: '12.50', currency: 'EUR' },
  remittance: null,
  serviceLevel: 'INST',
  localInstrument: null,
  categoryPurpose: null,
  endToEndId: null,
  requestedExecutionDate: null,
};
const CTX = { transactionId: '6d1f8a2e-5b7c-4d9e-8f01-23456789abcd', creationDateTime: '2026-11-22T10:00:00Z', debtorAgentBic: 'CLWYDEFF' };

describe('channelTransactionId', () => {
  it('is a UUID v4 layout, the same for the same client and key, different for another client or key', () => {
    const id = channelTransactionId('wallet-a', 'order-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(channelTransactionId('wallet-a', 'order-1')).toBe(id);
    expect(channelTransactionId('wallet-b', 'order-1')).not.toBe(id);
    expect(channelTransactionId('wallet-a', 'order-2')).not.toBe(id);
  });
});

describe('pacs008FromOrder', () => {
  it('derives MsgId, UETR and the EndToEndId from the transaction id, and the settlement date from the creation time', () => {
    const input = pacs008FromOrder(ORDER, CTX);
    expect(input.msgId).toMatch(/^CW[0-9a-f]{30}$/);
    expect(input.transaction).toMatchObject({
      endToEndId: '6d1f8a2e5b7c4d9e8f0123456789abcd',
      interbankSettlementDate: '2026-11-22',
      debtorAgent: { bic: 'CLWYDEFF' },
      instructingAgent: { bic: 'CLWYDEFF' },
      instructedAgent: { bic: 'BNPAFRPP' },
      paymentType: { serviceLevel: 'INST', localInstrument: null, categoryPurpose: null },
      chargeBearer: 'SLEV',
    });
    expect(input.transaction.uetr).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
    expect(input.transaction.uetr).not.toBe(CTX.transactionId);
    expect(pacs008FromOrder(ORDER, CTX)).toEqual(input);
  });

  it("takes the order's own EndToEndId, debtor agent and execution date", () => {
    const input = pacs008FromOrder(
      { ...ORDER, endToEndId: 'E-1', requestedExecutionDate: '2026-12-01', debtor: { ...ORDER.debtor, agentBic: 'COBADEFF' } },
      CTX,
    );
    expect(input.transaction).toMatchObject({ endToEndId: 'E-1', interbankSettlementDate: '2026-12-01', debtorAgent: { bic: 'COBADEFF' } });
  });
});
