// Issue 2 acceptance: policy edits take effect without a restart; an invalid
// edit keeps the last good policy. Each test starts its own proxy. How soon an
// edit is in force is measured by `npm run bench` (test/bench/reload-latency.ts).
import { describe, expect, it, onTestFinished } from 'vitest';
import Stripe from 'stripe';
import { startHarness, type Harness } from '../helpers/proxy-harness.ts';
import { proxiedStripe } from '../helpers/stripe-fixture.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { waitFor } from '../helpers/wait.ts';
import { stripePolicy } from './policies.ts';

const allowPayouts = `        - name: small-payouts
          allow: [payouts.create]
          where: {amount: {max: 500}}
`;

async function payoutAllowed(h: Harness, key: string): Promise<boolean> {
  return stripeViaConnect(key, h.port, h.caPem)
    .payouts.create({ amount: 100, currency: 'usd' })
    .then(
      () => true,
      (e: unknown) => {
        if (e instanceof Stripe.errors.StripePermissionError) return false;
        throw e;
      },
    );
}

async function proxy(extraRules = '') {
  const fx = await proxiedStripe((sha) => stripePolicy(sha, extraRules));
  onTestFinished(fx.close);
  return fx;
}

describe('policy reload', () => {
  it('a good edit changes decisions without a restart', async () => {
    const { h, agent } = await proxy();
    expect(await payoutAllowed(h, agent.key)).toBe(false);
    h.writePolicy(stripePolicy(agent.sha256, allowPayouts));
    await waitFor(() => payoutAllowed(h, agent.key), { what: 'the edited policy to allow payouts' });
    expect((await (await h.admin('/status')).json()).policy.generation).toBe(2);
  });

  it('an invalid edit keeps the last good policy and says why', async () => {
    const { h, agent } = await proxy(allowPayouts);
    const before = (await (await h.admin('/status')).json()).policy.generation;
    h.writePolicy(stripePolicy(agent.sha256, allowPayouts).replace('max: 500', 'max: lots'));
    const complaint = await waitFor(() => h.lines.find((l) => String(l.msg).includes('policy reload refused')), { what: 'the refused reload to be logged' });
    expect(JSON.stringify(complaint)).toMatch(/max/);
    expect(await payoutAllowed(h, agent.key)).toBe(true);
    expect((await (await h.admin('/status')).json()).policy.generation).toBe(before);
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
