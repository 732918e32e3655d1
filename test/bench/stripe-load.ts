// The request every benchmark sends: a Stripe-shaped `charges.create` form
// POST as stripe-node sends it (form body with bracketed metadata, Bearer key,
// Stripe-Version, a fresh Idempotency-Key per request), and the fixed charge
// object the static upstream answers with.

export const STRIPE_HOST = 'api.stripe.com';
export const CHARGE_PATH = '/v1/charges';
export const CHARGE_AMOUNT = 2000;

export const CHARGE_FORM =
  `amount=${CHARGE_AMOUNT}&currency=usd&customer=cus_QbEnch0000001&description=Order%20%234711%20for%20support%20ticket` +
  '&metadata[order_id]=4711&metadata[ticket_id]=T-98231&metadata[agent_run_id]=run_bench_01&capture=true';

export const CHARGE_RESPONSE = JSON.stringify({
  id: 'ch_3QbEnchBenchBench0001',
  object: 'charge',
  amount: CHARGE_AMOUNT,
  amount_captured: CHARGE_AMOUNT,
  amount_refunded: 0,
  captured: true,
  currency: 'usd',
  customer: 'cus_QbEnch0000001',
  description: 'Order #4711 for support ticket',
  livemode: false,
  metadata: { order_id: '4711', ticket_id: 'T-98231', agent_run_id: 'run_bench_01' },
  paid: true,
  status: 'succeeded',
});

/** Where a load generator sends the request: 127.0.0.1:port, with SNI and Host `host`. */
export interface LoadTarget {
  port: number;
  /** TLS server name and Host header; default api.stripe.com. */
  host?: string;
  path?: string;
  body?: string;
  /** Static request headers (Idempotency-Key is added per request). */
  headers: Record<string, string>;
}

/** Headers stripe-node sends on a POST, with `authorization` as the Bearer credential. */
export function chargeHeaders(authorization: string): Record<string, string> {
  return {
    authorization: `Bearer ${authorization}`,
    'content-type': 'application/x-www-form-urlencoded',
    'stripe-version': '2025-03-31.basil',
    'user-agent': 'Stripe/v1 NodeBindings/23.1.0',
    accept: 'application/json',
  };
}
