// SPDX-License-Identifier: Apache-2.0
import { WEEKDAYS, type OpeningHours, type Weekday } from './routing.model.js';

/**
 * Whether a connector takes payments at an instant, from its local opening hours (an IANA time zone read with
 * Intl, no time-zone library): open on its days, not on its closed dates, from `open` (inclusive) to `cutOff`
 * (exclusive; `24:00` is the end of the day). Local wall-clock time is what counts, so on the days the clocks
 * change an 18:00 cut-off is still 18:00 local. When closed, `opensAt` is the first instant it is open again (null
 * when it never opens within a year and a week).
 */
export type OpenState = { open: true } | { open: false; reason: string; opensAt: Date | null };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface Local {
  year: number;
  month: number;
  day: number;
  /** Seconds since local midnight. */
  seconds: number;
  weekday: Weekday;
  /** `YYYY-MM-DD` */
  date: string;
  /** The local wall-clock time read as if it were UTC, in ms (for offsets). */
  wallMs: number;
}

function local(timeZone: string, at: number): Local {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(at)) parts[p.type] = p.value;
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const second = Number(parts.second);
  const date = `${String(year).padStart(4, '0')}-${parts.month}-${parts.day}`;
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second) + (at % 1000 >= 0 ? at % 1000 : 1000 + (at % 1000));
  return { year, month, day, seconds: hour * 3600 + minute * 60 + second, weekday: parts.weekday as Weekday, date, wallMs };
}

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

export function isOpen(hours: OpeningHours, at: Date): OpenState {
  const now = at.getTime();
  const here = local(hours.timeZone, now);
  const openSec = minutes(hours.open) * 60;
  const cutSec = minutes(hours.cutOff) * 60;
  const where = hours.timeZone;
  let reason: string;
  if (!hours.days.includes(here.weekday)) reason = `closed on ${here.weekday} (${where})`;
  else if (hours.closedDates.includes(here.date)) reason = `closed on ${here.date} (${where})`;
  else if (here.seconds < openSec) reason = `opens at ${hours.open} ${where}`;
  else if (here.seconds >= cutSec) reason = `past the ${hours.cutOff} cut-off (${where})`;
  else return { open: true };
  return { open: false, reason, opensAt: nextOpening(hours, here, openSec) };
}

/** The first instant at or after `here` when the connector opens: today's opening if still ahead, else a later day's. */
function nextOpening(hours: OpeningHours, here: Local, openSec: number): Date | null {
  for (let ahead = 0; ahead <= 372; ahead++) {
    const day = new Date(Date.UTC(here.year, here.month - 1, here.day + ahead));
    const date = day.toISOString().slice(0, 10);
    const weekday = WEEKDAYS[(day.getUTCDay() + 6) % 7]!;
    if (!hours.days.includes(weekday) || hours.closedDates.includes(date)) continue;
    if (ahead === 0 && here.seconds >= openSec) continue;
    return new Date(instantOf(hours.timeZone, day.getTime() + openSec * 1000));
  }
  return null;
}

/** The offset of the zone at an instant, in ms (local wall clock minus UTC). */
function offsetAt(timeZone: string, at: number): number {
  return local(timeZone, at).wallMs - at;
}

/**
 * The first instant whose local wall-clock time is `wallMs` or later: the instant itself when that time exists
 * once, the earlier of the two when the clocks go back (it exists twice), and the end of the gap when the clocks
 * go forward over it (it does not exist: 02:30 on a spring-forward night opens at 03:00).
 */
function instantOf(timeZone: string, wallMs: number): number {
  // The offsets a day before and a day after: the same, or the two sides of the one change in between.
  const DAY = 86_400_000;
  const early = wallMs - offsetAt(timeZone, wallMs - DAY);
  const late = wallMs - offsetAt(timeZone, wallMs + DAY);
  const candidates = [early, late].filter((t) => local(timeZone, t).wallMs === wallMs);
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: the first instant whose wall-clock time is past it, between the two readings.
  let lo = Math.min(early, late);
  let hi = Math.max(early, late);
  if (local(timeZone, lo).wallMs >= wallMs) return lo;
  while (hi - lo > 1000) {
    const mid = lo + Math.max(1000, Math.floor((hi - lo) / 2000) * 1000);
    if (local(timeZone, mid).wallMs >= wallMs) hi = mid;
    else lo = mid;
  }
  return hi;
}
