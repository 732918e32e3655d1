// The settle step: what the response says moved is what stays counted.
import { describe, expect, it } from 'vitest';
import type { CallContext, UpstreamResult } from '../../src/pipeline/context.ts';
import type { Cap } from '../../src/policy/schema.ts';
import { estimateCost } from '../../src/pipeline/cost.ts';
import { reserve, type Hold } from '../../src/pipeline/reserve.ts';
import { settle } from '../../src/pipeline/settle.ts';
import { capStatus } from '../../src/caps/usage.ts';
import { CREDENTIAL_SCOPE, compileStripe, stripeCall, testServices, type CompiledStripe, type TestServices } from './fixtures/call.ts';

const CAPS: Cap[] = [
  { window: '24h', maxSpend: { amount: '500.00', currency: 'usd' } },
  { window: '1h', maxRequests: 100 },
];

async function reservedCharge(stripe: CompiledStripe, services: TestServices, form: string): Promise<{ ctx: CallContext; hold: Hold }> {
  const ctx = stripeCall(stripe, { form });
  expect(await estimateCost(ctx, services)).toBeUndefined();
  const { refusal, hold } = await reserve(ctx, services);
  expect(refusal).toBeUndefined();
  if (!hold) throw new Error('expected a hold');
  return { ctx, hold };
}

function answered(ctx: CallContext, upstream: Partial<UpstreamResult>): void {
  ctx.upstream = { status: 200, headers: {}, ...upstream };
}

async function used(stripe: CompiledStripe, services: TestServices) {
  const status = await capStatus(stripe.vendor, { credential: CREDENTIAL_SCOPE }, services.ledger, services.clock.now());
  return status.map((s) => s.used);
}

describe('settle', () => {
  it('commits what the charge object says was captured', async () => {
    const stripe = compileStripe({ caps: CAPS });
    const services = testServices();
    const { ctx: captured, hold: capturedHold } = await reservedCharge(stripe, services, 'amount=4000&currency=usd');
    answered(captured, { json: { object: 'charge', amount: 4000, amount_captured: 4000, captured: true, currency: 'usd' } });
    const { ctx: authorized, hold: authorizedHold } = await reservedCharge(stripe, services, 'amount=9000&currency=usd&capture=false');
    answered(authorized, { json: { object: 'charge', amount: 9000, amount_captured: 0, captured: false, currency: 'usd' } });
    await settle(captured, capturedHold, services);
    await settle(authorized, authorizedHold, services);
    expect(await used(stripe, services)).toEqual([4000, 2]); // the authorization holds no spend; requests stay counted
    // what the spend metric reports: the amounts that moved
    expect(captured.committed).toEqual({ amount: 4000, currency: 'usd' });
    expect(authorized.committed).toEqual({ amount: 0, currency: 'usd' });
  });

  it('converts the settled amount into the cap currency', async () => {
    const stripe = compileStripe({ caps: CAPS, fx: { eur: '1.08' } });
    const services = testServices();
    const { ctx, hold } = await reservedCharge(stripe, services, 'amount=5000&currency=eur');
    answered(ctx, { json: { object: 'charge', amount: 5000, amount_captured: 2500, captured: true, currency: 'eur' } });
    await settle(ctx, hold, services);
    expect(await used(stripe, services)).toEqual([2700, 1]);
  });

  it('keeps the estimate when the response does not say', async () => {
    const stripe = compileStripe({ caps: CAPS });
    const services = testServices();
    const { ctx, hold } = await reservedCharge(stripe, services, 'amount=4000&currency=usd');
    answered(ctx, { json: undefined });
    await settle(ctx, hold, services);
    expect(await used(stripe, services)).toEqual([4000, 1]);
    expect(ctx.committed).toEqual({ amount: 4000, currency: 'usd' });
  });

  it('releases the hold when the vendor refused the call', async () => {
    const stripe = compileStripe({ caps: CAPS });
    const services = testServices();
    const { ctx, hold } = await reservedCharge(stripe, services, 'amount=4000&currency=usd');
    answered(ctx, { status: 402 });
    await settle(ctx, hold, services);
    expect(await used(stripe, services)).toEqual([0, 0]);
  });

  it('keeps the hold when the outcome is unknown, and a later settle cannot undo it', async () => {
    const stripe = compileStripe({ caps: CAPS });
    const services = testServices();
    const { ctx, hold } = await reservedCharge(stripe, services, 'amount=4000&currency=usd');
    answered(ctx, { status: 0, error: 'upstream error: socket hang up' });
    await settle(ctx, hold, services);
    answered(ctx, { status: 500 });
    await settle(ctx, hold, services);
    expect(await used(stripe, services)).toEqual([4000, 1]);
  });

  it('is idempotent', async () => {
    const stripe = compileStripe({ caps: CAPS });
    const services = testServices();
    const { ctx, hold } = await reservedCharge(stripe, services, 'amount=4000&currency=usd');
    answered(ctx, { json: { object: 'charge', amount: 4000, amount_captured: 3000, captured: true, currency: 'usd' } });
    await settle(ctx, hold, services);
    await settle(ctx, hold, services);
    answered(ctx, { status: 400 });
    await settle(ctx, hold, services);
    expect(await used(stripe, services)).toEqual([3000, 1]);
  });

  it('never throws when the ledger fails after the response was sent', async () => {
    const stripe = compileStripe({ caps: CAPS });
    const services = testServices();
    const { ctx, hold } = await reservedCharge(stripe, services, 'amount=4000&currency=usd');
    answered(ctx, { json: { object: 'charge', amount: 4000, amount_captured: 4000, captured: true, currency: 'usd' } });
    services.ledger.settle = async () => {
      throw new Error('redis ledger unavailable: Connection is closed.');
    };
    await expect(settle(ctx, hold, services)).resolves.toBeUndefined();
  });
});
