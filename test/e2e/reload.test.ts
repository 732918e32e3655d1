// Issue 2 acceptance: policy edits take effect within a second, without a
// restart; an invalid edit keeps the last good policy.
import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startHarness } from '../helpers/proxy-harness.ts';
import { useStripeProxy } from '../helpers/stripe-fixture.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { stripePolicy } from './policies.ts';

const fx = useStripeProxy((sha) => stripePolicy(sha));
const agent = fx.agent;

async function payoutAllowed(): Promise<boolean> {
  return stripeViaConnect(agent.key, fx.h.port, fx.h.caPem)
    .payouts.create({ amount: 100, currency: 'usd' })
    .then(() => true, (e: unknown) => {
      if (e instanceof Stripe.errors.StripePermissionError) return false;
      throw e;
    });
}

// A hang guard, not a speed check: how fast an edit takes effect is measured by `npm run bench`.
async function until(want: boolean, guardMs = 30_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < guardMs) {
    if ((await payoutAllowed()) === want) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`decision never became ${want}`);
}

const allowPayouts = `        - name: small-payouts
          allow: [payouts.create]
          where: {amount: {max: 500}}
`;

describe('policy reload', () => {
  it('a good edit changes decisions without a restart', async () => {
    expect(await payoutAllowed()).toBe(false);
    fx.h.writePolicy(stripePolicy(agent.sha256, allowPayouts));
    await until(true);
  });

  it('an invalid edit keeps the last good policy and says why', async () => {
    const status = await (await fx.h.admin('/status')).json();
    fx.h.writePolicy(stripePolicy(agent.sha256, allowPayouts).replace('max: 500', 'max: lots'));
    await new Promise((r) => setTimeout(r, 1000));
    expect(await payoutAllowed()).toBe(true);
    const after = await (await fx.h.admin('/status')).json();
    expect(after.policy.generation).toBe(status.policy.generation);
    const complaint = fx.h.lines.find((l) => String(l.msg).includes('policy reload refused'));
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
