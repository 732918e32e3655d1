// Policy reload latency (DESIGN: "in force in every sidecar within one
// second"): time from writing an edited policy file to the first call the new
// policy decides. Measured here, never asserted in `npm test`. The proxy is a
// child process, as deployed, so its file watcher and the client do not share
// an event loop.
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { startFakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, startHarness } from '../helpers/proxy-harness.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { REAL_STRIPE_KEY, stripePolicy } from '../e2e/policies.ts';
import { percentile } from './stats.ts';
import { ms, printTable } from './report.ts';

const TRIALS = 10;
const GIVE_UP_MS = 10_000;
const ALLOW_PAYOUTS = `        - name: small-payouts
          allow: [payouts.create]
          where: {amount: {max: 500}}
`;

export async function run(): Promise<void> {
  const fake = await startFakeVendor(stripeHandler);
  const agent = agentKey();
  const h = await startHarness({
    process: true,
    policyYaml: stripePolicy(agent.sha256),
    upstreams: [{ host: 'api.stripe.com', url: fake.url, caPem: fake.caPem }],
    secrets: { 'stripe-live/apiKey': REAL_STRIPE_KEY },
  });
  const stripe = stripeViaConnect(agent.key, h.port, h.caPem, { maxNetworkRetries: 0 });
  const allowed = () =>
    stripe.payouts.create({ amount: 100, currency: 'usd' }).then(
      () => true,
      (e: unknown) => (e instanceof Stripe.errors.StripePermissionError ? false : Promise.reject(e)),
    );
  const samples: number[] = [];
  try {
    for (let i = 0; i < TRIALS; i++) {
      const want = i % 2 === 0; // alternate: allow payouts, then take them away again
      const t0 = performance.now();
      h.writePolicy(stripePolicy(agent.sha256, want ? ALLOW_PAYOUTS : ''));
      while ((await allowed()) !== want) {
        if (performance.now() - t0 > GIVE_UP_MS) throw new Error(`reload not in force after ${GIVE_UP_MS} ms`);
        await sleep(5);
      }
      samples.push(performance.now() - t0);
    }
  } finally {
    await h.cleanup();
    await fake.close();
  }
  console.log('\npolicy reload: file written → first call decided by the new policy');
  printTable(['trials', 'p50', 'max', 'target'], [[String(samples.length), ms(percentile(samples, 50)), ms(Math.max(...samples)), '< 1000 ms']]);
}
