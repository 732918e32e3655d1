// Issue 2 acceptance: policy edits take effect within a second, without a
// restart; an invalid edit keeps the last good policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, startHarness, type Harness } from '../helpers/proxy-harness.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { REAL_STRIPE_KEY, stripePolicy } from './policies.ts';

let fake: FakeVendor;
let h: Harness;
const agent = agentKey();

beforeAll(async () => {
  fake = await startFakeVendor(stripeHandler);
  h = await startHarness({
    policyYaml: stripePolicy(agent.sha256),
    upstreams: [{ host: 'api.stripe.com', url: fake.url, caPem: fake.caPem }],
    secrets: { 'stripe-live/apiKey': REAL_STRIPE_KEY },
  });
});
afterAll(async () => {
  await h?.cleanup();
  await fake?.close();
});

async function payoutAllowed(): Promise<boolean> {
  return stripeViaConnect(agent.key, h.port, h.caPem)
    .payouts.create({ amount: 100, currency: 'usd' })
    .then(() => true, (e: unknown) => {
      if (e instanceof Stripe.errors.StripePermissionError) return false;
      throw e;
    });
}

async function within(ms: number, want: boolean): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if ((await payoutAllowed()) === want) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`decision did not become ${want} within ${ms} ms`);
}

const allowPayouts = `        - name: small-payouts
          allow: [payouts.create]
          where: {amount: {max: 500}}
`;

describe('policy reload', () => {
  it('a good edit changes decisions within one second', async () => {
    expect(await payoutAllowed()).toBe(false);
    h.writePolicy(stripePolicy(agent.sha256, allowPayouts));
    const took = await within(1000, true);
    console.log(`policy edit in force after ${took} ms`);
  });

  it('an invalid edit keeps the last good policy and says why', async () => {
    const status = await (await h.admin('/status')).json();
    h.writePolicy(stripePolicy(agent.sha256, allowPayouts).replace('max: 500', 'max: lots'));
    await new Promise((r) => setTimeout(r, 1000));
    expect(await payoutAllowed()).toBe(true);
    const after = await (await h.admin('/status')).json();
    expect(after.policy.generation).toBe(status.policy.generation);
    const complaint = h.lines.find((l) => String(l.msg).includes('policy reload refused'));
    expect(JSON.stringify(complaint)).toMatch(/max/);
  });

  it('a bad policy file refuses to start', async () => {
    const bad = startHarness({
      policyYaml: 'apiVersion: keybrake.dev/v1alpha1\nkind: EgressPolicy\nmetadata: {name: x}\nspec: {vendors: [{vendor: nosuch}]}\n',
      upstreams: [],
      secrets: {},
    });
    await expect(bad).rejects.toThrow(/nosuch/);
  });
});
