// For every use case, a real `keybrake proxy` runs the EgressPolicy that
// `keybrake scope` generated (plus one agent key): the official stripe SDK
// gets one of the use case's operations through to the fake Stripe, and an
// operation outside the use case is refused before anything is forwarded.
import type Stripe from 'stripe';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { useStripeProxy } from '../helpers/stripe-fixture.ts';
import { waitForExpect } from '../helpers/wait.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { scopeReport } from '../../src/scope/report.ts';
import { SECRET_REF } from '../../src/scope/policy.ts';
import { USE_CASES } from '../../src/scope/use-cases.ts';

type Call = (s: Stripe) => Promise<unknown>;
interface Probe {
  allowed: Call;
  /** METHOD path the fake must receive for the allowed call. */
  allowedAt: string;
  refused: Call;
  refusedPath: string;
}

const PROBES: Record<string, Probe> = {
  reporting: {
    allowed: (s) => s.balance.retrieve(),
    allowedAt: 'GET /v1/balance',
    refused: (s) => s.refunds.create({ charge: 'ch_1', amount: 100 }),
    refusedPath: '/v1/refunds',
  },
  'support-refunds': {
    allowed: (s) => s.refunds.create({ charge: 'ch_1', amount: 500, metadata: { ticket_id: 'T-1' } }),
    allowedAt: 'POST /v1/refunds',
    // The key allows charges (same row as refunds); the policy does not.
    refused: (s) => s.charges.create({ amount: 500, currency: 'usd', customer: 'cus_A' }),
    refusedPath: '/v1/charges',
  },
  subscriptions: {
    allowed: (s) => s.subscriptions.list(),
    allowedAt: 'GET /v1/subscriptions',
    refused: (s) => s.subscriptions.create({ customer: 'cus_A', items: [{ price: 'price_1' }] }),
    refusedPath: '/v1/subscriptions',
  },
  checkout: {
    allowed: (s) => s.checkout.sessions.create({ mode: 'payment', success_url: 'https://example.test/ok', line_items: [{ price: 'price_1', quantity: 1 }] }),
    allowedAt: 'POST /v1/checkout/sessions',
    refused: (s) => s.paymentLinks.create({ line_items: [{ price: 'price_1', quantity: 1 }] }),
    refusedPath: '/v1/payment_links',
  },
  invoicing: {
    allowed: (s) => s.invoices.create({ customer: 'cus_A', collection_method: 'send_invoice', days_until_due: 30 }),
    allowedAt: 'POST /v1/invoices',
    refused: (s) => s.invoices.pay('in_1'),
    refusedPath: '/v1/invoices/in_1/pay',
  },
  dunning: {
    allowed: (s) => s.invoices.sendInvoice('in_1'),
    allowedAt: 'POST /v1/invoices/in_1/send',
    refused: (s) => s.creditNotes.create({ invoice: 'in_1', refund_amount: 100 }),
    refusedPath: '/v1/credit_notes',
  },
  disputes: {
    allowed: (s) => s.disputes.update('dp_1', { evidence: { uncategorized_text: 'delivered' } }),
    allowedAt: 'POST /v1/disputes/dp_1',
    // Disputes W allows closing (accepting the loss); the policy does not.
    refused: (s) => s.disputes.close('dp_1'),
    refusedPath: '/v1/disputes/dp_1/close',
  },
  'customer-updates': {
    allowed: (s) => s.customers.update('cus_A', { email: 'a@example.test' }),
    allowedAt: 'POST /v1/customers/cus_A',
    refused: (s) => s.customers.createBalanceTransaction('cus_A', { amount: -5000, currency: 'usd' }),
    refusedPath: '/v1/customers/cus_A/balance_transactions',
  },
  'payout-monitoring': {
    allowed: (s) => s.payouts.list(),
    allowedAt: 'GET /v1/payouts',
    refused: (s) => s.payouts.create({ amount: 100, currency: 'usd' }),
    refusedPath: '/v1/payouts',
  },
  'connect-onboarding': {
    allowed: (s) => s.accounts.create({ type: 'express' }),
    allowedAt: 'POST /v1/accounts',
    // The bank swap of pair B.
    refused: (s) => s.accounts.createExternalAccount('acct_1', { external_account: 'btok_1' }),
    refusedPath: '/v1/accounts/acct_1/external_accounts',
  },
  'usage-metering': {
    allowed: (s) => s.billing.meterEvents.create({ event_name: 'api_calls', payload: { stripe_customer_id: 'cus_A', value: '5' } }),
    allowedAt: 'POST /v1/billing/meter_events',
    refused: (s) => s.invoices.create({ customer: 'cus_A' }),
    refusedPath: '/v1/invoices',
  },
  coupons: {
    allowed: (s) => s.coupons.create({ percent_off: 20, duration: 'once' }),
    allowedAt: 'POST /v1/coupons',
    refused: (s) => s.refunds.create({ charge: 'ch_1', amount: 100 }),
    refusedPath: '/v1/refunds',
  },
  'fraud-review': {
    allowed: (s) => s.reviews.approve('prv_1'),
    allowedAt: 'POST /v1/reviews/prv_1/approve',
    refused: (s) => s.refunds.create({ charge: 'ch_1', amount: 100 }),
    refusedPath: '/v1/refunds',
  },
  'tax-reporting': {
    allowed: (s) => s.reporting.reportRuns.create({ report_type: 'balance.summary.1' }),
    allowedAt: 'POST /v1/reporting/report_runs',
    refused: (s) => s.payouts.create({ amount: 100, currency: 'usd' }),
    refusedPath: '/v1/payouts',
  },
};

