// Stripe-shaped answers for the fake vendor: enough of the API for the SDK to
// be happy and for settle and cost lookups to read amounts.
import type { Handler, Received } from './fake-vendor.ts';

export function formFields(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

let seq = 0;
const id = (prefix: string) => `${prefix}_fake${++seq}`;

/** Charges looked up by refunds: `ch_*` answer 10000 usd, 2500 already refunded. */
export const stripeHandler: Handler = (req: Received) => {
  const f = formFields(req.body);
  const [path = ''] = req.path.split('?'); // split always answers at least one part
  const amount = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
  if (req.method === 'GET' && path.startsWith('/v1/charges/')) {
    return { body: { id: path.split('/')[3], object: 'charge', amount: 10000, amount_refunded: 2500, currency: 'usd' } };
  }
  if (req.method === 'GET' && path.startsWith('/v1/payment_intents/')) {
    return { body: { id: path.split('/')[3], object: 'payment_intent', amount: 7000, amount_capturable: 7000, amount_received: 7000, currency: 'usd' } };
  }
  if (req.method === 'POST' && path === '/v1/refunds') {
    return { body: { id: id('re'), object: 'refund', amount: amount(f.amount, 7500), currency: 'usd', charge: f.charge, status: 'succeeded' } };
  }
  if (req.method === 'POST' && path === '/v1/charges') {
    return { body: { id: id('ch'), object: 'charge', amount: amount(f.amount, 0), currency: f.currency, customer: f.customer, status: 'succeeded' } };
  }
  if (req.method === 'POST' && path === '/v1/payouts') {
    return { body: { id: id('po'), object: 'payout', amount: amount(f.amount, 0), currency: f.currency } };
  }
  if (req.method === 'GET' && path === '/v1/customers') {
    return { body: { object: 'list', data: [{ id: 'cus_A', object: 'customer' }], has_more: false, url: '/v1/customers' } };
  }
  return { body: { id: id('obj'), object: 'unknown' } };
};
