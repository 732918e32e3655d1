// Issue 3 acceptance: what a call is counted as. An SDK retry with the same
// Idempotency-Key is counted once, a fresh key twice (and the loop brake sees
// it); a refund without an amount reserves what the upstream lookup says, and
// a failed lookup refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, type Harness } from '../helpers/proxy-harness.ts';
import { REAL_STRIPE_KEY } from './policies.ts';
import { SPEND_500, capsPolicy, capsProxy, failure, posts, sdk, used } from './caps-fixture.ts';

const agent = agentKey();
let fake: FakeVendor;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeVendor(stripeHandler);
  h = await capsProxy(fake, capsPolicy(agent.sha256, { caps: [SPEND_500], loopBrake: '{maxIdentical: 2, within: 60s}' }));
});
afterAll(async () => {
  await h?.cleanup();
  await fake?.close();
});

describe('Idempotency-Key and the loop brake', () => {
  const body = { amount: 1111, currency: 'usd', customer: 'cus_A', source: 'tok_visa' };
  const charge = (idempotencyKey: string) => sdk(agent.key, h).charges.create(body, { idempotencyKey });

  it('counts a retry with the same Idempotency-Key once', async () => {
    const start = await used(h);
    await charge('order-42-attempt');
    await charge('order-42-attempt'); // what stripe-node sends when it retries
    expect(await used(h)).toBe(start + 1111);
    // Both went upstream with the key, where Stripe itself replays the first answer.
    const keys = fake.received.filter((r) => r.path === '/v1/charges').map((r) => r.headers['idempotency-key']);
    expect(keys.slice(-2)).toEqual(['order-42-attempt', 'order-42-attempt']);
  });

  it('counts the same body under a new key again', async () => {
    const start = await used(h);
    await charge('order-42-second');
    expect(await used(h)).toBe(start + 1111);
  });

  it('brakes the third identical charge under yet another key, forwarding nothing', async () => {
    const start = await used(h);
    const before = posts(fake.received);
    const err = await failure(charge('order-42-third'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err?.code).toBe('keybrake_loop_brake');
    expect(err?.message).toMatch(/^loop brake: 3 identical stripe:charges\.create calls .* within 60s \(at most 2 allowed\)/);
    expect(posts(fake.received)).toBe(before);
    expect(await used(h)).toBe(start);
  });
});

describe('a refund without an amount', () => {
  it('reserves what the charge lookup says is left (10000 − 2500 refunded), read with the real key', async () => {
    const start = await used(h);
    const before = fake.received.length;
    fake.hold((r) => r.method === 'POST' && r.path === '/v1/refunds');
    const refund = sdk(agent.key, h).refunds.create({ charge: 'ch_lookup1' });
    try {
      await fake.waitFor(before + 2); // the lookup GET, then the refund itself, held
      const [lookup, post] = fake.received.slice(before);
      if (!lookup || !post) throw new Error('expected the lookup GET and the held refund POST');
      expect(lookup.method).toBe('GET');
      expect(lookup.path).toBe('/v1/charges/ch_lookup1');
      expect(lookup.headers.authorization).toBe(`Bearer ${REAL_STRIPE_KEY}`);
      expect(post.path).toBe('/v1/refunds');
      expect(await used(h)).toBe(start + 7500); // reserved while the refund is in flight
    } finally {
      fake.release();
    }
    expect((await refund).amount).toBe(7500);
    expect(await used(h)).toBe(start + 7500);
  });

  it('is refused with keybrake_cost_unknown when the lookup fails, and nothing is forwarded', async () => {
    fake.setHandler((r) =>
      r.path === '/v1/charges/ch_gone'
        ? { status: 404, body: { error: { type: 'invalid_request_error', message: 'No such charge: ch_gone' } } }
        : stripeHandler(r),
    );
    try {
      const start = await used(h);
      const err = await failure(sdk(agent.key, h).refunds.create({ charge: 'ch_gone' }));
      expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(err?.code).toBe('keybrake_cost_unknown');
      expect(err?.message).toMatch(/\/v1\/charges\/ch_gone.*answered 404/);
      expect(posts(fake.received, '/v1/refunds')).toBe(1); // only the earlier, held one
      expect(await used(h)).toBe(start);
    } finally {
      fake.setHandler(stripeHandler);
    }
  });
});
