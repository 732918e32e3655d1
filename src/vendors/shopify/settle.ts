// After a 2xx, what Shopify says happened. GraphQL answers 200 even when a
// mutation did nothing: its payload's non-empty `userErrors` (or a null
// payload under top-level `errors`) means nothing moved, and when that holds
// for every mutation the hold is released. Otherwise the amounts are read from
// each payload's MoneyV2 (refund.totalRefundedSet.shopMoney, giftCard.initialValue…).
// A payload is trusted only when its selection has no alias, directive or
// fragment (document.ts `plainPayload`): an agent must not be able to alias
// another field as `userErrors` or as the amount. When any mutation's outcome
// cannot be read, the estimate stands (over-count, never under).
import type { CostEstimate, Operation, ParsedBody } from '../pack.ts';
import type { MutationCall } from './document.ts';
import { mutationModel, obj } from './mutations.ts';
import { currencyOf, sumMinor, toMinor, type Minor } from './money.ts';
import { callsOf } from './request.ts';
import { REST_GIFT_CARD_ID, REST_REFUND_ID } from './catalog.ts';
import { isPlainObject } from '../../guards.ts';

type Outcome = 'failed' | Minor | undefined;

/** One mutation's outcome: failed, the amount that moved, or undefined when the payload cannot tell. */
function outcomeOf(call: MutationCall, data: Record<string, unknown> | undefined): Outcome {
  if (!data || !Object.hasOwn(data, call.responseKey)) return undefined;
  const payload = data[call.responseKey];
  if (payload === null) return 'failed'; // the field raised an error: Shopify ran nothing for it
  if (!call.plainPayload) return undefined;
  const userErrors = obj(payload).userErrors;
  if (Array.isArray(userErrors) && userErrors.length > 0) return 'failed';
  const model = mutationModel(call.field);
  if (!model) return { ok: true, amount: 0, currency: '' }; // moves no money
  if (!model.settled) return undefined;
  let money: unknown = payload;
  for (const key of model.settled) money = obj(money)[key];
  const currency = currencyOf(obj(money).currencyCode);
  return currency ? toMinor(obj(money).amount, currency, `${call.field} payload amount`) : undefined;
}

function dataOf(response: unknown): Record<string, unknown> | undefined {
  const data = obj(response).data;
  return isPlainObject(data) ? data : undefined;
}

export function shopifyNothingHappened(op: Operation, response: unknown, body?: ParsedBody): boolean {
  const calls = body && callsOf(body);
  if (!calls) return false;
  const errors = obj(response).errors;
  if (!dataOf(response) && Array.isArray(errors) && errors.length > 0) return true;
  return calls.every((call) => outcomeOf(call, dataOf(response)) === 'failed');
}

export function shopifySettledAmount(
  op: Operation,
  response: unknown,
  estimate: CostEstimate,
  body?: ParsedBody,
): { amount: number; currency: string } | undefined {
  if (estimate.kind === 'free' || estimate.kind === 'unknown') return undefined;
  const calls = body && callsOf(body);
  if (!calls) return restSettled(op, response);
  const moved: Minor[] = [];
  for (const call of calls) {
    const outcome = outcomeOf(call, dataOf(response));
    if (outcome === undefined || (outcome !== 'failed' && !outcome.ok)) return undefined;
    if (outcome !== 'failed' && outcome.currency !== '') moved.push(outcome);
  }
  if (moved.length === 0) return estimate.kind === 'amount' ? { amount: 0, currency: estimate.currency } : undefined;
  const total = sumMinor(moved, 'none');
  return total.ok ? { amount: total.amount, currency: total.currency } : undefined;
}

function restSettled(op: Operation, response: unknown): { amount: number; currency: string } | undefined {
  if (op.id === REST_GIFT_CARD_ID) {
    const card = obj(obj(response).gift_card);
    const currency = currencyOf(typeof card.currency === 'string' ? card.currency.toUpperCase() : undefined);
    const minor = currency ? toMinor(card.initial_value, currency, 'gift_card.initial_value') : undefined;
    return minor?.ok ? { amount: minor.amount, currency: minor.currency } : undefined;
  }
  if (op.id !== REST_REFUND_ID) return undefined;
  const transactions = obj(obj(response).refund).transactions;
  if (!Array.isArray(transactions)) return undefined;
  const items = transactions.map((t, i) => {
    const currency = currencyOf(typeof obj(t).currency === 'string' ? (obj(t).currency as string).toUpperCase() : undefined);
    return currency ? toMinor(obj(t).amount, currency, `refund.transactions[${i}].amount`) : ({ ok: false, reason: 'no currency' } as Minor);
  });
  if (items.length === 0) return undefined;
  const total = sumMinor(items, 'none');
  return total.ok ? { amount: total.amount, currency: total.currency } : undefined;
}
