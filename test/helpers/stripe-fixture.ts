// The usual end-to-end setup: a fake Stripe and a real proxy process in front
// of it, started before the file's tests and torn down after them.
import { afterAll, beforeAll } from 'vitest';
import { startFakeVendor, type FakeVendor } from './fake-vendor.ts';
import { stripeHandler } from './fake-stripe.ts';
import { agentKey, startHarness, type Harness, type HarnessOptions } from './proxy-harness.ts';

export const REAL_STRIPE_KEY = 'sk_test_realkey_never_in_agent_0001';

export interface StripeFixture {
  readonly fake: FakeVendor;
  readonly h: Harness;
  readonly agent: { key: string; sha256: string };
}

/** `policy` gets the agent key's SHA-256; `extra` adds harness options (secrets are merged). */
export function useStripeProxy(policy: (sha256: string) => string, extra: Partial<HarnessOptions> = {}): StripeFixture {
  const agent = agentKey();
  let fake: FakeVendor | undefined;
  let h: Harness | undefined;
  beforeAll(async () => {
    fake = await startFakeVendor(stripeHandler);
    h = await startHarness({
      ...extra,
      policyYaml: policy(agent.sha256),
      upstreams: [{ host: 'api.stripe.com', url: fake.url, caPem: fake.caPem }],
      secrets: { 'stripe-live/apiKey': REAL_STRIPE_KEY, ...extra.secrets },
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    await fake?.close();
  });
  return {
    get fake() {
      if (!fake) throw new Error('fake Stripe not started');
      return fake;
    },
    get h() {
      if (!h) throw new Error('proxy not started');
      return h;
    },
    agent,
  };
}
