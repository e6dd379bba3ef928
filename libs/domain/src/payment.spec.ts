// SPDX-License-Identifier: Apache-2.0
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

describe('Payment routes: a move to another connector only before delivery', () => {
  const decision = {
    rule: 'r1',
    strategy: 'route',
    candidates: ['a', 'b'],
    refused: [{ connector: 'c', code: 'CURRENCY', reason: 'c takes USD' }],
  };
  const routed = () => {
    const p = Payment.receive({ id: 't1', clientId: 'c1', at: t0, ...details });
    p.routeTo(decision, t0);
    p.passValidation(t0);
    return p;
  };

  it('stores the decision before release and the connector with ACSP, in the history too', () => {
    const p = routed();
    expect(p.details.route).toMatchObject({ rule: 'r1', candidates: ['a', 'b'], connector: 'a', delivery: 'not-started' });
    p.markReleased(t0, { connector: 'a', skipped: [] });
    expect(p.deliveryStarted).toBe(true);
    expect(p.toSnapshot().history.at(-1)).toEqual({ status: 'ACSP', at: t0.toISOString(), connector: 'a' });
  });

  it('records the candidates passed over at release as a failover', () => {
    const p = routed();
    p.markReleased(t0, { connector: 'b', skipped: [{ connector: 'a', code: 'CIRCUIT_OPEN', reason: 'a circuit open' }] });
    expect(p.details.route).toMatchObject({ connector: 'b', failovers: [{ from: 'a', to: 'b', code: 'CIRCUIT_OPEN' }] });
  });

  it('a routed payment is released only to one of its candidates', () => {
    expect(() => routed().markReleased(t0)).toThrow(/one of its connectors/);
    expect(() => routed().markReleased(t0, { connector: 'z', skipped: [] })).toThrow(/not a candidate/);
  });

  it('moves only after a refusal (nothing sent), with the move in the history', () => {
    const p = routed();
    p.markReleased(t0, { connector: 'a', skipped: [] });
    expect(() => p.resumeDelivery('b', [], t0)).toThrow(/last delivery sent nothing/);
    p.deliveryRefused(t0);
    p.resumeDelivery('b', [{ connector: 'a', code: 'UNREACHABLE', reason: 'a refused the connection' }], t0);
    expect(p.details.route).toMatchObject({
      connector: 'b',
      delivery: 'started',
      failovers: [{ from: 'a', to: 'b', code: 'UNREACHABLE' }],
    });
    expect(p.toSnapshot().history.at(-1)).toMatchObject({ status: 'ACSP', connector: 'b', reason: { code: 'NARR' } });
  });

  it('is never rejected for want of a route once a delivery started, and never routed again after release', () => {
    const p = routed();
    p.markReleased(t0, { connector: 'a', skipped: [] });
    expect(() => p.refuseRoute({ code: 'AG03' }, t0)).toThrow(/delivery started/);
    expect(() => p.routeTo(decision, t0)).toThrow(/not routed again/);
    p.deliveryRefused(t0);
    p.refuseRoute({ code: 'AB05', text: 'nothing could take it' }, t0);
    expect(p.status).toBe('RJCT');
  });

  it('holds for a route before release only', () => {
    const p = Payment.receive({ id: 't1', clientId: 'c1', at: t0, ...details });
    p.routeTo({ ...decision, candidates: [] }, t0);
    p.holdForRoute('r1', 'no connector open', t0);
    expect(p.isHeld).toBe(true);
    expect(p.details.route).toMatchObject({ connector: null, candidates: [] });
    const released = routed();
    released.markReleased(t0, { connector: 'a', skipped: [] });
    expect(() => released.holdForRoute('r1', 'x', t0)).toThrow(IllegalTransitionError);
  });
});
