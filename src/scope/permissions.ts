// The Stripe Restricted API Key permission catalog: one row per dashboard
// resource with its read and write `rak_…` slugs and the evidence for each.
// Groups follow one vendor's mirror of the dashboard [P]; Stripe has changed
// its group headers over time, so the grouping itself is unverified.
import type { Grade } from './evidence.ts';

export type Level = 'read' | 'write';

export interface PermissionRow {
  /** Slug stem: `charge` → `rak_charge_read`, `rak_charge_write`. */
  id: string;
  label: string;
  group: string;
  /** Evidence for the read slug; undefined when the row has no read slug. */
  read?: readonly Grade[];
  write?: readonly Grade[];
  /** Permissions this row grants as well, per Stripe's reference. */
  implies?: readonly string[];
  note?: string;
}

const S: Grade[] = ['S'];
const P: Grade[] = ['P'];
const SP: Grade[] = ['S', 'P'];
const E: Grade[] = ['E'];

function row(group: string, id: string, label: string, read: Grade[] | null, write: Grade[] | null, extra: Partial<PermissionRow> = {}): PermissionRow {
  return { id, label, group, ...(read ? { read } : {}), ...(write ? { write } : {}), ...extra };
}

const CORE = 'Core';
const CHECKOUT = 'Checkout';
const BILLING = 'Billing';
const TAX = 'Tax';
const CONNECT = 'Connect';
const MORE = 'Capital, Issuing, Treasury, Terminal, Reporting';
const DEV = 'Developers';

