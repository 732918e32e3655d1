// What an agent sees through a sidecar: a refund of `amount` cents either goes
// through (the refund id) or is refused (the refusal's code and message); a
// call the fake Stripe holds open until the sidecar cuts it.
import https from 'node:https';
import Stripe from 'stripe';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import type { Sidecar } from '../helpers/k8s-cluster.ts';

export async function refund(sc: Sidecar, key: string, amount: number): Promise<{ ok: boolean; code?: string; message?: string }> {
  try {
    await stripeViaConnect(key, sc.port, sc.caPem, { maxNetworkRetries: 0 }).refunds.create({ charge: 'ch_1', amount });
    return { ok: true };
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeError)) throw err;
    return { ok: false, code: err.code, message: err.message };
  }
}

/** An agent call (GET /v1/customers) the fake Stripe holds open; resolves with the time (performance.now()) its client socket closed. */
export function heldCall(sc: Sidecar, key: string): Promise<number> {
  return new Promise((resolve) => {
    const req = https.request({
      host: '127.0.0.1',
      port: sc.port,
      servername: 'api.stripe.com',
      ca: sc.caPem,
      method: 'GET',
      path: '/v1/customers',
      headers: { host: 'api.stripe.com', authorization: `Bearer ${key}` },
    });
    req.on('socket', (s) => s.once('close', () => resolve(performance.now())));
    req.on('error', () => {});
    req.end();
  });
}

/** The policy a sidecar enforces, as its /status reports it. */
export async function sidecarPolicy(sc: Sidecar): Promise<{ killed: boolean; reason?: string; names: string[]; generation: number }> {
  const s = await (await sc.admin('/status')).json();
  return { killed: s.killed, reason: s.reason, names: s.policy.names, generation: s.policy.generation };
}
