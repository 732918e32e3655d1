// The official stripe SDK, configured as an agent would be: only an agent key,
// the mesh CA, and either HTTPS_PROXY (explicit, CONNECT) or straight TLS to
// the listener with SNI api.stripe.com (transparent, as after the iptables redirect).
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import Stripe from 'stripe';
import { connectAgent } from './connect-agent.ts';

const toLoopback: LookupFunction = (_host, opts, cb) => {
  if ((opts as { all?: boolean }).all)
    (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
};

export function stripeViaConnect(key: string, proxyPort: number, caPem: string, extra: Partial<Stripe.StripeConfig> = {}): Stripe {
  return new Stripe(key, { httpAgent: connectAgent(proxyPort, caPem), maxNetworkRetries: 2, ...extra });
}

export function stripeTransparent(key: string, proxyPort: number, caPem: string, extra: Partial<Stripe.StripeConfig> = {}): Stripe {
  const agent = new https.Agent({ ca: caPem, lookup: toLoopback, keepAlive: true });
  return new Stripe(key, { host: 'api.stripe.com', port: proxyPort, protocol: 'https', httpAgent: agent, maxNetworkRetries: 2, ...extra });
}
