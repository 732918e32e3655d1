// The loop brake: the same charge over and over is refused; SDK retries of one
// call are not "the same charge again".
import { describe, expect, it } from 'vitest';
import { loopBrake } from '../../src/pipeline/loop-brake.ts';
import { LedgerUnavailableError } from '../../src/ledger/ledger.ts';
import { compileStripe, stripeCall, testServices } from './fixtures/call.ts';

const BRAKE = { loopBrake: { maxIdentical: 3, within: '60s' } };
const REFUND = 'amount=500&currency=usd&charge=ch_1';

describe('loop brake', () => {
  it('refuses the fourth identical refund within 60s, saying what to do', async () => {
    const stripe = compileStripe(BRAKE);
    const services = testServices();
    for (let i = 0; i < 3; i++) {
      expect(await loopBrake(stripeCall(stripe, { path: '/v1/refunds', form: REFUND, idempotencyKey: `k${i}` }), services)).toBeUndefined();
    }
    const refusal = await loopBrake(stripeCall(stripe, { path: '/v1/refunds', form: REFUND, idempotencyKey: 'k3' }), services);
    expect(refusal).toMatchObject({ status: 402, code: 'keybrake_loop_brake' });
    expect(refusal!.message).toContain('4 identical stripe:refunds.create calls');
    expect(refusal!.message).toContain('within 60s (at most 3 allowed)');
    expect(refusal!.message).toContain('check whether the earlier calls already succeeded');
  });

  it('counts retries carrying the same Idempotency-Key once', async () => {
    const stripe = compileStripe(BRAKE);
    const services = testServices();
    for (let i = 0; i < 6; i++) {
      expect(await loopBrake(stripeCall(stripe, { path: '/v1/refunds', form: REFUND, idempotencyKey: 'same' }), services)).toBeUndefined();
    }
  });

  it('counts calls without a key one by one, and tells different amounts apart', async () => {
    const stripe = compileStripe(BRAKE);
    const services = testServices();
    for (let i = 0; i < 3; i++) expect(await loopBrake(stripeCall(stripe, { path: '/v1/refunds', form: REFUND }), services)).toBeUndefined();
    expect(await loopBrake(stripeCall(stripe, { path: '/v1/refunds', form: 'amount=501&currency=usd&charge=ch_1' }), services)).toBeUndefined();
    expect(await loopBrake(stripeCall(stripe, { path: '/v1/refunds', form: REFUND }), services)).toBeDefined();
  });

  it('lets the same call through again once the window has passed', async () => {
    const stripe = compileStripe(BRAKE);
    const services = testServices();
    for (let i = 0; i < 3; i++) await loopBrake(stripeCall(stripe, { path: '/v1/refunds', form: REFUND }), services);
    services.clock.advance(60_000);
    expect(await loopBrake(stripeCall(stripe, { path: '/v1/refunds', form: REFUND }), services)).toBeUndefined();
  });

  it('leaves reads alone', async () => {
    const stripe = compileStripe(BRAKE);
    const services = testServices();
    for (let i = 0; i < 5; i++) {
      expect(await loopBrake(stripeCall(stripe, { method: 'GET', path: '/v1/customers/cus_A' }), services)).toBeUndefined();
    }
  });

  it('in dry-run records the denial and lets the call go on', async () => {
    const stripe = compileStripe(BRAKE, 'dryrun');
    const services = testServices();
    const calls = Array.from({ length: 4 }, () => stripeCall(stripe, { path: '/v1/refunds', form: REFUND }));
    for (const ctx of calls) expect(await loopBrake(ctx, services)).toBeUndefined();
    expect(calls[3]!.dryrunDenials.map((d) => d.code)).toEqual(['keybrake_loop_brake']);
  });

  it('fails closed for a refund when the ledger cannot count', async () => {
    const stripe = compileStripe(BRAKE);
    const services = testServices();
    services.ledger.countIdentical = async () => {
      throw new LedgerUnavailableError('redis ledger unavailable: connect ECONNREFUSED');
    };
    const refusal = await loopBrake(stripeCall(stripe, { path: '/v1/refunds', form: REFUND }), services);
    expect(refusal).toMatchObject({ status: 403, code: 'keybrake_ledger_unavailable' });
  });
});
