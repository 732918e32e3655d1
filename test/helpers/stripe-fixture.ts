// The usual Stripe end-to-end setup: the fake Stripe behind a real proxy.
import { stripeHandler } from './fake-stripe.ts';
import { proxiedVendor, startProxiedVendor, type ProxiedVendor, type ProxiedVendorOptions } from './proxied-vendor.ts';
import type { FakeVendor } from './fake-vendor.ts';
import { startHarness, type Harness, type HarnessOptions } from './proxy-harness.ts';

export const REAL_STRIPE_KEY = 'sk_test_realkey_never_in_agent_0001';

export type StripeFixture = ProxiedVendor;

/** `policy` gets the agent key's SHA-256; `extra` adds harness options (secrets are merged). */
export function useStripeProxy(policy: (sha256: string) => string, extra: Partial<HarnessOptions> = {}): StripeFixture {
  return proxiedVendor({
    host: 'api.stripe.com',
    handler: stripeHandler,
    policy,
    secrets: { 'stripe-live/apiKey': REAL_STRIPE_KEY, ...extra.secrets },
    harness: extra,
  });
}

/** A proxy in front of `fake` as api.stripe.com, holding the real key; `extra` adds harness options (secrets are merged). */
export function startStripeHarness(fake: FakeVendor, policyYaml: string, extra: Partial<HarnessOptions> = {}): Promise<Harness> {
  return startHarness({
    ...extra,
    policyYaml,
    upstreams: [{ host: 'api.stripe.com', url: fake.url, caPem: fake.caPem }],
    secrets: { 'stripe-live/apiKey': REAL_STRIPE_KEY, ...extra.secrets },
  });
}

function stripeOptions(policy: (sha256: string) => string, extra: Partial<HarnessOptions>): ProxiedVendorOptions {
  return { host: 'api.stripe.com', handler: stripeHandler, policy, secrets: { 'stripe-live/apiKey': REAL_STRIPE_KEY, ...extra.secrets }, harness: extra };
}

/** A fresh fake Stripe and proxy for one test; `close()` when it finishes (onTestFinished). */
export function proxiedStripe(policy: (sha256: string) => string, extra: Partial<HarnessOptions> = {}) {
  return startProxiedVendor(stripeOptions(policy, extra));
}
