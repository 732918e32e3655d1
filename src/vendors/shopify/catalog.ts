// Shopify Admin endpoints keybrake knows by name. GraphQL is one endpoint
// whose operations are the document's mutations (each becomes its own
// operation id, `refundCreate`); a document that is a query is the read
// `query`. Legacy REST writes that move money are listed with their own ids.
import type { OperationDef } from '../pack.ts';

function op(id: string, method: string, path: string, billable = false): OperationDef {
  return { id, method, path, billable };
}

export const GRAPHQL_ID = 'query';
export const GRAPHQL_GET_ID = 'graphql.get';
export const REST_REFUND_ID = 'orders.refunds.create';
export const REST_GIFT_CARD_ID = 'gift_cards.create';

export const SHOPIFY_OPERATIONS: readonly OperationDef[] = [
  // A mutation document is identified by its mutations once parsed; a query stays this read.
  op(GRAPHQL_ID, 'POST', '/admin/api/{version}/graphql.json'),
  // GraphQL over GET is refused: a mutation must not travel where a read is expected.
  op(GRAPHQL_GET_ID, 'GET', '/admin/api/{version}/graphql.json'),
  op(REST_REFUND_ID, 'POST', '/admin/api/{version}/orders/{order_id}/refunds.json', true),
  op(REST_REFUND_ID, 'POST', '/admin/orders/{order_id}/refunds.json', true),
  op('orders.refunds.calculate', 'POST', '/admin/api/{version}/orders/{order_id}/refunds/calculate.json'),
  op(REST_GIFT_CARD_ID, 'POST', '/admin/api/{version}/gift_cards.json', true),
];
