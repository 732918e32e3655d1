// Issue 3 acceptance, through the proxy: charges count in their currency's
// minor units (JPY has none, KWD three), other currencies convert through the
// policy's fx table, and a currency it does not list is refused, never guessed.
// (The conversion arithmetic itself is unit-tested in test/money/money.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, type Harness } from '../helpers/proxy-harness.ts';
import { SPEND_500, capsPolicy, capsProxy, failure, posts, sdk, used } from './caps-fixture.ts';

const agent = agentKey();
let fake: FakeVendor;
let yen: Harness;
let dinar: Harness;
let dollar: Harness;

beforeAll(async () => {
  fake = await startFakeVendor(stripeHandler);
  const proxy = (o: Parameters<typeof capsPolicy>[1]) => capsProxy(fake, capsPolicy(agent.sha256, o));
  [yen, dinar, dollar] = await Promise.all([
    proxy({ caps: ['{name: yen-24h, window: 24h, maxSpend: {amount: "10000", currency: jpy}}'] }),
    proxy({ caps: ['{name: dinar-24h, window: 24h, maxSpend: {amount: "10.000", currency: kwd}}'] }),
    proxy({ caps: [SPEND_500], fx: '{eur: "1.08"}' }),
  ]);
});
afterAll(async () => {
  await Promise.all([yen, dinar, dollar].map((h) => h?.cleanup()));
  await fake?.close();
});

const charge = (h: Harness, amount: number, currency: string) => sdk(agent.key, h).charges.create({ amount, currency, customer: 'cus_A', source: 'tok_visa' });

/** The refusal of a charge that must not reach Stripe. */
async function refused(h: Harness, amount: number, currency: string): Promise<Stripe.errors.StripeError> {
  const before = posts(fake.received);
  const err = await failure(charge(h, amount, currency));
  expect(posts(fake.received)).toBe(before);
  if (!err) throw new Error(`${amount} ${currency} was forwarded`);
  return err;
}

describe('currencies', () => {
  it('counts JPY (zero-decimal) in whole yen against a yen cap', async () => {
    await charge(yen, 4000, 'jpy');
    expect(await used(yen, 'yen-24h')).toBe(4000);
    const err = await refused(yen, 7000, 'jpy');
    expect(err.message).toMatch(/^cap yen-24h: ¥4000 used \+ ¥7000 requested > ¥10000 limit/);
  });

  it('counts KWD (three-decimal) in fils against a dinar cap', async () => {
    await charge(dinar, 5120, 'kwd');
    expect(await used(dinar, 'dinar-24h')).toBe(5120);
    const err = await refused(dinar, 5000, 'kwd');
    expect(err.message).toMatch(/^cap dinar-24h: 5\.120 KWD used \+ 5\.000 KWD requested > 10\.000 KWD limit/);
  });

  it('converts EUR through fx into the usd cap', async () => {
    await charge(dollar, 10000, 'eur'); // €100.00 × 1.08
    expect(await used(dollar)).toBe(10800);
    const err = await refused(dollar, 37500, 'eur'); // €375.00 = $405.00
    expect(err.message).toMatch(/^cap 24h stripe spend: \$108\.00 used \+ \$405\.00 requested > \$500\.00 limit/);
  });

  it('refuses a currency the fx table does not list', async () => {
    const err = await refused(dollar, 1000, 'gbp');
    expect(err.code).toBe('keybrake_currency_unconvertible');
    expect(err.message).toMatch(/GBP is not in the policy's fx table/);
    expect(await used(dollar)).toBe(10800);
  });
});
