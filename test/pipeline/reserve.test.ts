// The reserve step: caps that apply, amounts in the cap currency, the refusal
// an agent reads, dry-run, idempotency, and failing closed without a ledger.
import { describe, expect, it } from 'vitest';
import type { CallContext } from '../../src/pipeline/context.ts';
import type { Refusal } from '../../src/vendors/pack.ts';
import type { Cap } from '../../src/policy/schema.ts';
import { estimateCost } from '../../src/pipeline/cost.ts';
import { reserve, type Hold } from '../../src/pipeline/reserve.ts';
import { capStatus } from '../../src/caps/usage.ts';
import { LedgerUnavailableError, type Ledger } from '../../src/ledger/ledger.ts';
import { CREDENTIAL_SCOPE, compileStripe, stripeCall, testServices, type CompiledStripe, type TestServices } from './fixtures/call.ts';

const SPEND_500_USD: Cap = { window: '24h', maxSpend: { amount: '500.00', currency: 'usd' } };

/** The call's refusal, if any; `holds` learns whether the ledger holds a reservation for it. */
const holds = new WeakMap<CallContext, Hold | undefined>();

async function costAndReserve(ctx: CallContext, services: TestServices): Promise<Refusal | undefined> {
  const early = await estimateCost(ctx, services);
  if (early) return early;
  const { refusal, hold } = await reserve(ctx, services);
  holds.set(ctx, hold);
  return refusal;
}

const held = (ctx: CallContext) => holds.get(ctx) !== undefined;

function charge(stripe: CompiledStripe, amount: number, currency = 'usd', extra: Partial<Parameters<typeof stripeCall>[1]> = {}) {
  return stripeCall(stripe, { form: `amount=${amount}&currency=${currency}&customer=cus_A`, ...extra });
}

async function used(stripe: CompiledStripe, services: TestServices, run?: string) {
  const status = await capStatus(stripe.vendor, { credential: CREDENTIAL_SCOPE, run }, services.ledger, services.clock.now());
  return status.map((s) => s.used);
}

