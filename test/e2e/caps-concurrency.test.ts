// Issue 3 acceptance: a $500/24h cap cannot be overshot by a burst of
// concurrent charges — neither across three proxy replicas sharing one Redis,
// nor in one process on the default SQLite ledger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, type Harness } from '../helpers/proxy-harness.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { capsPolicy, capsProxy, failure, posts, sdk, used } from './caps-fixture.ts';

const CALLS = 200;
const CAP_REFUSAL = 'cap 24h stripe spend: $480.00 used + $40.00 requested > $500.00 limit';

const agent = agentKey();
let redis: TestRedis;
const fakes: FakeVendor[] = [];
const harnesses: Harness[] = [];

async function proxies(n: number, args: string[]): Promise<{ fake: FakeVendor; hs: Harness[] }> {
  const fake = await startFakeVendor(stripeHandler);
  fakes.push(fake);
  const hs = await Promise.all(Array.from({ length: n }, () => capsProxy(fake, capsPolicy(agent.sha256), args)));
  harnesses.push(...hs);
  return { fake, hs };
}

/** 200 $40 charges at once, round-robin over the proxies, one SDK client (own connection pool) per proxy. */
async function burst(hs: Harness[]): Promise<Array<Stripe.errors.StripeError | undefined>> {
  const clients = hs.map((h) => sdk(agent.key, h));
  return Promise.all(
    Array.from({ length: CALLS }, (_, i) =>
      failure(clients[i % clients.length]!.charges.create({ amount: 4000, currency: 'usd', customer: 'cus_A', source: 'tok_visa' })),
    ),
  );
}

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.cleanup()));
  await Promise.all(fakes.map((f) => f.close()));
  await redis?.cleanup();
});

describe.each([
  ['three proxies sharing one Redis', 3, () => ['--ledger', redis.url]],
  ['one proxy on SQLite (the default)', 1, () => []],
])('200 concurrent $40 charges against a $500/24h cap: %s', (_name, replicas, args) => {
  it('forwards exactly 12, counts $480.00 and refuses the other 188 with the numbers', async () => {
    const { fake, hs } = await proxies(replicas, args());
    const outcomes = await burst(hs);

    const refused = outcomes.filter((e) => e !== undefined);
    expect(outcomes.length - refused.length).toBe(12);
    expect(posts(fake.received)).toBe(12);
    for (const err of refused) {
      expect(err).toBeInstanceOf(Stripe.errors.StripeCardError); // 402: the SDK does not retry it
      expect(err.code).toBe('keybrake_cap_exceeded');
      expect(err.message.startsWith(CAP_REFUSAL)).toBe(true);
    }
    expect(refused).toHaveLength(188);
    // Every replica reads the same shared usage.
    for (const h of hs) expect(await used(h)).toBe(48000);
  });
});
