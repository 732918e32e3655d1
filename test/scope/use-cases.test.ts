// Table-driven: each use case's minimal key and tier, the pair warnings for
// each dangerous combination, the amplifiers, and keys given as slugs.
import { describe, expect, it } from 'vitest';
import { scopeReport, type ScopeReport } from '../../src/scope/report.ts';

function report(useCases: string[], permissions: string[] = []): ScopeReport {
  const r = scopeReport({ useCases, permissions });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.report;
}

// Expected slugs (highest level per row, catalog order) and tier, written from the research table, not from the code.
const MINIMAL: Array<[string, string[], string]> = [
  [
    'reporting',
    ['rak_balance_read', 'rak_balance_transaction_source_read', 'rak_charge_read', 'rak_invoice_read', 'rak_plan_read', 'rak_subscription_read'],
    'medium',
  ],
  ['support-refunds', ['rak_charge_write', 'rak_customer_read', 'rak_payment_intent_read'], 'high'],
  ['subscriptions', ['rak_customer_read', 'rak_plan_read', 'rak_subscription_write'], 'medium'],
  ['checkout', ['rak_checkout_session_write', 'rak_plan_read'], 'medium'],
  ['invoicing', ['rak_customer_read', 'rak_invoice_write', 'rak_plan_read'], 'medium'],
  ['dunning', ['rak_customer_read', 'rak_customer_portal_write', 'rak_invoice_write', 'rak_payment_intent_read', 'rak_subscription_read'], 'medium'],
  ['disputes', ['rak_charge_read', 'rak_customer_read', 'rak_dispute_write', 'rak_file_write'], 'high'],
  ['customer-updates', ['rak_customer_write'], 'medium'],
  ['payout-monitoring', ['rak_balance_read', 'rak_balance_transaction_source_read', 'rak_payout_read'], 'low'],
  ['connect-onboarding', ['rak_account_link_write', 'rak_connected_account_write', 'rak_edit_link_write'], 'critical'],
  ['usage-metering', ['rak_billing_meter_read', 'rak_billing_meter_event_write'], 'medium'],
  ['coupons', ['rak_coupon_write', 'rak_promotion_code_write'], 'low'],
  ['fraud-review', ['rak_charge_read', 'rak_payment_intent_read', 'rak_review_write'], 'medium'],
  ['tax-reporting', ['rak_file_read', 'rak_report_runs_and_report_types_read', 'rak_tax_calculations_and_transactions_read', 'rak_tax_rate_read'], 'medium'],
];

describe('minimal key per use case', () => {
  it.each(MINIMAL)('%s', (id, slugs, tier) => {
    const r = report([id]);
    expect(r.permissions.map((p) => p.slug).sort()).toEqual([...slugs].sort());
    expect(r.tier).toBe(tier);
    expect(r.pairs).toEqual([]);
    // One reason line per axis, every time.
    expect(r.reasons.slice(0, 5).map((x) => x.axis)).toEqual(['money', 'reversibility', 'ceiling', 'data', 'escalation']);
    expect(r.prefillUrl).toBe(
      `https://dashboard.stripe.com/apikeys/create?name=keybrake%20${id}&${r.permissions.map((p) => `permissions[]=${p.slug}`).join('&')}`,
    );
  });

  it('support refunds scores 30: refunds M 2 ×1 (20) + customer data P 2 (10), with the charges granularity warning', () => {
    const r = report(['support-refunds']);
    expect(r.score).toBe(30);
    expect(r.reasons.find((x) => x.axis === 'money')!.points).toBe(20);
    expect(r.reasons.find((x) => x.axis === 'data')!.points).toBe(10);
    expect(r.granularity.map((g) => g.row)).toEqual(['charge']);
    expect(r.granularity[0]!.text).toMatch(/creating and capturing charges/);
  });

  it('the order use cases are given in does not change the answer', () => {
    expect(report(['support-refunds', 'reporting'])).toEqual(report(['reporting', 'support-refunds']));
  });

  it('combining use cases keeps the higher level of a shared row', () => {
    const r = report(['reporting', 'support-refunds']);
    expect(r.permissions.find((p) => p.row === 'charge')!.level).toBe('write');
    expect(r.permissions.find((p) => p.row === 'charge')!.neededBy).toEqual(['reporting', 'support-refunds']);
  });
});

