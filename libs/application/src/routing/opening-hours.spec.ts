// SPDX-License-Identifier: Apache-2.0
import { isOpen } from './opening-hours.js';
import { WEEKDAYS, type OpeningHours } from './routing.model.js';

const brussels = (extra: Partial<OpeningHours> = {}): OpeningHours => ({
  timeZone: 'Europe/Brussels',
  open: '07:00',
  cutOff: '18:00',
  days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
  closedDates: [],
  ...extra,
});
const everyDay = [...WEEKDAYS];
const at = (iso: string) => new Date(iso);

function closed(hours: OpeningHours, iso: string): { reason: string; opensAt: string | null } {
  const state = isOpen(hours, at(iso));
  if (state.open) throw new Error(`open at ${iso}`);
  return { reason: state.reason, opensAt: state.opensAt?.toISOString() ?? null };
}

describe('isOpen', () => {
  it('is open from open (inclusive) to the cut-off (exclusive), local time', () => {
    const hours = brussels();
    // Wednesday 2025-01-15, CET (UTC+1): 07:00 local = 06:00Z, 18:00 local = 17:00Z
    expect(isOpen(hours, at('2025-01-15T06:00:00.000Z'))).toEqual({ open: true });
    expect(isOpen(hours, at('2025-01-15T16:59:59.999Z'))).toEqual({ open: true });
    expect(closed(hours, '2025-01-15T17:00:00.000Z')).toEqual({
      reason: 'past the 18:00 cut-off (Europe/Brussels)',
      opensAt: '2025-01-16T06:00:00.000Z',
    });
    expect(closed(hours, '2025-01-15T05:59:59.999Z')).toEqual({
      reason: 'opens at 07:00 Europe/Brussels',
      opensAt: '2025-01-15T06:00:00.000Z',
    });
  });

  it('follows summer time: the same local cut-off is an hour earlier in UTC', () => {
    const hours = brussels();
    // Wednesday 2025-07-16, CEST (UTC+2): 18:00 local = 16:00Z
    expect(isOpen(hours, at('2025-07-16T15:59:59Z'))).toEqual({ open: true });
    expect(closed(hours, '2025-07-16T16:00:00Z').reason).toMatch(/cut-off/);
  });

  it('on the spring-forward day (2025-03-30) the cut-off is at 18:00 local, after the change', () => {
    const hours = brussels({ days: everyDay });
    expect(isOpen(hours, at('2025-03-30T15:59:59Z'))).toEqual({ open: true });
    expect(closed(hours, '2025-03-30T16:00:00Z')).toEqual({
      reason: 'past the 18:00 cut-off (Europe/Brussels)',
      opensAt: '2025-03-31T05:00:00.000Z',
    });
    // the evening before (still CET) it reopens at 07:00 CEST, an hour earlier in UTC than the day before
    expect(closed(hours, '2025-03-29T17:30:00Z').opensAt).toBe('2025-03-30T05:00:00.000Z');
    expect(closed(hours, '2025-03-28T17:30:00Z').opensAt).toBe('2025-03-29T06:00:00.000Z');
  });

  it('on the fall-back day (2025-10-26) the hours are local too', () => {
    const hours = brussels({ days: everyDay });
    expect(closed(hours, '2025-10-25T18:00:00Z').opensAt).toBe('2025-10-26T06:00:00.000Z');
    expect(isOpen(hours, at('2025-10-26T16:59:59Z'))).toEqual({ open: true });
    expect(closed(hours, '2025-10-26T17:00:00Z').reason).toMatch(/cut-off/);
  });

  it('an opening inside the spring-forward gap opens when the gap ends', () => {
    // 02:30 does not exist on 2025-03-30 in Brussels: 02:00 CET jumps to 03:00 CEST (01:00Z)
    const hours = brussels({ open: '02:30', days: everyDay });
    expect(closed(hours, '2025-03-30T00:00:00Z').opensAt).toBe('2025-03-30T01:00:00.000Z');
    expect(closed(hours, '2025-03-30T00:59:59Z').reason).toBe('opens at 02:30 Europe/Brussels');
    expect(isOpen(hours, at('2025-03-30T01:00:00Z'))).toEqual({ open: true });
  });

  it('an opening in the hour that repeats when the clocks go back opens at its first occurrence', () => {
    // 02:30 happens twice on 2025-10-26: 00:30Z (CEST) and 01:30Z (CET)
    const hours = brussels({ open: '02:30', days: everyDay });
    expect(closed(hours, '2025-10-26T00:00:00Z').opensAt).toBe('2025-10-26T00:30:00.000Z');
    expect(isOpen(hours, at('2025-10-26T00:30:00Z'))).toEqual({ open: true });
  });

  it('is closed on days it does not open, until its next open day', () => {
    const hours = brussels();
    // Saturday 2025-01-18 noon: opens Monday 07:00 CET
    expect(closed(hours, '2025-01-18T11:00:00Z')).toEqual({
      reason: 'closed on Sat (Europe/Brussels)',
      opensAt: '2025-01-20T06:00:00.000Z',
    });
    // Friday after the cut-off: Monday too
    expect(closed(hours, '2025-01-17T17:00:00Z').opensAt).toBe('2025-01-20T06:00:00.000Z');
  });

  it('is closed on its closed dates (local dates), skipping them for the next opening', () => {
    const hours = brussels({ closedDates: ['2025-12-25', '2025-12-26'] });
    expect(closed(hours, '2025-12-25T10:00:00Z')).toEqual({
      reason: 'closed on 2025-12-25 (Europe/Brussels)',
      opensAt: '2025-12-29T06:00:00.000Z',
    });
    expect(closed(hours, '2025-12-24T17:00:00Z').opensAt).toBe('2025-12-29T06:00:00.000Z');
    const tokyo: OpeningHours = { timeZone: 'Asia/Tokyo', open: '00:00', cutOff: '24:00', days: everyDay, closedDates: ['2025-12-25'] };
    // 2025-12-24T15:00Z is already the 25th in Tokyo
    expect(isOpen(tokyo, at('2025-12-24T14:59:59Z'))).toEqual({ open: true });
    expect(closed(tokyo, '2025-12-24T15:00:00Z')).toEqual({
      reason: 'closed on 2025-12-25 (Asia/Tokyo)',
      opensAt: '2025-12-25T15:00:00.000Z',
    });
  });

  it('a 24:00 cut-off is the end of the day', () => {
    const hours = brussels({ open: '00:00', cutOff: '24:00' });
    // Friday 2025-01-17 23:59:59.999 CET is open; the Saturday after is not
    expect(isOpen(hours, at('2025-01-17T22:59:59.999Z'))).toEqual({ open: true });
    expect(closed(hours, '2025-01-17T23:00:00Z')).toEqual({
      reason: 'closed on Sat (Europe/Brussels)',
      opensAt: '2025-01-19T23:00:00.000Z',
    });
    expect(isOpen(hours, at('2025-01-19T23:00:00Z'))).toEqual({ open: true });
  });
});
