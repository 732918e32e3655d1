// Endpoint → the permission it needs. `allow` is what an EgressPolicy rule
// lists: the Stripe pack's operation id when the pack knows the endpoint, else
// `METHOD /path` (a test checks both against the pack's catalog). Evidence is
// for the mapping, not for the slug: most mappings are read off resource names
// and stay `inferred` until a test-mode key's permission error confirms them.
import type { Grade } from './evidence.ts';

export interface Endpoint {
  allow: string;
  /** Stripe's OpenAPI operationId. */
  operationId: string;
  /** The slug that lets a Restricted Key make the call. */
  needs: string;
  evidence: readonly Grade[];
  /** Where money goes, for endpoints that move it. */
  moneyTo?: string;
}

const I: Grade[] = ['inferred'];

function ep(allow: string, operationId: string, needs: string, evidence: Grade[] = I, moneyTo?: string): Endpoint {
  return { allow, operationId, needs: `rak_${needs}`, evidence, ...(moneyTo ? { moneyTo } : {}) };
}

const CUSTOMER_TO_MERCHANT = "customer's payment method → merchant balance";

export const ENDPOINTS: readonly Endpoint[] = [
  // Balance and payouts
  ep('balance.retrieve', 'GetBalance', 'balance_read'),
  ep('balance_transactions.list', 'GetBalanceTransactions', 'balance_transaction_source_read'),
  ep('balance_transactions.retrieve', 'GetBalanceTransactionsId', 'balance_transaction_source_read'),
  ep('payouts.list', 'GetPayouts', 'payout_read'),
  ep('payouts.retrieve', 'GetPayoutsPayout', 'payout_read'),
  ep('payouts.create', 'PostPayouts', 'payout_write', I, "balance → the account's own bank account or debit card"),
  ep('topups.create', 'PostTopups', 'top_up_write', I, "merchant's bank → Stripe (or Issuing) balance"),
  // Charges, refunds, payment intents
  ep('charges.list', 'GetCharges', 'charge_read'),
  ep('charges.retrieve', 'GetChargesCharge', 'charge_read'),
  ep('charges.create', 'PostCharges', 'charge_write', I, CUSTOMER_TO_MERCHANT),
  ep('charges.capture', 'PostChargesChargeCapture', 'charge_write', I, CUSTOMER_TO_MERCHANT),
  ep('refunds.list', 'GetRefunds', 'charge_read'),
  ep('refunds.create', 'PostRefunds', 'charge_write', ['P', 'S'], 'merchant balance → the original payment method only, at most the charge'),
  ep('payment_intents.list', 'GetPaymentIntents', 'payment_intent_read'),
  ep('payment_intents.retrieve', 'GetPaymentIntentsIntent', 'payment_intent_read'),
  ep('payment_intents.create', 'PostPaymentIntents', 'payment_intent_write', ['E'], `${CUSTOMER_TO_MERCHANT}, or a connected account via transfer_data`),
  ep('payment_intents.confirm', 'PostPaymentIntentsIntentConfirm', 'payment_intent_write', I, CUSTOMER_TO_MERCHANT),
  ep('payment_intents.capture', 'PostPaymentIntentsIntentCapture', 'payment_intent_write', I, CUSTOMER_TO_MERCHANT),
  // Customers
  ep('customers.list', 'GetCustomers', 'customer_read'),
  ep('customers.search', 'GetCustomersSearch', 'customer_read'),
  ep('customers.retrieve', 'GetCustomersCustomer', 'customer_read'),
  ep('customers.update', 'PostCustomersCustomer', 'customer_write'),
  ep('POST /v1/customers/*/tax_ids', 'PostCustomersCustomerTaxIds', 'customer_write'),
  ep(
    'customers.balance_transactions.create',
    'PostCustomersCustomerBalanceTransactions',
    'customer_write',
    I,
    'ledger credit or debit on future invoices, not cash',
  ),
  // Subscriptions, prices
  ep('subscriptions.list', 'GetSubscriptions', 'subscription_read', ['E']),
  ep('subscriptions.search', 'GetSubscriptionsSearch', 'subscription_read'),
  ep('subscriptions.retrieve', 'GetSubscriptionsSubscriptionExposedId', 'subscription_read'),
  ep('subscriptions.create', 'PostSubscriptions', 'subscription_write', ['E'], `${CUSTOMER_TO_MERCHANT} (recurring)`),
  ep('subscriptions.update', 'PostSubscriptionsSubscriptionExposedId', 'subscription_write', I, `${CUSTOMER_TO_MERCHANT} (upgrades, prorations)`),
  ep('subscriptions.cancel', 'DeleteSubscriptionsSubscriptionExposedId', 'subscription_write', ['E']),
  ep('POST /v1/subscriptions/*/resume', 'PostSubscriptionsSubscriptionResume', 'subscription_write', I, CUSTOMER_TO_MERCHANT),
  ep('prices.list', 'GetPrices', 'plan_read'),
  // Checkout and payment links
  ep('checkout.sessions.create', 'PostCheckoutSessions', 'checkout_session_write', ['E'], 'payer → merchant (or a connected account via payment_intent_data)'),
  ep('checkout.sessions.retrieve', 'GetCheckoutSessionsSession', 'checkout_session_read'),
  ep('payment_links.create', 'PostPaymentLinks', 'payment_links_write', I, 'payer → merchant'),
  // Invoices and the customer portal
  ep('invoices.list', 'GetInvoices', 'invoice_read'),
  ep('invoices.retrieve', 'GetInvoicesInvoice', 'invoice_read'),
  ep('invoiceitems.create', 'PostInvoiceitems', 'invoice_write'),
  ep('invoices.create', 'PostInvoices', 'invoice_write'),
  ep('POST /v1/invoices/*/add_lines', 'PostInvoicesInvoiceAddLines', 'invoice_write'),
  ep('invoices.finalize', 'PostInvoicesInvoiceFinalize', 'invoice_write'),
  ep('POST /v1/invoices/*/send', 'PostInvoicesInvoiceSend', 'invoice_write'),
  ep('invoices.pay', 'PostInvoicesInvoicePay', 'invoice_write', I, "customer's saved payment method → merchant"),
  ep('POST /v1/invoices/*/mark_uncollectible', 'PostInvoicesInvoiceMarkUncollectible', 'invoice_write'),
  ep('invoices.void', 'PostInvoicesInvoiceVoid', 'invoice_write'),
  ep(
    'credit_notes.create',
    'PostCreditNotes',
    'credit_note_write',
    I,
    'refund_amount → the original payment method; credit_amount is customer credit, not cash',
  ),
  ep('POST /v1/billing_portal/sessions', 'PostBillingPortalSessions', 'customer_portal_write'),
  // Disputes and files
  ep('disputes.list', 'GetDisputes', 'dispute_read'),
  ep('disputes.retrieve', 'GetDisputesDispute', 'dispute_read'),
  ep('POST /v1/disputes/*', 'PostDisputesDispute', 'dispute_write'),
  ep(
    'POST /v1/disputes/*/close',
    'PostDisputesDisputeClose',
    'dispute_write',
    I,
    'the disputed amount stays with the cardholder (the merchant accepts the loss)',
  ),
  ep('GET /v1/files/*', 'GetFilesFile', 'file_read'),
  // Connect
  ep('POST /v1/accounts', 'PostAccounts', 'connected_account_write', ['E'], 'creates a payee (no money yet)'),
  ep('GET /v1/accounts/*', 'GetAccountsAccount', 'connected_account_read'),
  ep(
    'POST /v1/accounts/*/external_accounts',
    'PostAccountsAccountExternalAccounts',
    'connected_account_write',
    I,
    "changes where a connected account's payouts go",
  ),
  ep('POST /v1/account_links', 'PostAccountLinks', 'account_link_write', ['S']),
  ep('POST /v1/accounts/*/login_links', 'PostAccountsAccountLoginLinks', 'edit_link_write', ['S']),
  ep('accounts.retrieve_current', 'GetAccount', 'accounts_kyc_basic_read', ['E']),
  ep('transfers.create', 'PostTransfers', 'transfer_write', I, 'platform balance → any connected account'),
  ep('transfers.reversals.create', 'PostTransfersIdReversals', 'transfer_write', I, 'connected account → platform, only if it still holds the balance'),
  ep('application_fees.refunds.create', 'PostApplicationFeesIdRefunds', 'application_fee_write', I, 'platform → the connected account the fee came from'),
  // Billing meters, coupons, promotion codes
  ep('POST /v1/billing/meter_events', 'PostBillingMeterEvents', 'billing_meter_event_write'),
  ep('GET /v1/billing/meters', 'GetBillingMeters', 'billing_meter_read'),
  ep('GET /v1/coupons', 'GetCoupons', 'coupon_read'),
  ep('POST /v1/coupons', 'PostCoupons', 'coupon_write'),
  ep('DELETE /v1/coupons/*', 'DeleteCouponsCoupon', 'coupon_write'),
  ep('GET /v1/promotion_codes', 'GetPromotionCodes', 'promotion_code_read'),
  ep('POST /v1/promotion_codes', 'PostPromotionCodes', 'promotion_code_write'),
  ep('POST /v1/promotion_codes/*', 'PostPromotionCodesPromotionCode', 'promotion_code_write'),
  // Radar reviews
  ep('GET /v1/reviews', 'GetReviews', 'review_read'),
  ep('GET /v1/reviews/*', 'GetReviewsReview', 'review_read'),
  ep('POST /v1/reviews/*/approve', 'PostReviewsReviewApprove', 'review_write'),
  // Reporting and tax
  ep('GET /v1/reporting/report_types', 'GetReportingReportTypes', 'report_runs_and_report_types_read'),
  ep('POST /v1/reporting/report_runs', 'PostReportingReportRuns', 'report_runs_and_report_types_read', ['S']),
  ep('GET /v1/reporting/report_runs/*', 'GetReportingReportRunsReportRun', 'report_runs_and_report_types_read'),
  ep('GET /v1/tax/transactions/*', 'GetTaxTransactionsTransaction', 'tax_calculations_and_transactions_read'),
  ep('GET /v1/tax_rates', 'GetTaxRates', 'tax_rate_read'),
  // Issuing
  ep('POST /v1/issuing/cards', 'PostIssuingCards', 'issuing_card_write', I, 'Issuing balance → any merchant where the card is used'),
  ep('POST /v1/issuing/cardholders', 'PostIssuingCardholders', 'issuing_cardholder_write'),
  ep(
    'POST /v1/issuing/authorizations/*/approve',
    'PostIssuingAuthorizationsAuthorizationApprove',
    'issuing_authorization_write',
    I,
    'Issuing balance → the merchant of the authorization',
  ),
];

const BY_ALLOW = new Map(ENDPOINTS.map((e) => [e.allow, e]));

export function endpoint(allow: string): Endpoint {
  const e = BY_ALLOW.get(allow);
  if (!e) throw new Error(`no endpoint entry for ${JSON.stringify(allow)}`);
  return e;
}
