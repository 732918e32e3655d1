// Calendar buckets in the cap's time zone, across midnight and DST changes,
// and the ledger keys caps are charged under.
import { describe, expect, it } from 'vitest';
import type { CompiledCap } from '../../src/policy/compiled.ts';
import { calendarBucket, chargeKey } from '../../src/caps/windows.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

function bucket(unit: 'day' | 'week' | 'month', timeZone: string, now: string) {
  const b = calendarBucket(unit, timeZone, at(now));
  return { label: b.label, start: iso(b.startsAt), end: iso(b.endsAt) };
}

describe('calendar day in America/New_York', () => {
  it('rolls over at local midnight, not UTC midnight', () => {
    expect(bucket('day', 'America/New_York', '2025-06-01T03:59:59.999Z').label).toBe('2025-05-31');
    expect(bucket('day', 'America/New_York', '2025-06-01T04:00:00.000Z')).toEqual({
      label: '2025-06-01',
      start: '2025-06-01T04:00:00.000Z',
      end: '2025-06-02T04:00:00.000Z',
    });
  });

  it('is 23 hours long on the spring-forward day', () => {
    expect(bucket('day', 'America/New_York', '2025-03-09T12:00:00Z')).toEqual({
      label: '2025-03-09',
      start: '2025-03-09T05:00:00.000Z', // midnight EST
      end: '2025-03-10T04:00:00.000Z', // midnight EDT
    });
    // 01:59 EST and 03:00 EDT, either side of the jump, are the same day.
    expect(bucket('day', 'America/New_York', '2025-03-09T06:59:00Z').label).toBe('2025-03-09');
    expect(bucket('day', 'America/New_York', '2025-03-09T07:00:00Z').label).toBe('2025-03-09');
    expect(bucket('day', 'America/New_York', '2025-03-10T03:59:59.999Z').label).toBe('2025-03-09');
  });

  it('is 25 hours long on the fall-back day', () => {
    expect(bucket('day', 'America/New_York', '2025-11-02T12:00:00Z')).toEqual({
      label: '2025-11-02',
      start: '2025-11-02T04:00:00.000Z',
      end: '2025-11-03T05:00:00.000Z',
    });
    expect(bucket('day', 'America/New_York', '2025-11-03T04:30:00Z').label).toBe('2025-11-02'); // 23:30 EST
  });
});

describe('calendar day in other zones', () => {
  it('starts when the clock jumps where DST skips midnight (America/Santiago)', () => {
    expect(bucket('day', 'America/Santiago', '2024-09-08T12:00:00Z')).toEqual({
      label: '2024-09-08',
      start: '2024-09-08T04:00:00.000Z', // 01:00 -03: 00:00 never happened
      end: '2024-09-09T03:00:00.000Z',
    });
    expect(bucket('day', 'America/Santiago', '2024-09-08T03:59:59Z').label).toBe('2024-09-07');
  });

  it('handles DST east of UTC (Australia/Sydney)', () => {
    expect(bucket('day', 'Australia/Sydney', '2025-10-05T12:00:00Z')).toEqual({
      label: '2025-10-05',
      start: '2025-10-04T14:00:00.000Z',
      end: '2025-10-05T13:00:00.000Z',
    });
    expect(bucket('day', 'Australia/Sydney', '2025-04-06T12:00:00Z')).toEqual({
      label: '2025-04-06',
      start: '2025-04-05T13:00:00.000Z',
      end: '2025-04-06T14:00:00.000Z',
    });
  });

  it('handles half-hour offsets (Asia/Kolkata) and defaults to plain UTC days', () => {
    expect(bucket('day', 'Asia/Kolkata', '2025-12-31T20:00:00Z')).toEqual({
      label: '2026-01-01',
      start: '2025-12-31T18:30:00.000Z',
      end: '2026-01-01T18:30:00.000Z',
    });
    expect(bucket('day', 'UTC', '2025-12-31T23:59:59Z')).toEqual({
      label: '2025-12-31',
      start: '2025-12-31T00:00:00.000Z',
      end: '2026-01-01T00:00:00.000Z',
    });
  });
});