describe('reserve step', () => {
  it('refuses the 13th $40 charge against $500 with the numbers', async () => {
    const stripe = compileStripe({ caps: [SPEND_500_USD] });
    const services = testServices();
    for (let i = 0; i < 12; i++) expect(await costAndReserve(charge(stripe, 4000), services)).toBeUndefined();
    const ctx = charge(stripe, 4000);
    const refusal = await costAndReserve(ctx, services);
    expect(refusal).toMatchObject({ status: 402, code: 'keybrake_cap_exceeded' });
    expect(refusal!.message).toMatch(/^cap 24h stripe spend: \$480\.00 used \+ \$40\.00 requested > \$500\.00 limit\. /);
    expect(refusal!.message).toContain('not forwarded');
    expect(held(ctx)).toBe(false);
    expect(await used(stripe, services)).toEqual([48000]);
  });

  it('names request caps in counts', async () => {
    const stripe = compileStripe({ caps: [{ window: '1m', maxRequests: 30 }] });
    const services = testServices();
    for (let i = 0; i < 30; i++) expect(await costAndReserve(charge(stripe, 100), services)).toBeUndefined();
    const refusal = await costAndReserve(charge(stripe, 100), services);
    expect(refusal!.message).toMatch(/^cap 1m stripe requests: 30 used \+ 1 requested > 30 limit\. /);
    services.clock.advance(60_000);
    expect(await costAndReserve(charge(stripe, 100), services)).toBeUndefined();
  });

  it('counts JPY in whole yen (zero-decimal)', async () => {
    const stripe = compileStripe({ caps: [{ window: 'day', maxSpend: { amount: '10000', currency: 'jpy' } }] });
    const services = testServices();
    expect(await costAndReserve(charge(stripe, 4000, 'jpy'), services)).toBeUndefined();
    const refusal = await costAndReserve(charge(stripe, 7000, 'jpy'), services);
    expect(refusal!.message).toMatch(/^cap day stripe spend: ¥4000 used \+ ¥7000 requested > ¥10000 limit\./);
    expect(await used(stripe, services)).toEqual([4000]);
  });

  it('counts KWD in thousandths (three-decimal)', async () => {
    const stripe = compileStripe({ caps: [{ window: '24h', maxSpend: { amount: '10.000', currency: 'kwd' } }] });
    const services = testServices();
    expect(await costAndReserve(charge(stripe, 5120, 'kwd'), services)).toBeUndefined();
    const refusal = await costAndReserve(charge(stripe, 5000, 'kwd'), services);
    expect(refusal!.message).toMatch(/^cap 24h stripe spend: 5\.120 KWD used \+ 5\.000 KWD requested > 10\.000 KWD limit\./);
  });

  it('converts EUR into a USD cap through the policy fx table, rounding up', async () => {
    const stripe = compileStripe({ caps: [SPEND_500_USD], fx: { eur: '1.08' } });
    const services = testServices();
    const ctx = charge(stripe, 4001, 'eur'); // €40.01 × 1.08 = $43.2108 → 4322 cents
    expect(await costAndReserve(ctx, services)).toBeUndefined();
    expect(ctx.charges!.map((p) => p.charge.amount)).toEqual([4322]);
    expect(await used(stripe, services)).toEqual([4322]);
  });

  it('refuses a currency the cap cannot count, reserving nothing', async () => {
    const stripe = compileStripe({ caps: [SPEND_500_USD], fx: { eur: '1.08' } });
    const services = testServices();
    const refusal = await costAndReserve(charge(stripe, 4000, 'gbp'), services);
    expect(refusal).toMatchObject({ status: 402, code: 'keybrake_currency_unconvertible' });
    expect(refusal!.message).toContain('GBP is not in the policy');
    expect(refusal!.message).toContain('Charge in USD');
    expect(await used(stripe, services)).toEqual([0]);
  });

  it('in dry-run reserves past the cap, records the denial and lets the call go on', async () => {
    const stripe = compileStripe({ caps: [{ window: '24h', maxSpend: { amount: '50.00', currency: 'usd' } }] }, 'dryrun');
    const services = testServices();
    expect(await costAndReserve(charge(stripe, 4000), services)).toBeUndefined();
    const ctx = charge(stripe, 4000);
    expect(await costAndReserve(ctx, services)).toBeUndefined();
    expect(ctx.dryrunDenials).toHaveLength(1);
    expect(ctx.dryrunDenials[0]!.message).toMatch(/^cap 24h stripe spend: \$40\.00 used \+ \$40\.00 requested > \$50\.00 limit/);
    expect(held(ctx)).toBe(true); // it will be forwarded, so it is counted
    expect(await used(stripe, services)).toEqual([8000]);
  });

  it('counts an SDK retry with the same Idempotency-Key once, a new key twice', async () => {
    const stripe = compileStripe({ caps: [SPEND_500_USD] });
    const services = testServices();
    const first = charge(stripe, 4000, 'usd', { idempotencyKey: 'stripe-node-retry-1' });
    const retry = charge(stripe, 4000, 'usd', { idempotencyKey: 'stripe-node-retry-1' });
    expect(await costAndReserve(first, services)).toBeUndefined();
    expect(await costAndReserve(retry, services)).toBeUndefined();
    expect([held(first), held(retry)]).toEqual([true, false]);
    expect(await used(stripe, services)).toEqual([4000]);
    expect(await costAndReserve(charge(stripe, 4000, 'usd', { idempotencyKey: 'another' }), services)).toBeUndefined();
    expect(await used(stripe, services)).toEqual([8000]);
  });

  it('charges only the caps that name the operation, and per-run caps per run', async () => {
    const stripe = compileStripe({
      caps: [
        { window: '24h', maxSpend: { amount: '100.00', currency: 'usd' }, operations: ['refunds.create'] },
        { window: '24h', maxRequests: 1, per: 'run' },
      ],
    });
    const services = testServices();
    expect(await costAndReserve(charge(stripe, 4000, 'usd', { runId: 'run-a' }), services)).toBeUndefined();
    expect(await costAndReserve(charge(stripe, 4000, 'usd', { runId: 'run-b' }), services)).toBeUndefined();
    const refusal = await costAndReserve(charge(stripe, 4000, 'usd', { runId: 'run-a' }), services);
    expect(refusal!.message).toMatch(/^cap 24h stripe requests: 1 used \+ 1 requested > 1 limit/);
    expect(await used(stripe, services, 'run-a')).toEqual([0, 1]);
  });

  it('does not let a full spend cap block a call that spends nothing', async () => {
    const stripe = compileStripe({
      caps: [
        { window: '24h', maxSpend: { amount: '40.00', currency: 'usd' } },
        { window: '1m', maxRequests: 5 },
      ],
    });
    const services = testServices();
    expect(await costAndReserve(charge(stripe, 4000), services)).toBeUndefined();
    const read = stripeCall(stripe, { method: 'GET', path: '/v1/customers/cus_A' });
    expect(await costAndReserve(read, services)).toBeUndefined();
    expect(read.charges!.map((p) => p.cap.name)).toEqual(['1m stripe requests']);
  });

  describe('when the ledger is unavailable', () => {
    const broken: Ledger = {
      name: 'redis',
      reserve: async () => {
        throw new LedgerUnavailableError('redis ledger unavailable: connect ECONNREFUSED');
      },
      settle: async () => undefined,
      usage: async () => [],
      countIdentical: async () => 0,
      close: async () => undefined,
    };

    it('refuses a money-moving call, saying nothing was forwarded', async () => {
      const stripe = compileStripe({ caps: [SPEND_500_USD] });
      const refusal = await costAndReserve(charge(stripe, 4000), testServices({ ledger: broken }));
      expect(refusal).toMatchObject({ status: 403, code: 'keybrake_ledger_unavailable' });
      expect(refusal!.message).toContain('cannot be counted and the call was not forwarded');
    });

    it('lets a read go on without caps', async () => {
      const stripe = compileStripe({ caps: [{ window: '1m', maxRequests: 5 }] });
      const read = stripeCall(stripe, { method: 'GET', path: '/v1/customers/cus_A' });
      expect(await costAndReserve(read, testServices({ ledger: broken }))).toBeUndefined();
      expect(held(read)).toBe(false);
    });
  });
});
