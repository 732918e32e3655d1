// What a Shopify call costs before it is forwarded, in the shop's currency
// unless the request names another: the sum of its mutations' prices
// (mutations.ts), all in one currency, with `units: {mutations}` for maxUnits
// caps. One unpriceable mutation makes the whole document unknown: nothing of
// it is forwarded. Totals the request does not carry (draftOrderComplete,
// orderMarkAsPaid) are read with one bounded GraphQL query for all of them
// (`nodes(ids:)`, one id per mutation at most) before forwarding.
// Legacy REST refunds and gift cards are priced the same way.
import type { CostEstimate, Operation, ParsedBody, PriceContext, VendorRequest } from '../pack.ts';
import { REST_GIFT_CARD_ID, REST_REFUND_ID } from './catalog.ts';
import { mutationModel, obj, type CallCost } from './mutations.ts';
import { currencyOf, sumMinor, toMinor, type Minor } from './money.ts';
import { callsOf } from './request.ts';

/** The one read that finds every total a document needs; `nodes` answers null for an id the shop does not have. */
export const TOTALS_QUERY =
  'query KeybrakeTotals($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on DraftOrder { id totalPriceSet { shopMoney { amount currencyCode } } } ' +
  '... on Order { id totalOutstandingSet { shopMoney { amount currencyCode } } } } }';

type Lookup = Extract<CallCost, { kind: 'lookup' }>;

export function estimateShopifyCost(op: Operation, body: ParsedBody, prices: PriceContext, req: VendorRequest): CostEstimate {
  const shopCurrency = prices.defaultCurrency;
  const calls = callsOf(body);
  if (!calls) return restCost(op, body, shopCurrency);
  const costs: Array<{ field: string; cost: CallCost }> = calls.map((call) => {
    const model = mutationModel(call.field);
    const counted = prices.countedByRequests?.(call.field) ?? false;
    return { field: call.field, cost: model ? model.price({ args: call.args, shopCurrency, counted }) : { kind: 'free' } };
  });
  const units = { mutations: calls.length };
  const unknown = costs.find((c) => c.cost.kind === 'unknown');
  if (unknown?.cost.kind === 'unknown') return { kind: 'unknown', reason: `shopify ${unknown.field}: ${unknown.cost.reason}` };
  const amounts: Minor[] = costs.flatMap(({ cost }) => (cost.kind === 'amount' ? [{ ok: true as const, amount: cost.amount, currency: cost.currency }] : []));
  const lookups = costs.flatMap(({ cost }) => (cost.kind === 'lookup' ? [cost] : []));
  if (lookups.length > 0) return lookupTotals(req.path, lookups, amounts, units);
  if (amounts.length === 0) return { kind: 'free', units };
  const total = sumMinor(amounts, 'no amount');
  return total.ok ? { kind: 'amount', amount: total.amount, currency: total.currency, units } : { kind: 'unknown', reason: `shopify: ${total.reason}` };
}

function lookupTotals(path: string, lookups: Lookup[], known: Minor[], units: Record<string, number>): CostEstimate {
  const ids = [...new Set(lookups.map((l) => l.id))];
  return {
    kind: 'lookup',
    path,
    body: JSON.stringify({ query: TOTALS_QUERY, variables: { ids } }),
    hint: `Check that ${ids.join(', ')} exist${ids.length === 1 ? 's' : ''} in this shop and that the token may read ${[...new Set(lookups.map((l) => l.type))].join(' and ')} totals.`,
    units,
    read(response) {
      const nodes = obj(obj(response).data).nodes;
      if (!Array.isArray(nodes)) return undefined;
      const found = lookups.map((l): Minor => {
        const node = nodes.find((n) => obj(n).id === l.id && obj(n).__typename === l.type);
        let money: unknown = node;
        for (const key of l.money) money = obj(money)[key];
        const currency = currencyOf(obj(money).currencyCode);
        return currency ? toMinor(obj(money).amount, currency, `${l.type} ${l.id} total`) : { ok: false, reason: `no ${l.type} ${l.id}` };
      });
      const total = sumMinor([...known, ...found], 'none');
      return total.ok ? { amount: total.amount, currency: total.currency } : undefined;
    },
  };
}

function restCost(op: Operation, body: ParsedBody, shopCurrency: string | undefined): CostEstimate {
  if (op.id === REST_REFUND_ID) {
    const refund = obj(body.refund);
    const currency = currencyOf(typeof refund.currency === 'string' ? refund.currency.toUpperCase() : undefined) ?? shopCurrency;
    if (!currency) return { kind: 'unknown', reason: 'shopify refund: the refund names no currency and the policy sets no shopCurrency' };
    const transactions = Array.isArray(refund.transactions) ? refund.transactions : [];
    const items = transactions.map((t, i) => toMinor(obj(t).amount, currency, `refund.transactions[${i}].amount`));
    if (items.length === 0) return { kind: 'amount', amount: 0, currency };
    return fromMinor(sumMinor(items, 'no amount'));
  }
  if (op.id === REST_GIFT_CARD_ID) {
    if (!shopCurrency) return { kind: 'unknown', reason: 'shopify gift card: the policy sets no shopCurrency' };
    return fromMinor(toMinor(obj(body.gift_card).initial_value, shopCurrency, 'gift_card.initial_value'));
  }
  return op.billable ? { kind: 'unknown', reason: `keybrake has no cost model for shopify ${op.id}` } : { kind: 'free' };
}

function fromMinor(minor: Minor): CostEstimate {
  return minor.ok ? { kind: 'amount', amount: minor.amount, currency: minor.currency } : { kind: 'unknown', reason: `shopify: ${minor.reason}` };
}
