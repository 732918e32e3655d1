// A loopback stand-in for a shop's Admin GraphQL API: it parses the document
// with the graphql reference implementation, runs each top-level mutation of
// the selected operation and answers a payload under its response key (alias)
// the way Shopify shapes them. A gift card or refund whose note is "decline"
// answers userErrors instead, as Shopify does for a mutation it refuses.
import { Kind, parse, valueFromASTUntyped, type FieldNode, type OperationDefinitionNode } from 'graphql';
import type { Handler } from '../../../src/demo/fake-vendor.ts';

type Args = Record<string, unknown>;
const money = (amount: string) => ({ amount, currencyCode: 'USD' });
const obj = (v: unknown): Args => (v && typeof v === 'object' ? (v as Args) : {});

function sum(amounts: unknown[]): string {
  const cents = amounts.reduce<number>((total, a) => total + Math.round(Number(a) * 100), 0);
  return (cents / 100).toFixed(2);
}

const declined = { userErrors: [{ field: ['input'], message: 'declined by the fake shop' }] };

const MUTATIONS: Record<string, (args: Args) => unknown> = {
  refundCreate: (args) => {
    const input = obj(args.input);
    if (input.note === 'decline') return { refund: null, ...declined };
    const transactions = Array.isArray(input.transactions) ? input.transactions : [];
    return { refund: { id: 'gid://shopify/Refund/1', totalRefundedSet: { shopMoney: money(sum(transactions.map((t) => obj(t).amount))) } }, userErrors: [] };
  },
  draftOrderComplete: (args) => ({ draftOrder: { id: args.id, totalPriceSet: { shopMoney: money(DRAFT_TOTAL) } }, userErrors: [] }),
  giftCardCreate: (args) => {
    const input = obj(args.input);
    if (input.note === 'decline') return { giftCard: null, giftCardCode: null, ...declined };
    return { giftCard: { id: 'gid://shopify/GiftCard/1', initialValue: money(sum([input.initialValue])) }, giftCardCode: 'abcd1234efgh', userErrors: [] };
  },
};

/** What the fake shop holds: draft orders and orders by id, with their totals. */
const DRAFT_TOTAL = '42.00';
const OUTSTANDING = '19.99';

const READS: Record<string, (args: Args) => unknown> = {
  nodes: (args) =>
    (Array.isArray(args.ids) ? args.ids : []).map((id) => {
      if (/^gid:\/\/shopify\/DraftOrder\/\d+$/.test(String(id))) return { __typename: 'DraftOrder', id, totalPriceSet: { shopMoney: money(DRAFT_TOTAL) } };
      if (/^gid:\/\/shopify\/Order\/\d+$/.test(String(id))) return { __typename: 'Order', id, totalOutstandingSet: { shopMoney: money(OUTSTANDING) } };
      return null;
    }),
  shop: () => ({ name: 'Acme' }),
};

/** Legacy REST: POST /admin/api/{version}/orders/{id}/refunds.json answers the refund with its transactions. */
function restRefund(body: string) {
  const refund = obj(obj(JSON.parse(body)).refund);
  const transactions = (Array.isArray(refund.transactions) ? refund.transactions : []).map((t, i) => ({
    id: i + 1,
    ...obj(t),
    currency: 'USD',
    status: 'success',
  }));
  return { status: 201, body: { refund: { id: 509562969, transactions } } };
}

export const shopifyHandler: Handler = (req) => {
  if (req.method === 'POST' && /^\/admin\/api\/[^/]+\/orders\/\d+\/refunds\.json$/.test(req.path)) return restRefund(req.body);
  if (req.method !== 'POST' || !/^\/admin\/api\/[^/]+\/graphql\.json$/.test(req.path)) {
    return { status: 404, body: { errors: 'Not Found' } };
  }
  const { query, variables } = JSON.parse(req.body) as { query: string; variables?: Args };
  const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const data: Args = {};
  for (const field of operation.selectionSet.selections as FieldNode[]) {
    const args: Args = {};
    for (const arg of field.arguments ?? []) args[arg.name.value] = valueFromASTUntyped(arg.value, variables);
    const run = MUTATIONS[field.name.value];
    const read = READS[field.name.value];
    data[field.alias?.value ?? field.name.value] = run ? run(args) : read ? read(args) : null;
  }
  return { body: { data, extensions: { cost: { requestedQueryCost: 10 } } } };
};
