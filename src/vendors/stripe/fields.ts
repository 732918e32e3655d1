// Reading cost-relevant fields from a parsed request body or a Stripe object.
// Each reader says "absent", "this value" or "unreadable": an unreadable field
// is refused upstream, never coerced (so `amount=` or `amount=1e3` is not 0).

import { currencyCodeOf } from '../../money/money.ts';
export type Field<T> = { state: 'absent' } | { state: 'ok'; value: T } | { state: 'invalid'; reason: string };

export const ABSENT = { state: 'absent' } as const;
const CANONICAL_INTEGER = /^(0|[1-9][0-9]*)$/;
/** Stripe object ids: `ch_…`, `pi_…`, custom product ids; no `/`, `.` or `%` that would reshape a lookup path. */
const OBJECT_ID = /^[A-Za-z0-9_-]{1,255}$/;

/** A dotted path into nested objects and arrays: `items.0.price_data.unit_amount`. */
export function valueAt(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A non-negative safe integer: a canonical digit string (form) or a number (JSON). */
export function integerField(obj: unknown, path: string): Field<number> {
  const v = valueAt(obj, path);
  if (v === undefined) return ABSENT;
  const n = typeof v === 'number' ? v : typeof v === 'string' && CANONICAL_INTEGER.test(v) ? Number(v) : NaN;
  if (Number.isSafeInteger(n) && n >= 0) return { state: 'ok', value: n };
  return { state: 'invalid', reason: `${path} must be a non-negative integer amount in minor units (cents)` };
}

/** A three-letter currency code, lowercased. */
export function currencyField(obj: unknown, path: string): Field<string> {
  const v = valueAt(obj, path);
  if (v === undefined) return ABSENT;
  const cur = currencyCodeOf(v);
  if (cur) return { state: 'ok', value: cur };
  return { state: 'invalid', reason: `${path} must be a three-letter currency code like "usd"` };
}

/** A Stripe object id usable in a lookup path. */
export function idField(obj: unknown, path: string): Field<string> {
  const v = valueAt(obj, path);
  if (v === undefined) return ABSENT;
  if (typeof v === 'string' && OBJECT_ID.test(v)) return { state: 'ok', value: v };
  return { state: 'invalid', reason: `${path} must be a Stripe object id like "ch_123"` };
}

/**
 * Stripe booleans are "true"/"false" on the wire. Each cost rule asks the
 * question whose unexpected answer is the safe one: `paid_out_of_band` frees
 * a payment only when it is exactly true; `confirm` is free only when absent
 * or exactly false.
 */
export function isTrue(obj: unknown, path: string): boolean {
  const v = valueAt(obj, path);
  return v === true || v === 'true';
}

export function isFalseOrAbsent(obj: unknown, path: string): boolean {
  const v = valueAt(obj, path);
  return v === undefined || v === false || v === 'false';
}

/** An integer on a Stripe JSON object (a response or a lookup): a number, never a string. */
export function objectInteger(obj: unknown, path: string): number | undefined {
  const v = valueAt(obj, path);
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

export function objectCurrency(obj: unknown): string | undefined {
  const f = currencyField(obj, 'currency');
  return f.state === 'ok' ? f.value : undefined;
}