export const PERMISSIONS: readonly PermissionRow[] = [
  row(CORE, 'apple_pay_domain', 'Apple Pay domains', SP, SP),
  row(CORE, 'balance', 'Balance', SP, null),
  row(CORE, 'balance_transaction_source', 'Balance transaction sources', SP, null, {
    implies: ['rak_application_fee_read', 'rak_balance_read', 'rak_transfer_read'],
  }),
  row(CORE, 'charge', 'Charges and refunds', SP, SP, {
    note: 'There is no separate Refunds row: refunds ride on this row (rak_refund_* slugs are not real).',
  }),
  row(CORE, 'confirmation_token', 'Confirmation tokens', SP, null),
  row(CORE, 'confirmation_token_client', 'Confirmation tokens (client)', ['P', 'E'], P),
  row(CORE, 'customer', 'Customers', SP, SP, { implies: ['rak_billing_clock_read'] }),
  row(CORE, 'customer_session', 'Customer sessions', P, P),
  row(CORE, 'dispute', 'Disputes', SP, SP),
  row(CORE, 'event', 'Events', SP, null),
  row(CORE, 'file', 'Files', SP, SP),
  row(CORE, 'mandate', 'Mandates', SP, SP),
  row(CORE, 'payment_intent', 'Payment intents', SP, SP),
  row(CORE, 'payment_method', 'Payment methods', ['S', 'P', 'E'], SP, { implies: ['rak_source_read'] }),
  row(CORE, 'payment_method_configurations', 'Payment method configurations', P, P),
  row(CORE, 'payment_method_domain', 'Payment method domains', P, P),
  row(CORE, 'payment_records', 'Payment records', P, P),
  row(CORE, 'payout', 'Payouts', SP, SP),
  row(CORE, 'payout_intent', 'Payout intents', P, null),
  row(CORE, 'product', 'Products', SP, SP),
  row(CORE, 'review', 'Reviews (Radar)', SP, SP),
  row(CORE, 'setup_intent', 'Setup intents', SP, ['S', 'P', 'E']),
  row(CORE, 'source', 'Sources (legacy)', SP, SP),
  row(CORE, 'token', 'Tokens', SP, SP),
  row(CORE, 'transaction', 'Transactions', P, null, { note: 'Which API this row covers is unverified.' }),

  row(CHECKOUT, 'checkout_session', 'Checkout sessions', ['S', 'P'], ['S', 'P', 'E'], {
    implies: ['rak_mandate_read', 'rak_payment_intent_read', 'rak_payment_links_read', 'rak_product_read', 'rak_setup_intent_read', 'rak_sku_read'],
  }),
  row(CHECKOUT, 'payment_links', 'Payment links', SP, SP, { note: 'Plural; the singular rak_payment_link_write is not a real slug.' }),
  row(CHECKOUT, 'shipping_rate', 'Shipping rates', SP, SP),

  row(BILLING, 'billing_profile', 'Billing profiles', P, P),
  row(BILLING, 'billing_settings', 'Billing settings', P, P),
  row(BILLING, 'billing_intent', 'Billing intents', P, null),
  row(BILLING, 'coupon', 'Coupons', SP, SP),
  row(BILLING, 'credit_note', 'Credit notes', SP, SP, { implies: ['rak_invoice_read'] }),
  row(BILLING, 'customer_portal', 'Customer portal', SP, SP),
  row(BILLING, 'entitlement', 'Entitlements', SP, null),
  row(BILLING, 'invoice', 'Invoices', SP, SP, { implies: ['rak_credit_note_read'], note: 'Invoice items and invoice payments ride on this row.' }),
  row(BILLING, 'billing_meter', 'Meters', SP, SP),
  row(BILLING, 'billing_meter_event', 'Meter events', P, P),
  row(BILLING, 'billing_analytics_meter_usage', 'Meter usage analytics', P, null),
  row(BILLING, 'plan', 'Plans and prices', SP, SP, {
    implies: ['rak_product_read'],
    note: 'The slug is plan, not price; it grants Products implicitly.',
  }),
  row(BILLING, 'product_catalog_import', 'Product catalog imports', P, P),
  row(BILLING, 'promotion_code', 'Promotion codes', SP, SP),
  row(BILLING, 'quote', 'Quotes', SP, SP),
  row(BILLING, 'rate_card', 'Rate cards', null, P),
  row(BILLING, 'rate_card_subscription', 'Rate card subscriptions', null, P),
  row(BILLING, 'subscription', 'Subscriptions', ['S', 'P', 'E'], SP, { note: 'Subscription items and schedules ride on this row.' }),
  row(BILLING, 'billing_clock', 'Test clocks', SP, SP),
  row(BILLING, 'usage_record', 'Usage records (legacy)', SP, SP),

  row(TAX, 'tax_calculations_and_transactions', 'Tax calculations and transactions', SP, SP),
  row(TAX, 'tax_locations', 'Tax locations', P, P),
  row(TAX, 'tax_rate', 'Tax rates', SP, SP),
  row(TAX, 'tax_settings', 'Tax settings', SP, SP),

  row(CONNECT, 'account_link', 'Account links', null, SP),
  row(CONNECT, 'application_fee', 'Application fees', SP, SP),
  row(CONNECT, 'connected_account', 'Connected accounts', SP, E, {
    note: 'Write is known only from real permission errors on accounts.create; it is not in the Managed API Keys list and may be offered only on Connect platforms (unverified).',
  }),
  row(CONNECT, 'accounts_kyc_basic', 'Account KYC (basic)', E, null, { note: 'Dashboard row name unknown; GET /v1/account asks for it.' }),
  row(CONNECT, 'accounts_kyc_raw_bank_details', 'Account KYC (raw bank details)', E, null, { note: 'Dashboard row name unknown.' }),
  row(CONNECT, 'edit_link', 'Edit links (login links)', null, SP),
  row(CONNECT, 'fee_domain_resources', 'Fee domain resources', P, null),
  row(CONNECT, 'top_up', 'Top-ups', SP, SP),
  row(CONNECT, 'transfer', 'Transfers', SP, SP, {
    implies: ['rak_payout_read'],
    note: "A newer copy of Stripe's reference says Transfers also implies payout_write; older copies say payout_read only (unverified).",
  }),

  row(MORE, 'capital_for_platforms_financing_offer', 'Capital financing offers', P, P),
  row(MORE, 'capital_for_platforms_financing_summary', 'Capital financing summary', P, null),
  row(MORE, 'capital_for_platforms_financing_transaction', 'Capital financing transactions', P, null),
  row(MORE, 'order', 'Orders (legacy)', SP, SP),
  row(MORE, 'sku', 'SKUs (legacy)', SP, SP),
  row(MORE, 'issuing', 'All Issuing resources', P, P),
  row(MORE, 'issuing_authorization', 'Issuing authorizations', SP, SP),
  row(MORE, 'issuing_card', 'Issuing cards', SP, SP),
  row(MORE, 'issuing_cardholder', 'Issuing cardholders', SP, SP),
  row(MORE, 'issuing_credit_ledger', 'Issuing credit ledger', P, P),
  row(MORE, 'issuing_dispute', 'Issuing disputes', SP, SP),
  row(MORE, 'issuing_token', 'Issuing tokens', P, P),
  row(MORE, 'issuing_token_network_data', 'Issuing token network data', P, null),
  row(MORE, 'issuing_transaction', 'Issuing transactions', SP, SP),
  row(MORE, 'issuing_verification', 'Issuing verifications', null, P),
  row(MORE, 'issuing_card_sensitive', 'Issuing card numbers (sensitive)', S, null, {
    note: "Named in Stripe's event table; whether it is a dashboard row is unverified.",
  }),
  row(MORE, 'financial_account', 'Treasury financial accounts', P, null),
  row(MORE, 'inbound_transfer', 'Treasury inbound transfers', P, null),
  row(MORE, 'outbound_payment', 'Treasury outbound payments', P, null),
  row(MORE, 'outbound_transfer', 'Treasury outbound transfers', P, null),
  row(MORE, 'received_credit', 'Treasury received credits', P, null),
  row(MORE, 'received_debit', 'Treasury received debits', P, null),
  row(MORE, 'recipient_verification', 'Treasury recipient verifications', P, null),
  row(MORE, 'treasury_transaction', 'Treasury transactions', P, null),
  row(MORE, 'terminal_configuration', 'Terminal configurations', SP, SP),
  row(MORE, 'terminal_connection_token', 'Terminal connection tokens', null, SP),
  row(MORE, 'terminal_location', 'Terminal locations', SP, SP),
  row(MORE, 'terminal_reader', 'Terminal readers', SP, SP),
  row(MORE, 'adjustment', 'Adjustments', P, null),
  row(MORE, 'report_runs_and_report_types', 'Report runs and report types', SP, P, {
    note: 'Stripe says the read permission "allows creation of Report Runs".',
  }),

  row(DEV, 'api_key', 'API keys', null, P, { note: 'A key that can create keys: treat it as every permission.' }),
  row(DEV, 'provisioning_account_request', 'Provisioning account requests', P, P),
  row(DEV, 'provisioning_project', 'Provisioning projects', P, P),
  row(DEV, 'provisioning_resource', 'Provisioning resources', P, P),
  row(DEV, 'secret', 'Secrets', SP, SP),
  row(DEV, 'webhook', 'Webhook endpoints', SP, SP),
];