const PAIRS: Array<[string, string[], string[], string[]]> = [
  ['10 + Transfers W', ['connect-onboarding'], ['rak_transfer_write'], ['A']],
  ['10 + Payouts W', ['connect-onboarding'], ['rak_payout_write'], ['B']],
  ['2 + Transfers W', ['support-refunds'], ['rak_transfer_write'], ['C']],
  ['Payment intents W + Transfers W', [], ['rak_payment_intent_write', 'rak_transfer_write'], ['C']],
  ['Issuing cards W + Issuing cardholders W', [], ['rak_issuing_card_write', 'rak_issuing_cardholder_write'], ['D']],
  ['All Issuing resources W', [], ['rak_issuing_write'], ['D']],
  ['10 + Transfers W + Payouts W', ['connect-onboarding'], ['rak_transfer_write', 'rak_payout_write'], ['A', 'B']],
  ['2 + 10 + Transfers W', ['support-refunds', 'connect-onboarding'], ['rak_transfer_write'], ['A', 'C']],
  ['Transfers W alone', [], ['rak_transfer_write'], []],
  ['Issuing cards W alone', [], ['rak_issuing_card_write'], []],
  ['Top-ups W + Payouts W (a round trip)', [], ['rak_top_up_write', 'rak_payout_write'], []],
  ['Customers W + Charges and refunds W (refunds go to the original method)', [], ['rak_customer_write', 'rak_charge_write'], []],
];

describe('exfiltration pairs', () => {
  it.each(PAIRS)('%s', (_, useCases, permissions, pairs) => {
    const r = report(useCases, permissions);
    expect(r.pairs.map((p) => p.id)).toEqual(pairs);
    if (pairs.length) {
      expect(r.tier).toBe('critical');
      expect(r.reasons.find((x) => x.axis === 'pairs')!.points).toBe(25);
      for (const p of r.pairs) expect(p.split).toMatch(/second key/);
    } else {
      expect(r.reasons.some((x) => x.axis === 'pairs')).toBe(false);
    }
  });

  it('Top-ups W amplifies a pair: +10 and the ceiling reaches the bank; with nothing that moves money out it only warns', () => {
    const without = report(['connect-onboarding'], ['rak_transfer_write']);
    const withTopUps = report(['connect-onboarding'], ['rak_transfer_write', 'rak_top_up_write']);
    expect(withTopUps.score - without.score).toBe(10);
    expect(withTopUps.reasons.find((x) => x.axis === 'top-ups')!.points).toBe(10);
    expect(withTopUps.reasons.find((x) => x.axis === 'ceiling')!.text).toMatch(/merchant's bank/);
    expect(withTopUps.amplifiers.map((a) => a.id)).toContain('top-ups');
    const alone = report(['reporting'], ['rak_top_up_write']);
    expect(alone.reasons.some((x) => x.axis === 'top-ups')).toBe(false);
    expect(alone.amplifiers.map((a) => a.id)).toEqual(['top-ups']);
  });

  it('API keys W is scored as every permission: all four pairs, reached through key minting', () => {
    const r = report([], ['rak_api_key_write']);
    expect(r.pairs.map((p) => [p.id, p.viaApiKeys])).toEqual([
      ['A', true],
      ['B', true],
      ['C', true],
      ['D', true],
    ]);
    expect(r.score).toBe(100);
    expect(r.reasons.find((x) => x.axis === 'escalation')!.points).toBe(10);
  });
});

describe('--permissions slugs', () => {
  it('refuses slugs seen only in third-party links and names the real one', () => {
    const r = scopeReport({ useCases: [], permissions: ['rak_refund_write', 'rak_payment_link_write', 'rak_nope_read'] });
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors[0]).toMatch(/rak_refund_write is not a real Stripe permission.*use rak_charge_write/);
    expect(errors[1]).toMatch(/use rak_payment_links_write/);
    expect(errors[2]).toMatch(/rak_nope_read is not in keybrake's catalog/);
  });

  it('unknown use cases list the valid ones; an empty choice says what to give', () => {
    const r = scopeReport({ useCases: ['refunds'], permissions: [] });
    expect(r.ok ? '' : r.errors[0]).toMatch(/unknown use case "refunds"; valid: reporting, support-refunds/);
    const none = scopeReport({ useCases: [], permissions: [] });
    expect(none.ok ? '' : none.errors[0]).toMatch(/--use-case/);
  });

  it('a key given as slugs has no policy; unverified rows say so', () => {
    const r = report([], ['rak_connected_account_write', 'rak_top_up_read']);
    expect(r.policy).toBeUndefined();
    expect(r.permissions.map((p) => [p.slug, p.verified])).toEqual([
      ['rak_connected_account_write', true],
      ['rak_top_up_read', true],
    ]);
    expect(r.permissions[0]!.note).toMatch(/unverified/);
  });
});
