import { IllegalTransitionError } from './domain.errors.js';
import { Payment, type PaymentDetails } from './payment.js';
import { canTransition, isTerminal } from './payment-status.js';

const details: PaymentDetails = {
  messageType: 'pacs.008.001.08',
  msgId: 'MSG1',
  creationDateTime: '2026-11-22T10:00:00Z',
  instrId: null,
  endToEndId: 'E2E1',
  txId: null,
  uetr: 'eb6305c9-1f7f-49de-aed0-16487c27b42d',
  amount: { value: '100.00', currency: 'EUR' },
  settlementDate: '2026-11-22',
  settlementMethod: 'INDA',
  chargeBearer: 'SHAR',
  debtorName: 'A',
  debtorAccount: null,
  debtorAgent: 'AAAADEFF',
  creditorName: 'B',
  creditorAccount: null,
  creditorAgent: 'BBBBGB2L',
  instructingAgent: null,
  instructedAgent: null,
  appHeader: null,
};
const t0 = new Date('2026-11-22T10:00:00Z');

describe('Payment', () => {
  it('starts RCVD with one history entry and one event', () => {
    const p = Payment.receive({ id: 't1', clientId: 'c1', at: t0, ...details });
    expect(p.status).toBe('RCVD');
    expect(p.toSnapshot().history).toEqual([{ status: 'RCVD', at: t0.toISOString() }]);
    expect(p.pullEvents()).toHaveLength(1);
    expect(p.pullEvents()).toHaveLength(0);
  });

  it('walks the happy path and records reasons', () => {
    const p = Payment.receive({ id: 't1', clientId: 'c1', at: t0, ...details });
    p.passValidation(t0);
    p.markReleased(t0);
    p.applyHostOutcome({ kind: 'settled' }, t0);
    expect(p.isTerminal).toBe(true);
    expect(p.toSnapshot().history.map((h) => h.status)).toEqual(['RCVD', 'ACTC', 'ACSP', 'ACSC']);
  });

  it('refuses moves the status machine forbids, and leaves terminal states alone', () => {
    const p = Payment.receive({ id: 't1', clientId: 'c1', at: t0, ...details });
    expect(() => p.applyHostOutcome({ kind: 'settled' }, t0)).toThrow(IllegalTransitionError);
    p.failValidation({ code: 'AC04', text: 'closed' }, t0);
    expect(() => p.markReleased(t0)).toThrow(IllegalTransitionError);
    expect(p.toSnapshot().reason).toEqual({ code: 'AC04', text: 'closed' });
    for (const to of ['RCVD', 'ACTC', 'PDNG', 'ACSP', 'ACSC', 'RJCT', 'CANC'] as const) {
      expect(canTransition('RJCT', to)).toBe(false);
    }
    expect(isTerminal('CANC')).toBe(true);
  });

  it('stores a rejected-on-receipt message straight as RJCT with its reason', () => {
    const p = Payment.rejectOnReceipt({ id: 't2', clientId: 'c1', at: t0, ...details, amount: null }, { code: 'FF01' });
    expect(p.status).toBe('RJCT');
    expect(p.toSnapshot().history.map((h) => h.status)).toEqual(['RCVD', 'RJCT']);
  });

  it('round-trips through its snapshot without sharing state', () => {
    const p = Payment.receive({ id: 't1', clientId: 'c1', at: t0, ...details });
    const snap = p.toSnapshot();
    const q = Payment.fromSnapshot(snap);
    q.passValidation(t0);
    expect(snap.status).toBe('RCVD');
    expect(q.status).toBe('ACTC');
  });
});
