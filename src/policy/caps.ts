// A validated Cap → CompiledCap. The id keys the ledger, so it is derived only
// from what the cap means: an unchanged cap keeps its usage across reloads, and
// a changed one (new limit, window, scope) starts its own count.
import { createHash } from 'node:crypto';
import type { Cap } from './schema.ts';
import type { CapLimit, CapWindow, CompiledCap } from './compiled.ts';
import { parseDuration } from './duration.ts';
import { parseMajor } from '../money/money.ts';

export const CALENDAR_WINDOWS = ['day', 'week', 'month'] as const;
type CalendarUnit = (typeof CALENDAR_WINDOWS)[number];

export function isCalendarWindow(window: unknown): window is CalendarUnit {
  return CALENDAR_WINDOWS.includes(window as CalendarUnit);
}

/** `24h stripe spend`, `1m stripe requests`, `day twilio segments`, unless the cap is named. */
export function capName(cap: Cap, vendor: string): string {
  if (cap.name) return cap.name;
  const measure = cap.maxSpend ? 'spend' : cap.maxUnits ? cap.maxUnits.unit : 'requests';
  return `${cap.window} ${vendor} ${measure}`;
}

export interface CapOwner {
  policy: string;
  namespace?: string;
  vendor: string;
}

export function compileCap(cap: Cap, owner: CapOwner): CompiledCap {
  const window = compileWindow(cap);
  const limit = compileLimit(cap);
  const per = cap.per ?? 'key';
  const operations = cap.operations ? [...new Set(cap.operations)].sort() : undefined;
  const definition = [owner.namespace ?? '', owner.policy, owner.vendor, window, limit, per, operations ?? null];
  const id = `cap_${createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 20)}`;
  return {
    id,
    name: capName(cap, owner.vendor),
    window,
    limit,
    per,
    ...(operations ? { operations: new Set(operations) } : {}),
  };
}

function compileWindow(cap: Cap): CapWindow {
  if (isCalendarWindow(cap.window)) {
    const timeZone = cap.timeZone ?? 'UTC';
    return { kind: 'calendar', unit: cap.window, timeZone, label: timeZone === 'UTC' ? cap.window : `${cap.window} ${timeZone}` };
  }
  return { kind: 'rolling', ms: parseDuration(cap.window), label: cap.window };
}

function compileLimit(cap: Cap): CapLimit {
  if (cap.maxSpend) {
    const { amount, currency } = cap.maxSpend;
    return { kind: 'spend', amount: parseMajor(amount, currency), currency };
  }
  if (cap.maxUnits) return { kind: 'units', count: cap.maxUnits.count, unit: cap.maxUnits.unit };
  return { kind: 'requests', count: cap.maxRequests as number };
}
