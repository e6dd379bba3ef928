// SPDX-License-Identifier: Apache-2.0
import { ledgerAccountView, requestIdOf } from './ledger.controller.js';

describe('ledger API: who changed an account', () => {
  it('shows the last opening or adjustment with its client and request id', () => {
    const lastChange = { kind: 'adjustment' as const, by: 'ledger-ops', requestId: 'r-1', at: '2026-12-04T10:00:00.000Z' };
    expect(ledgerAccountView({ id: 'A', currency: 'EUR', balance: 1050n, updatedAt: 'x', lastChange })).toEqual({
      id: 'A',
      currency: 'EUR',
      balance: '10.50',
      updatedAt: 'x',
      lastChange,
    });
    expect(ledgerAccountView({ id: 'A', currency: 'JPY', balance: 5n, updatedAt: 'x' }).lastChange).toBeNull();
  });

  it('takes the request id from a well-formed X-Request-Id, else from the request itself', () => {
    expect(requestIdOf({ headers: { 'x-request-id': 'abc-123:x' }, id: 'req-1' })).toBe('abc-123:x');
    expect(requestIdOf({ headers: { 'x-request-id': 'bad id <script>' }, id: 'req-1' })).toBe('req-1');
    expect(requestIdOf({ headers: { 'x-request-id': 'x'.repeat(129) }, id: 'req-2' })).toBe('req-2');
    expect(requestIdOf({ headers: {}, id: '' })).toBeNull();
  });
});
