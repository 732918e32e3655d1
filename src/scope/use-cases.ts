// Fourteen common agent jobs: the smallest Restricted Key each needs (Write
// implies Read, so a Read is listed only when nothing else covers it) and the
// EgressPolicy rules that narrow the key further, down to the operations and
// fields the job uses. Rules allow the Stripe pack's operation ids, or
// `METHOD /path` for endpoints the pack does not know.
import type { Grade } from './evidence.ts';
import type { Level } from './permissions.ts';
import type { Cap, Rule } from '../policy/schema.ts';

export interface Note {
  text: string;
  evidence: readonly Grade[];
}

export interface UseCase {
  id: string;
  title: string;
  permissions: ReadonlyArray<{ row: string; level: Level }>;
  rules: readonly Rule[];
  /** Suggested caps; spend caps are in usd. */
  caps: readonly Cap[];
  /** Suggested share of the policy's per-minute request cap. */
  requestsPerMinute: number;
  notes: readonly Note[];
}

const R = 'read' as const;
const W = 'write' as const;
const usd = (amount: string) => ({ amount, currency: 'usd' });
const inferred = (text: string): Note => ({ text, evidence: ['inferred'] });

export const USE_CASES: readonly UseCase[] = [
  {
    id: 'reporting',
    title: 'Read-only revenue and MRR reporting',
    permissions: [
      { row: 'balance', level: R },
      { row: 'balance_transaction_source', level: R },
      { row: 'charge', level: R },
      { row: 'subscription', level: R },
      { row: 'invoice', level: R },
      { row: 'plan', level: R },
    ],
    rules: [
      {
        name: 'read-revenue',
        allow: ['balance.retrieve', 'balance_transactions.list', 'charges.list', 'refunds.list', 'subscriptions.list', 'invoices.list', 'prices.list'],
      },
    ],
    caps: [],
    requestsPerMinute: 60,
    notes: [{ text: 'Add Customers R only if the report needs per-customer rows.', evidence: ['S'] }],
  },
  {
    id: 'support-refunds',
    title: 'Support: partial refunds',
    permissions: [
      { row: 'charge', level: W },
      { row: 'payment_intent', level: R },
      { row: 'customer', level: R },
    ],
    rules: [
      { name: 'partial-refunds-on-tickets', allow: ['refunds.create'], where: { amount: { max: 5000 }, 'metadata.ticket_id': { present: true } } },
      {
        name: 'look-up-payments',
        allow: ['customers.list', 'customers.search', 'customers.retrieve', 'payment_intents.list', 'payment_intents.retrieve', 'charges.retrieve'],
      },
    ],
    caps: [
      { name: 'support-refunds-spend-per-day', window: '24h', maxSpend: usd('500.00'), operations: ['refunds.create'] },
      { name: 'support-refunds-per-day', window: '24h', maxRequests: 50, operations: ['refunds.create'] },
    ],
    requestsPerMinute: 30,
    notes: [
      { text: 'Refunds go only to the original payment method and never exceed the charge.', evidence: ['S'] },
      inferred('Verify with a test-mode key that POST /v1/refunds names rak_charge_write.'),
    ],
  },
  {
    id: 'subscriptions',
    title: 'Subscription management (cancel, pause, upgrade, resume)',
    permissions: [
      { row: 'subscription', level: W },
      { row: 'customer', level: R },
      { row: 'plan', level: R },
    ],
    rules: [
      { name: 'change-without-immediate-invoice', allow: ['subscriptions.update'], where: { proration_behavior: { notIn: ['always_invoice'] } } },
      { name: 'cancel-without-final-invoice', allow: ['subscriptions.cancel'], where: { invoice_now: { notIn: ['true'] } } },
      // keybrake's Stripe pack has no cost model for resume: keep it from invoicing (and charging) on the spot.
      {
        name: 'resume-on-the-same-cycle',
        allow: ['POST /v1/subscriptions/*/resume'],
        where: { billing_cycle_anchor: { in: ['unchanged'] }, proration_behavior: { notIn: ['always_invoice'] } },
      },
      { name: 'read-subscriptions', allow: ['subscriptions.list', 'subscriptions.search', 'subscriptions.retrieve', 'customers.retrieve', 'prices.list'] },
    ],
    caps: [{ name: 'subscription-changes-per-day', window: '24h', maxRequests: 100, operations: ['subscriptions.update', 'subscriptions.cancel'] }],
    requestsPerMinute: 30,
    notes: [
      inferred('Upgrades charge the customer. Whether proration previews (POST /v1/invoices/create_preview) need Invoices W is unverified.'),
      inferred('Resume is allowed only with billing_cycle_anchor=unchanged: the default (now) invoices at once, and keybrake cannot price that call yet.'),
    ],
  },
  {
    id: 'checkout',
    title: 'Checkout session generation',
    permissions: [
      { row: 'checkout_session', level: W },
      { row: 'plan', level: R },
    ],
    rules: [
      {
        name: 'checkout-to-this-account-only',
        allow: ['checkout.sessions.create'],
        where: {
          'payment_intent_data.transfer_data.destination': { present: false },
          'payment_intent_data.on_behalf_of': { present: false },
          'subscription_data.transfer_data.destination': { present: false },
        },
      },
      { name: 'read-prices-and-sessions', allow: ['prices.list', 'checkout.sessions.retrieve'] },
    ],
    caps: [{ name: 'checkout-sessions-per-hour', window: '1h', maxRequests: 200, operations: ['checkout.sessions.create'] }],
    requestsPerMinute: 30,
    notes: [
      { text: 'For payment links instead, use Payment links W (rak_payment_links_write) in place of Checkout sessions W.', evidence: ['S', 'P'] },
      { text: 'Checkout sessions W also grants read on mandates, payment intents, payment links, products, setup intents and SKUs.', evidence: ['S'] },
    ],
  },
  {
    id: 'invoicing',
    title: 'Invoice creation and sending',
    permissions: [
      { row: 'invoice', level: W },
      { row: 'customer', level: R },
      { row: 'plan', level: R },
    ],
    rules: [
      { name: 'invoice-items-up-to-1000', allow: ['invoiceitems.create'], where: { amount: { max: 100000 } } },
      { name: 'send-invoices-never-auto-charge', allow: ['invoices.create'], where: { collection_method: { in: ['send_invoice'] } } },
      { name: 'finalize-and-send', allow: ['POST /v1/invoices/*/add_lines', 'invoices.finalize', 'POST /v1/invoices/*/send'] },
      {
        name: 'read-customers-and-prices',
        allow: ['customers.list', 'customers.search', 'customers.retrieve', 'prices.list', 'invoices.list', 'invoices.retrieve'],
      },
    ],
    caps: [{ name: 'invoices-per-day', window: '24h', maxRequests: 200, operations: ['invoiceitems.create', 'invoices.create', 'invoices.finalize'] }],
    requestsPerMinute: 30,
    notes: [{ text: 'Invoice items ride on Invoices; use Customers W only if the agent must create customers.', evidence: ['S'] }],
  },
  {
    id: 'dunning',
    title: 'Dunning and failed-payment follow-up',
    permissions: [
      { row: 'invoice', level: W },
      { row: 'subscription', level: R },
      { row: 'customer', level: R },
      { row: 'payment_intent', level: R },
      { row: 'customer_portal', level: W },
    ],
    rules: [
      { name: 'retry-with-the-default-method', allow: ['invoices.pay'], where: { payment_method: { present: false }, paid_out_of_band: { notIn: ['true'] } } },
      { name: 'remind-and-portal-link', allow: ['POST /v1/invoices/*/send', 'POST /v1/billing_portal/sessions'] },
      { name: 'write-off', allow: ['POST /v1/invoices/*/mark_uncollectible', 'invoices.void'] },
      { name: 'read-open-invoices', allow: ['invoices.list', 'invoices.retrieve', 'subscriptions.retrieve', 'customers.retrieve', 'payment_intents.retrieve'] },
    ],
    caps: [
      { name: 'dunning-collected-per-day', window: '24h', maxSpend: usd('2000.00'), operations: ['invoices.pay'] },
      { name: 'invoices-voided-per-day', window: '24h', maxRequests: 20, operations: ['invoices.void'] },
    ],
    requestsPerMinute: 20,
    notes: [{ text: "Paying an invoice uses only the customer's existing payment methods.", evidence: ['inferred'] }],
  },
  {
    id: 'disputes',
    title: 'Dispute evidence submission',
    permissions: [
      { row: 'dispute', level: W },
      { row: 'file', level: W },
      { row: 'charge', level: R },
      { row: 'customer', level: R },
    ],
    rules: [
      { name: 'submit-evidence', allow: ['POST /v1/disputes/*'] },
      { name: 'read-disputes', allow: ['disputes.list', 'disputes.retrieve', 'charges.retrieve', 'customers.retrieve'] },
    ],
    caps: [],
    requestsPerMinute: 20,
    notes: [
      inferred('Evidence files upload to files.stripe.com, which keybrake does not govern yet: upload them outside the agent, or the upload is refused.'),
    ],
  },
  {
    id: 'customer-updates',
    title: 'Customer record updates',
    permissions: [{ row: 'customer', level: W }],
    rules: [
      { name: 'update-contact-details', allow: ['customers.update'], where: { balance: { present: false }, cash_balance: { present: false } } },
      { name: 'add-tax-ids', allow: ['POST /v1/customers/*/tax_ids'] },
      { name: 'read-customers', allow: ['customers.list', 'customers.search', 'customers.retrieve'] },
    ],
    caps: [{ name: 'customer-updates-per-day', window: '24h', maxRequests: 500, operations: ['customers.update'] }],
    requestsPerMinute: 60,
    notes: [inferred('Customers W probably also allows customer balance credits; the policy refuses balance changes.')],
  },
  {
    id: 'payout-monitoring',
    title: 'Payout monitoring',
    permissions: [
      { row: 'payout', level: R },
      { row: 'balance', level: R },
      { row: 'balance_transaction_source', level: R },
    ],
    rules: [
      { name: 'read-payouts', allow: ['payouts.list', 'payouts.retrieve', 'balance.retrieve', 'balance_transactions.list', 'balance_transactions.retrieve'] },
    ],
    caps: [],
    requestsPerMinute: 60,
    notes: [],
  },
  {
    id: 'connect-onboarding',
    title: 'Connect marketplace onboarding',
    permissions: [
      { row: 'connected_account', level: W },
      { row: 'account_link', level: W },
      { row: 'edit_link', level: W },
    ],
    rules: [
      { name: 'create-accounts-without-bank', allow: ['POST /v1/accounts'], where: { external_account: { present: false } } },
      { name: 'onboarding-links', allow: ['POST /v1/account_links', 'POST /v1/accounts/*/login_links'] },
      { name: 'read-accounts', allow: ['GET /v1/accounts/*'] },
    ],
    caps: [],
    requestsPerMinute: 10,
    notes: [
      { text: 'Never add Transfers W or Payouts W to this key (pairs A and B).', evidence: ['S', 'E'] },
      inferred('The policy does not allow updating accounts or their external (bank) accounts: those change where payouts go.'),
      {
        text: 'Edit links W is needed only for Express dashboard login links; add rak_accounts_kyc_basic_read only if the agent reads account details.',
        evidence: ['S', 'E'],
      },
    ],
  },
  {
    id: 'usage-metering',
    title: 'Usage-based billing metering',
    permissions: [
      { row: 'billing_meter_event', level: W },
      { row: 'billing_meter', level: R },
    ],
    rules: [
      {
        name: 'meter-events',
        allow: ['POST /v1/billing/meter_events'],
        where: { event_name: { present: true }, 'payload.stripe_customer_id': { present: true }, 'payload.value': { min: 0, max: 10000 } },
      },
      { name: 'read-meters', allow: ['GET /v1/billing/meters'] },
    ],
    caps: [],
    requestsPerMinute: 600,
    notes: [{ text: 'Legacy usage records need Usage records W instead (POST /v1/subscription_items/{id}/usage_records).', evidence: ['S'] }],
  },
  {
    id: 'coupons',
    title: 'Coupon and promotion management',
    permissions: [
      { row: 'coupon', level: W },
      { row: 'promotion_code', level: W },
    ],
    rules: [
      {
        name: 'percent-coupons-up-to-30',
        allow: ['POST /v1/coupons'],
        where: { percent_off: { max: 30 }, amount_off: { present: false }, duration: { in: ['once', 'repeating'] } },
      },
      { name: 'limited-promotion-codes', allow: ['POST /v1/promotion_codes'], where: { max_redemptions: { min: 1, max: 1000 } } },
      { name: 'manage-codes', allow: ['POST /v1/promotion_codes/*', 'DELETE /v1/coupons/*', 'GET /v1/coupons', 'GET /v1/promotion_codes'] },
    ],
    caps: [],
    requestsPerMinute: 10,
    notes: [inferred('The risk is revenue leakage (a 100 % off coupon), not cash out: the score does not count it, the policy caps it.')],
  },
  {
    id: 'fraud-review',
    title: 'Fraud review (Radar)',
    permissions: [
      { row: 'review', level: W },
      { row: 'charge', level: R },
      { row: 'payment_intent', level: R },
    ],
    rules: [
      { name: 'approve-reviews', allow: ['POST /v1/reviews/*/approve'] },
      { name: 'read-reviews', allow: ['GET /v1/reviews', 'GET /v1/reviews/*', 'charges.list', 'charges.retrieve', 'payment_intents.retrieve'] },
    ],
    caps: [],
    requestsPerMinute: 30,
    notes: [
      { text: 'Early fraud warnings ride on Charges and refunds R. Add Charges and refunds W only if the agent refunds fraud.', evidence: ['S'] },
      inferred('No permission name for Radar value lists was found.'),
    ],
  },
  {
    id: 'tax-reporting',
    title: 'Tax and reporting export',
    permissions: [
      { row: 'report_runs_and_report_types', level: R },
      { row: 'file', level: R },
      { row: 'tax_calculations_and_transactions', level: R },
      { row: 'tax_rate', level: R },
    ],
    rules: [
      { name: 'run-reports', allow: ['POST /v1/reporting/report_runs'] },
      {
        name: 'read-reports-and-tax',
        allow: ['GET /v1/reporting/report_types', 'GET /v1/reporting/report_runs/*', 'GET /v1/files/*', 'GET /v1/tax/transactions/*', 'GET /v1/tax_rates'],
      },
    ],
    caps: [],
    requestsPerMinute: 20,
    notes: [
      { text: 'Stripe says the read permission "allows creation of Report Runs".', evidence: ['S'] },
      inferred('Report file contents download from files.stripe.com, which keybrake does not govern yet.'),
    ],
  },
];

const BY_ID = new Map(USE_CASES.map((u) => [u.id, u]));

export function useCase(id: string): UseCase | undefined {
  return BY_ID.get(id);
}

/** Every allow entry of a use case, in rule order. */
export function operationsOf(u: UseCase): string[] {
  return u.rules.flatMap((r) => r.allow);
}
