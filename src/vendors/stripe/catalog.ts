// Stripe operations keybrake knows by name (paths from stripe-node
// src/resources/*.ts). `billable` marks every operation that moves money now
// or later: those need a cost model in cost.ts or are
// refused. Anything not listed is an unknown operation, denied unless a rule
// allows it by method and path.
import type { OperationDef } from '../pack.ts';

type Method = 'GET' | 'POST' | 'DELETE';

function op(id: string, method: Method, path: string, billable = false): OperationDef {
  return { id, method, path, billable };
}

/** `<resource>.create/retrieve/update/list` over `/v1/<resource>[/{id}]`. */
function crud(resource: string, verbs: Array<'create' | 'retrieve' | 'update' | 'list' | 'del' | 'search'>): OperationDef[] {
  const base = `/v1/${resource.replace(/\./g, '/')}`;
  const paths = {
    create: ['POST', base],
    retrieve: ['GET', `${base}/{id}`],
    update: ['POST', `${base}/{id}`],
    list: ['GET', base],
    del: ['DELETE', `${base}/{id}`],
    search: ['GET', `${base}/search`],
  } as const;
  return verbs.map((verb) => op(`${resource}.${verb}`, paths[verb][0], paths[verb][1]));
}

const MONEY: OperationDef[] = [
  op('charges.create', 'POST', '/v1/charges', true),
  op('charges.capture', 'POST', '/v1/charges/{id}/capture', true),
  op('refunds.create', 'POST', '/v1/refunds', true),
  op('payment_intents.create', 'POST', '/v1/payment_intents', true),
  op('payment_intents.confirm', 'POST', '/v1/payment_intents/{id}/confirm', true),
  op('payment_intents.capture', 'POST', '/v1/payment_intents/{id}/capture', true),
  op('payment_intents.increment_authorization', 'POST', '/v1/payment_intents/{id}/increment_authorization', true),
  op('payment_intents.apply_customer_balance', 'POST', '/v1/payment_intents/{id}/apply_customer_balance', true),
  op('payouts.create', 'POST', '/v1/payouts', true),
  op('transfers.create', 'POST', '/v1/transfers', true),
  op('transfers.reversals.create', 'POST', '/v1/transfers/{id}/reversals', true),
  op('invoices.pay', 'POST', '/v1/invoices/{id}/pay', true),
  op('subscriptions.create', 'POST', '/v1/subscriptions', true),
  // Can invoice (and charge) immediately: prorations, billing_cycle_anchor=now, invoice_now.
  op('subscriptions.update', 'POST', '/v1/subscriptions/{id}', true),
  op('subscriptions.cancel', 'DELETE', '/v1/subscriptions/{id}', true),
  op('credit_notes.create', 'POST', '/v1/credit_notes', true),
  op('topups.create', 'POST', '/v1/topups', true),
  op('application_fees.refunds.create', 'POST', '/v1/application_fees/{id}/refunds', true),
  // Money moves later (a customer pays a page or link, an invoice auto-advances):
  // free here, counted by request caps, and failing closed with the ledger.
  op('invoiceitems.create', 'POST', '/v1/invoiceitems', true),
  op('invoices.create', 'POST', '/v1/invoices', true),
  op('invoices.finalize', 'POST', '/v1/invoices/{id}/finalize', true),
  op('customers.balance_transactions.create', 'POST', '/v1/customers/{id}/balance_transactions', true),
  op('checkout.sessions.create', 'POST', '/v1/checkout/sessions', true),
  op('payment_links.create', 'POST', '/v1/payment_links', true),
];

const OTHER: OperationDef[] = [
  ...crud('charges', ['retrieve', 'update', 'list', 'search']),
  ...crud('refunds', ['retrieve', 'update', 'list']),
  op('refunds.cancel', 'POST', '/v1/refunds/{id}/cancel'),
  ...crud('payment_intents', ['retrieve', 'update', 'list', 'search']),
  op('payment_intents.cancel', 'POST', '/v1/payment_intents/{id}/cancel'),
  ...crud('customers', ['create', 'retrieve', 'update', 'list', 'del', 'search']),
  op('customers.balance_transactions.list', 'GET', '/v1/customers/{id}/balance_transactions'),
  op('customers.payment_methods.list', 'GET', '/v1/customers/{id}/payment_methods'),
  ...crud('payment_methods', ['retrieve', 'list']),
  ...crud('products', ['create', 'retrieve', 'update', 'list', 'del', 'search']),
  ...crud('prices', ['create', 'retrieve', 'update', 'list', 'search']),
  ...crud('invoices', ['retrieve', 'update', 'list', 'search']),
  op('invoices.void', 'POST', '/v1/invoices/{id}/void'),
  ...crud('invoiceitems', ['retrieve', 'list']),
  ...crud('subscriptions', ['retrieve', 'list', 'search']),
  ...crud('payouts', ['retrieve', 'list']),
  op('payouts.cancel', 'POST', '/v1/payouts/{id}/cancel'),
  ...crud('transfers', ['retrieve', 'list']),
  op('transfers.reversals.list', 'GET', '/v1/transfers/{id}/reversals'),
  ...crud('credit_notes', ['retrieve', 'list']),
  op('credit_notes.preview', 'GET', '/v1/credit_notes/preview'),
  ...crud('topups', ['retrieve', 'list']),
  ...crud('application_fees', ['retrieve', 'list']),
  ...crud('checkout.sessions', ['retrieve', 'list']),
  op('checkout.sessions.expire', 'POST', '/v1/checkout/sessions/{id}/expire'),
  ...crud('payment_links', ['retrieve', 'update', 'list']),
  ...crud('disputes', ['retrieve', 'list']),
  ...crud('events', ['retrieve', 'list']),
  ...crud('balance_transactions', ['retrieve', 'list']),
  op('balance.retrieve', 'GET', '/v1/balance'),
  op('accounts.retrieve_current', 'GET', '/v1/account'),
];

export const STRIPE_OPERATIONS: readonly OperationDef[] = [...MONEY, ...OTHER];
