// SPDX-License-Identifier: Apache-2.0
import type { Pacs008, Pacs008Transaction } from '#iso20022';
import { decide, idempotencyKey, newReportMsgId } from './payment-decider.js';

const tx = (over: Partial<Pacs008Transaction> = {}): Pacs008Transaction => ({
  instrId: null,
  endToEndId: 'E2E1',
  txId: null,
  uetr: null,
  interbankSettlementAmount: { value: '10.00', currency: 'EUR' },
  interbankSettlementDate: null,
  instructedAmount: null,
  chargeBearer: null,
  instructingAgent: null,
  instructedAgent: null,
  debtor: { name: null, country: null },
  debtorAccount: null,
  debtorAgent: null,
  creditor: { name: null, country: null },
  creditorAccount: null,
  creditorAgent: null,
  remittanceInformation: null,
  serviceLevel: null,
  localInstrument: null,
  categoryPurpose: null,
  clearingSystem: null,
  ...over,
});
const msg = (t: Pacs008Transaction): Pacs008 => ({
  messageType: 'pacs.008.001.08',
  groupHeader: {
    msgId: 'MSG1',
    creationDateTime: '2026-01-01T00:00:00Z',
    numberOfTransactions: 1,
    settlementMethod: 'CLRG',
    clearingSystem: null,
    totalInterbankSettlementAmount: null,
    interbankSettlementDate: null,
    instructingAgent: null,
    instructedAgent: null,
  },
  transactions: [t],
});

describe('payment decider', () => {
  it('rejects creditor accounts ending in the suffix with AC04, IBAN or Othr/Id', () => {
    expect(decide(tx({ creditorAccount: { iban: 'DE89370400440532019999', other: null } }), '9999')).toMatchObject({
      status: 'RJCT',
      reason: { code: 'AC04' },
    });
    expect(decide(tx({ creditorAccount: { iban: null, other: '12349999' } }), '9999').status).toBe('RJCT');
    expect(decide(tx({ creditorAccount: { iban: 'DE89370400440532013000', other: null } }), '9999').status).toBe('ACSC');
    expect(decide(tx(), '9999').status).toBe('ACSC');
    expect(decide(tx({ creditorAccount: { iban: null, other: '12349999' } }), '').status).toBe('ACSC');
  });

  it('keys by header, else UETR, else MsgId + EndToEndId', () => {
    const withUetr = msg(tx({ uetr: 'AB2C0A6B-0000-4000-8000-000000000001' }));
    expect(idempotencyKey(' k1 ', withUetr)).toBe('k1');
    expect(idempotencyKey(undefined, withUetr)).toBe('ab2c0a6b-0000-4000-8000-000000000001');
    expect(idempotencyKey(undefined, msg(tx()))).toBe('MSG1/E2E1');
  });

  it('makes report ids of 35 characters', () => {
    const id = newReportMsgId();
    expect(id).toMatch(/^SIM[0-9A-F]{32}$/);
    expect(newReportMsgId()).not.toBe(id);
  });
});