/** Slugs seen only in third-party pre-fill links or test fixtures: not real, with the real one to use. */
export const INVALID_SLUGS: Readonly<Record<string, string>> = {
  rak_refund_read: 'rak_charge_read (refunds ride on Charges and refunds)',
  rak_refund_write: 'rak_charge_write (refunds ride on Charges and refunds)',
  rak_payment_link_write: 'rak_payment_links_write (plural)',
  rak_payment_link_read: 'rak_payment_links_read (plural)',
  rak_invoice_item_read: 'rak_invoice_read (invoice items ride on Invoices)',
  rak_invoice_item_write: 'rak_invoice_write (invoice items ride on Invoices)',
  rak_invoiceitem_write: 'rak_invoice_write (invoice items ride on Invoices)',
  rak_subscription_schedule_read: 'rak_subscription_read (schedules ride on Subscriptions)',
  rak_balance_transaction_read: 'rak_balance_transaction_source_read',
  rak_account_read: 'rak_connected_account_read or rak_accounts_kyc_basic_read',
  rak_customers_read: 'rak_customer_read (singular)',
  rak_subscriptions_read: 'rak_subscription_read (singular)',
};

const BY_ID = new Map(PERMISSIONS.map((p) => [p.id, p]));

export function permissionRow(id: string): PermissionRow {
  const p = BY_ID.get(id);
  if (!p) throw new Error(`no permission row ${JSON.stringify(id)}`);
  return p;
}

export function slugOf(id: string, level: Level): string {
  return `rak_${id}_${level}`;
}

/** Every real slug → its row and level. */
export const SLUGS: ReadonlyMap<string, { row: PermissionRow; level: Level }> = new Map(
  PERMISSIONS.flatMap((row) => (['read', 'write'] as const).filter((level) => row[level]).map((level) => [slugOf(row.id, level), { row, level }] as const)),
);
