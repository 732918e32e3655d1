// From a cap, a scope and the time: the ledger key a charge goes to and when
// its usage expires. Rolling caps have one key whose entries age out; calendar
// caps get one key per bucket (day, ISO week, month in the cap's time zone),
// so a new bucket starts empty and the old one expires at its end.
import type { CompiledCap } from '../policy/compiled.ts';
import type { ChargeWindow } from '../ledger/ledger.ts';

/** Who a charge is counted for. */
export interface ChargeScope {
  /** The real credential's scope (ctx.credentialScope): every key carries it as its hash tag. */
  credential: string;
  /** Agent run id for `per: run` caps. */
  run?: string;
}

export const NO_RUN = 'no-run';

/**
 * The hash tag shared by every ledger key of one credential, so one
 * reservation's keys live in one Redis Cluster slot. Braces are escaped so a
 * scope can never end the tag early.
 */
export function hashTag(credential: string): string {
  return `{${encodeURIComponent(credential)}}`;
}

export function chargeKey(cap: CompiledCap, scope: ChargeScope, now: number): { key: string; window: ChargeWindow } {
  const who = cap.per === 'run' ? `run:${encodeURIComponent(scope.run ?? NO_RUN)}` : 'key';
  const base = `${hashTag(scope.credential)}:cap:${cap.id}:${who}`;
  if (cap.window.kind === 'rolling') return { key: base, window: { kind: 'rolling', ms: cap.window.ms } };
  const bucket = calendarBucket(cap.window.unit, cap.window.timeZone, now);
  return { key: `${base}:${bucket.label}`, window: { kind: 'calendar', endsAt: bucket.endsAt } };
}

/** A civil date (month 1–12). */
interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export interface CalendarBucket {
  /** Local date the bucket starts on, `2025-03-09`; part of the key. */
  label: string;
  startsAt: number;
  endsAt: number;
}

/** The day, ISO week (Monday start) or month containing `now`, in `timeZone`. */
export function calendarBucket(unit: 'day' | 'week' | 'month', timeZone: string, now: number): CalendarBucket {
  const today = localParts(now, timeZone);
  let start: CivilDate;
  let next: CivilDate;
  if (unit === 'day') {
    start = today;
    next = addDays(today, 1);
  } else if (unit === 'week') {
    const weekday = new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay(); // 0 = Sunday
    start = addDays(today, -((weekday + 6) % 7));
    next = addDays(start, 7);
  } else {
    start = { year: today.year, month: today.month, day: 1 };
    next = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
  }
  return { label: isoDate(start), startsAt: startOfLocalDay(start, timeZone), endsAt: startOfLocalDay(next, timeZone) };
}

/**
 * The first instant whose local date in `timeZone` is `date`. Usually local
 * midnight; where a DST change skips midnight the day starts when the clock
 * jumps. The offset at the guessed instant may be the wrong side of a change,
 * so both candidate offsets are tried and the earliest that lands on `date` wins.
 */
export function startOfLocalDay(date: CivilDate, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  const onDate = [first, second].filter((t) => sameDate(localParts(t, timeZone), date));
  return onDate.length > 0 ? Math.min(...onDate) : first;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallClock(t: number, timeZone: string): CivilDate & { hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const part = (type: string): number => {
    const n = parts[type];
    if (n === undefined) throw new Error(`Intl.DateTimeFormat gave no ${type} for ${timeZone}`); // it always does for these options
    return n;
  };
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute'), second: part('second') };
}

function localParts(t: number, timeZone: string): CivilDate {
  const { year, month, day } = wallClock(t, timeZone);
  return { year, month, day };
}

/** Local time minus UTC at instant `t`, in ms (whole seconds: zones have no sub-second offsets). */
function offsetAt(t: number, timeZone: string): number {
  const w = wallClock(t, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(t / 1000) * 1000;
}

function addDays(date: CivilDate, days: number): CivilDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function sameDate(a: CivilDate, b: CivilDate): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

function isoDate(d: CivilDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}
