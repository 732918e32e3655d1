// Building blocks for Stripe cost estimates: an amount in the body, an amount
// that lives on an existing object (one GET upstream), or a refusal that
// tells the agent what to send instead.
import type { CostEstimate, ParsedBody } from '../pack.ts';
import { currencyField, integerField, objectCurrency, objectInteger, type Field } from './fields.ts';

/** How one operation is priced: its id (for messages), parsed body and path parameters. */
export type CostRule = (opId: string, body: ParsedBody, params: Record<string, string>) => CostEstimate;

export const FREE: CostEstimate = { kind: 'free' };

export function unknown(reason: string): CostEstimate {
  return { kind: 'unknown', reason };
}

/** The refusal reason of an unreadable field, if it is one. */
export function invalidReason(f: Field<unknown>): string | undefined {
  return f.state === 'invalid' ? f.reason : undefined;
}

/** Both `amount` and `currency` in the body (charges, payouts, transfers, top-ups, confirmed PIs). */
export function amountInBody(opId: string, body: ParsedBody, amountPath = 'amount'): CostEstimate {
  const amount = integerField(body, amountPath);
  const currency = currencyField(body, 'currency');
  if (amount.state === 'invalid' || currency.state === 'invalid') {
    return unknown(`stripe ${opId}: ${invalidReason(amount) ?? invalidReason(currency)}`);
  }
  if (amount.state === 'absent' || currency.state === 'absent') {
    return unknown(`stripe ${opId}: send ${amountPath} (integer minor units) and currency; keybrake prices the call from them`);
  }
  return { kind: 'amount', amount: amount.value, currency: currency.value };
}

/** `/v1/charges` + `ch_1` → `/v1/charges/ch_1` (ids were checked by idField; encoded anyway). */
export function objectPath(collection: string, id: string, query = ''): string {
  return `/v1/${collection}/${encodeURIComponent(id)}${query}`;
}

/**
 * The currency (and, when the body does not say, the amount) come from an
 * existing object: GET `path`, then take the body's amount if it gave one,
 * else `fallback(object)`. An object without them fails the lookup (refused).
 */
export function onObject(opId: string, path: string, bodyAmount: Field<number>, fallback: (object: unknown) => number | undefined): CostEstimate {
  if (bodyAmount.state === 'invalid') return unknown(`stripe ${opId}: ${bodyAmount.reason}`);
  const given = bodyAmount.state === 'ok' ? bodyAmount.value : undefined;
  return {
    kind: 'lookup',
    path,
    stated: given,
    read(object) {
      const currency = objectCurrency(object);
      const amount = given ?? fallback(object);
      return currency === undefined || amount === undefined ? undefined : { amount, currency };
    },
  };
}

/** `object[total] − object[less]`, floored at 0; undefined when either is unreadable. */
export function remaining(object: unknown, total: string, less: string): number | undefined {
  const t = objectInteger(object, total);
  const l = objectInteger(object, less) ?? (hasField(object, less) ? undefined : 0);
  return t === undefined || l === undefined ? undefined : Math.max(0, t - l);
}

function hasField(object: unknown, key: string): boolean {
  return typeof object === 'object' && object !== null && Object.hasOwn(object, key) && (object as Record<string, unknown>)[key] !== null;
}