describe('calendar week and month', () => {
  it('starts ISO weeks on Monday in the cap zone, across the DST change', () => {
    // Sunday 2025-03-09 belongs to the week of Monday 2025-03-03.
    expect(bucket('week', 'America/New_York', '2025-03-09T12:00:00Z')).toEqual({
      label: '2025-03-03',
      start: '2025-03-03T05:00:00.000Z',
      end: '2025-03-10T04:00:00.000Z',
    });
    expect(bucket('week', 'America/New_York', '2025-03-10T04:00:00Z').label).toBe('2025-03-10');
    // A week spanning the new year.
    expect(bucket('week', 'UTC', '2026-01-01T00:00:00Z').label).toBe('2025-12-29');
  });

  it('runs months from the 1st to the 1st, rolling the year', () => {
    expect(bucket('month', 'America/New_York', '2025-03-15T12:00:00Z')).toEqual({
      label: '2025-03-01',
      start: '2025-03-01T05:00:00.000Z',
      end: '2025-04-01T04:00:00.000Z',
    });
    expect(bucket('month', 'America/New_York', '2025-12-31T12:00:00Z')).toEqual({
      label: '2025-12-01',
      start: '2025-12-01T05:00:00.000Z',
      end: '2026-01-01T05:00:00.000Z',
    });
    expect(bucket('month', 'America/New_York', '2026-01-01T04:59:59Z').label).toBe('2025-12-01');
  });
});

describe('chargeKey', () => {
  const cap = (over: Partial<CompiledCap>): CompiledCap => ({
    id: 'agents/refunds/stripe/0',
    name: '24h stripe spend',
    window: { kind: 'rolling', ms: 86_400_000, label: '24h' },
    limit: { kind: 'spend', amount: 50000, currency: 'usd' },
    per: 'key',
    ...over,
  });
  const now = at('2025-03-09T12:00:00Z');

  it('gives rolling caps one key per credential, tagged for Redis Cluster', () => {
    expect(chargeKey(cap({}), { credential: 'agents/stripe-live/apiKey', run: 'r1' }, now)).toEqual({
      key: '{agents%2Fstripe-live%2FapiKey}:cap:agents/refunds/stripe/0:key',
      window: { kind: 'rolling', ms: 86_400_000 },
    });
  });

  it('gives calendar caps one key per bucket, ending at the local midnight', () => {
    const day = cap({ window: { kind: 'calendar', unit: 'day', timeZone: 'America/New_York', label: 'day' } });
    const today = chargeKey(day, { credential: 'c' }, now);
    const tomorrow = chargeKey(day, { credential: 'c' }, at('2025-03-10T04:00:00Z'));
    expect(today).toEqual({ key: '{c}:cap:agents/refunds/stripe/0:key:2025-03-09', window: { kind: 'calendar', endsAt: at('2025-03-10T04:00:00Z') } });
    expect(tomorrow.key).toBe('{c}:cap:agents/refunds/stripe/0:key:2025-03-10');
  });

  it('scopes per-run caps by run id, with calls outside a run in their own bucket', () => {
    const perRun = cap({ per: 'run' });
    expect(chargeKey(perRun, { credential: 'c', run: 'run 7' }, now).key).toBe('{c}:cap:agents/refunds/stripe/0:run:run%207');
    expect(chargeKey(perRun, { credential: 'c' }, now).key).toBe('{c}:cap:agents/refunds/stripe/0:run:no-run');
  });

  it('cannot be tricked into another hash slot by braces in the scope', () => {
    const { key } = chargeKey(cap({}), { credential: 'ns/}{x/key' }, now);
    expect(/\{[^}]+\}/.exec(key)?.[0]).toBe('{ns%2F%7D%7Bx%2Fkey}');
  });
});