function policyWithKey(id: string, sha256: string): string {
  const r = scopeReport({ useCases: [id], permissions: [] });
  if (!r.ok) throw new Error(r.errors.join('; '));
  const doc = parse(r.report.policyYaml!);
  doc.spec.vendors[0].agentKeys = [{ id: 'agent-1', sha256 }];
  return stringify(doc);
}

it('every use case has a probe', () => {
  expect(Object.keys(PROBES).sort()).toEqual(USE_CASES.map((u) => u.id).sort());
});

// One proxy for the file; each use case's policy is swapped in with a live reload (a proxy start costs seconds).
const IDS = USE_CASES.map((u) => u.id);
const FIRST = IDS[0]!;
const fx = useStripeProxy((sha) => policyWithKey(FIRST, sha), { secrets: { [`${SECRET_REF.name}/${SECRET_REF.key}`]: 'rk_test_restricted_0001' } });

async function generation(): Promise<number> {
  const status = (await (await fx.h.admin('/status')).json()) as { policy: { generation: number } };
  return status.policy.generation;
}

describe.each(IDS)('proxy running the generated policy for %s', (id) => {
  it('forwards one of its operations with the real key and refuses one outside it', async () => {
    if (id !== FIRST) {
      const before = await generation();
      fx.h.writePolicy(policyWithKey(id, fx.agent.sha256));
      await waitForExpect(async () => expect(await generation()).toBeGreaterThan(before));
    }
    const probe = PROBES[id];
    if (!probe) throw new Error(`no probe for ${id}`);
    const seen = fx.fake.received.length;
    const stripe = stripeViaConnect(fx.key, fx.h.port, fx.h.caPem, { maxNetworkRetries: 0 });
    await probe.allowed(stripe);
    const [method, at] = probe.allowedAt.split(' ');
    const hit = fx.fake.received.slice(seen).find((r) => r.method === method && r.path.split('?')[0] === at);
    expect(hit, `${probe.allowedAt} reached the fake Stripe`).toBeDefined();
    expect(hit!.headers.authorization).toBe('Bearer rk_test_restricted_0001');

    const err = await probe.refused(stripe).then(
      () => undefined,
      (e: Stripe.errors.StripeError) => e,
    );
    expect(err, 'the call outside the use case was refused').toBeDefined();
    expect(err!.code).toMatch(/^keybrake_/);
    expect(fx.fake.received.slice(seen).some((r) => r.path.split('?')[0] === probe.refusedPath && r.method === 'POST')).toBe(false);
  });
});
