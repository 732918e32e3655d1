// The cost step: an amount from the body, or one GET of the object the money
// comes from, with the real key; never a guess.
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/pipeline/cost.ts';
import { REAL_KEY, compileStripe, stripeCall, testServices } from './fixtures/call.ts';

const stripe = compileStripe({ caps: [{ window: '24h', maxSpend: { amount: '500.00', currency: 'usd' } }] });
const CHARGE = { id: 'ch_1', object: 'charge', amount: 10000, amount_refunded: 2500, currency: 'usd' };

describe('cost step', () => {
  it('reads amount and currency from the body', async () => {
    const ctx = stripeCall(stripe, { form: 'amount=4000&currency=USD' });
    expect(await estimateCost(ctx, testServices())).toBeUndefined();
    expect(ctx.amount).toEqual({ amount: 4000, currency: 'usd' });
  });

  it('looks up a refund without amount with the real key and reserves what is left', async () => {
    const services = testServices({ upstream: async () => ({ status: 200, body: CHARGE }) });
    const ctx = stripeCall(stripe, {
      path: '/v1/refunds',
      form: 'charge=ch_1',
      idempotencyKey: 'idem-1',
      headers: { 'stripe-account': 'acct_9', 'stripe-version': '2025-01-27.acacia' },
    });
    expect(await estimateCost(ctx, services)).toBeUndefined();
    expect(ctx.amount).toEqual({ amount: 7500, currency: 'usd' });
    expect(services.lookups).toHaveLength(1);
    const lookup = services.lookups[0]!;
    expect(lookup).toMatchObject({ host: 'api.stripe.com', path: '/v1/charges/ch_1' });
    expect(lookup.headers).toMatchObject({ authorization: `Bearer ${REAL_KEY}`, 'stripe-account': 'acct_9', 'stripe-version': '2025-01-27.acacia' });
    expect(Object.keys(lookup.headers)).not.toContain('idempotency-key');
    expect(Object.keys(lookup.headers)).not.toContain('content-type');
  });

  it('refuses when the lookup fails, saying to send the amount', async () => {
    const services = testServices({ upstream: async () => ({ status: 404, body: { error: { type: 'invalid_request_error' } } }) });
    const ctx = stripeCall(stripe, { path: '/v1/refunds', form: 'charge=ch_missing' });
    const refusal = await estimateCost(ctx, services);
    expect(refusal).toMatchObject({ status: 402, code: 'keybrake_cost_unknown' });
    expect(refusal!.message).toContain('looking up /v1/charges/ch_missing to find the amount failed: stripe answered 404');
    expect(refusal!.message).toContain('Send the amount explicitly');
    expect(ctx.amount).toBeUndefined();
  });

  it('refuses when the vendor does not answer the lookup', async () => {
    const services = testServices({
      upstream: async () => {
        throw new Error('Headers Timeout Error');
      },
    });
    const refusal = await estimateCost(stripeCall(stripe, { path: '/v1/refunds', form: 'charge=ch_1' }), services);
    expect(refusal).toMatchObject({ code: 'keybrake_cost_unknown' });
    expect(refusal!.message).toContain('did not answer');
  });

  it('refuses when the looked-up object does not say its amount', async () => {
    const services = testServices({ upstream: async () => ({ status: 200, body: { id: 'ch_1', object: 'charge' } }) });
    const refusal = await estimateCost(stripeCall(stripe, { path: '/v1/refunds', form: 'charge=ch_1' }), services);
    expect(refusal!.message).toContain('does not say its amount and currency');
  });

  it('refuses a billable call whose cost cannot be known, with the pack reason', async () => {
    const refusal = await estimateCost(stripeCall(stripe, { form: 'currency=usd&customer=cus_A' }), testServices());
    expect(refusal).toMatchObject({ status: 402, code: 'keybrake_cost_unknown' });
    expect(refusal!.message).toMatch(/stripe:charges\.create costs.*send amount/);
  });

  it('prices a read as free', async () => {
    const ctx = stripeCall(stripe, { method: 'GET', path: '/v1/customers/cus_A' });
    expect(await estimateCost(ctx, testServices())).toBeUndefined();
    expect(ctx.cost).toEqual({ kind: 'free' });
    expect(ctx.amount).toBeUndefined();
  });
});
