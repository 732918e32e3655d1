// Issue 3 acceptance: usage survives a proxy crash (SQLite and Redis), and a
// Redis outage refuses every money-moving call with a clear error while reads
// go on, recovering by itself when Redis is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, type Harness } from '../helpers/proxy-harness.ts';
import { waitFor, waitForExpect } from '../helpers/wait.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { SPEND_500, capsPolicy, capsProxy, failure, posts, sdk, used } from './caps-fixture.ts';

const agent = agentKey();
let redis: TestRedis;
let fake: FakeVendor;
const harnesses: Harness[] = [];

/** A request cap too, so reads consult the ledger as well (and must go on without it). */
const REQUESTS_1000 = '{window: 1m, maxRequests: 1000}';

async function proxy(args: string[]): Promise<Harness> {
  // A child process: durability means surviving a SIGKILL.
  const h = await capsProxy(fake, capsPolicy(agent.sha256, { caps: [SPEND_500, REQUESTS_1000] }), args, true);
  harnesses.push(h);
  return h;
}

const charge = (h: Harness, amount: number) => sdk(agent.key, h).charges.create({ amount, currency: 'usd', customer: 'cus_A', source: 'tok_visa' });

beforeAll(async () => {
  [redis, fake] = await Promise.all([startRedis(), startFakeVendor(stripeHandler)]);
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.cleanup()));
  await fake?.close();
  await redis?.cleanup();
});

describe.each([
  ['SQLite', () => []],
  ['Redis', () => ['--ledger', `${redis.url}/1`]], // a database of its own: the outage test below starts empty
])('usage survives a proxy crash on %s', (_store, args) => {
  it('shows the same usage after SIGKILL and a restart, and refuses the charge that would cross', async () => {
    const h = await proxy(args());
    await charge(h, 40000);
    expect(await used(h)).toBe(40000);

    await h.restart();
    expect(await used(h)).toBe(40000);
    const before = posts(fake.received);
    const err = await failure(charge(h, 20000));
    expect(err?.code).toBe('keybrake_cap_exceeded');
    expect(err?.message).toMatch(/^cap 24h stripe spend: \$400\.00 used \+ \$200\.00 requested > \$500\.00 limit/);
    expect(posts(fake.received)).toBe(before);
    await charge(h, 10000); // what still fits goes through
    expect(await used(h)).toBe(50000);
  });
});

describe('Redis stopped mid-run', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await proxy(['--ledger', `${redis.url}/2`]);
  });

  it('refuses every money-moving call with keybrake_ledger_unavailable, forwards none, lets reads go on', async () => {
    await charge(h, 1000);
    await redis.stop();

    const before = posts(fake.received);
    const errors = await Promise.all(Array.from({ length: 10 }, () => failure(charge(h, 1000))));
    for (const err of errors) {
      expect(err).toBeInstanceOf(Stripe.errors.StripePermissionError); // 403: not retried by the SDK
      expect(err?.code).toBe('keybrake_ledger_unavailable');
      expect(err?.message).toMatch(/spend ledger \(redis\) is unavailable.*not forwarded/);
    }
    const refund = await failure(sdk(agent.key, h).refunds.create({ charge: 'ch_1', amount: 500 }));
    expect(refund?.code).toBe('keybrake_ledger_unavailable');
    expect(posts(fake.received)).toBe(before);
    expect(posts(fake.received, '/v1/refunds')).toBe(0);

    const list = await sdk(agent.key, h).customers.list();
    expect(list.data[0]?.id).toBe('cus_A');
    // It did consult the ledger (the request cap counts reads) and went on without it. The proxy's
    // stdout is asynchronous and a pipe away: the line may land after the response.
    await waitForExpect(() => expect(h.lines.some((l) => l.msg === 'ledger unavailable: non-billable call goes on without caps')).toBe(true));
  });

  it('lets charges through again once Redis is back, without a restart', async () => {
    await redis.start(); // empty: the outage lost the data, as a crash without persistence would
    const before = posts(fake.received);
    const ch = await waitFor(() => charge(h, 1500), { timeoutMs: 5000, everyMs: 100 });
    expect(ch.amount).toBe(1500);
    expect(posts(fake.received)).toBe(before + 1);
    expect(await used(h)).toBe(1500);
  });

  it('does not count a charge refused while Redis stalled, once Redis catches up', async () => {
    const start = await used(h);
    const before = posts(fake.received);
    redis.pause(); // the reserve script reaches Redis but is not answered within the command timeout
    let err: Stripe.errors.StripeError | undefined;
    try {
      err = await failure(charge(h, 2000));
    } finally {
      redis.resume(); // now Redis runs the reserve the proxy gave up on
    }
    expect(err?.code).toBe('keybrake_ledger_unavailable');
    expect(posts(fake.received)).toBe(before);
    expect(await used(h)).toBe(start);
    await charge(h, 2500);
    expect(await used(h)).toBe(start + 2500);
  });
});
