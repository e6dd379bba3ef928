// SPDX-License-Identifier: Apache-2.0
import { RegionFencedWriteError, RegionNotHomeError, type RegionRecord } from '../ports/region-registry.port.js';
import { RegionOwnership } from './region-ownership.js';

const record = (over: Partial<RegionRecord>): RegionRecord => ({
  id: 'a',
  status: 'healthy',
  epoch: 1,
  heartbeatAt: null,
  leaseUntil: null,
  takenOverBy: null,
  changedBy: 'heartbeat',
  changedAt: '2026-12-06T00:00:00.000Z',
  ...over,
});

describe('RegionOwnership', () => {
  it('writes nothing before its first heartbeat', () => {
    const o = new RegionOwnership('a');
    expect(() => o.tokenFor('a')).toThrow(RegionFencedWriteError);
    expect(o.regions()).toEqual([]);
  });

  it('acts for its own region at its epoch while healthy or draining', () => {
    const o = new RegionOwnership('a');
    o.update(record({ epoch: 3 }), new Map());
    expect(o.tokenFor('a')).toEqual({ home: 'a', epoch: 3, holder: 'a' });
    o.update(record({ epoch: 3, status: 'draining' }), new Map());
    expect(o.tokenFor('a').epoch).toBe(3);
    expect(o.regions()).toEqual(['a']);
  });

  it('is fenced when its own record is down', () => {
    const o = new RegionOwnership('a');
    o.update(record({ status: 'down', epoch: 2, takenOverBy: 'b' }), new Map());
    expect(() => o.tokenFor('a')).toThrow(/no longer acts for region a at epoch 2/);
    expect(o.regions()).toEqual([]);
  });

  it('acts for the regions it took over, at the takeover epoch, and for no other', () => {
    const o = new RegionOwnership('b');
    o.update(record({ id: 'b' }), new Map([['a', 2]]));
    expect(o.tokenFor('a')).toEqual({ home: 'a', epoch: 2, holder: 'b' });
    expect(() => o.tokenFor('c')).toThrow(RegionNotHomeError);
    expect(o.regions()).toEqual(['b', 'a']);
    o.update(record({ id: 'b' }), new Map());
    expect(() => o.tokenFor('a')).toThrow(/belongs to region a/);
  });
});
