// What each permission risks, on the axes of the blast-radius score: money
// direction M (write only), reversibility R, ceiling C, data exposure P and
// escalation E. Every value carries the reason the CLI and page print.
import type { Grade } from './evidence.ts';

/** Where money can go with a write, 0 = nowhere … 5 = an instrument the attacker chooses. */
export interface MoneyRisk {
  m: 0 | 1 | 2 | 3 | 4 | 5;
  /** ×0.5 cancellable while pending, ×0.75 conditional reversal, ×1 final. */
  r: 0.5 | 0.75 | 1;
  why: string;
  rWhy: string;
  ceiling: Ceiling;
  evidence: readonly Grade[];
}

/** How far the bound on loss reaches, each step wider than the last. */
export type Ceiling = 'charges' | 'balance' | 'cards';

export const CEILINGS: Readonly<Record<Ceiling | 'bank' | 'none', { step: number; text: string }>> = {
  none: { step: 0, text: 'no money can move' },
  charges: { step: 1, text: 'the original charge amounts (refunds, disputes, fees go back to their payer)' },
  balance: { step: 2, text: 'the available balance (payouts, transfers, Issuing balance)' },
  bank: { step: 3, text: "the balance plus the merchant's bank (Top-ups W refills what leaves)" },
  cards: { step: 4, text: "customers' saved cards (charges are not bounded by the balance)" },
};

const final = 'final once it settles (a refund or chargeback is the only way back)';

export const MONEY: Readonly<Record<string, MoneyRisk>> = {
  payment_intent: {
    m: 1,
    r: 1,
    why: 'Payment intents W charges customers (unauthorised charges, fees, chargebacks)',
    rWhy: final,
    ceiling: 'cards',
    evidence: ['S'],
  },
  subscription: { m: 1, r: 1, why: 'Subscriptions W starts and upgrades recurring charges', rWhy: final, ceiling: 'cards', evidence: ['S'] },
  invoice: { m: 1, r: 1, why: "Invoices W pays invoices from customers' saved payment methods", rWhy: final, ceiling: 'cards', evidence: ['inferred'] },
  checkout_session: { m: 1, r: 1, why: 'Checkout sessions W creates pages that charge payers', rWhy: final, ceiling: 'cards', evidence: ['S'] },
  payment_links: { m: 1, r: 1, why: 'Payment links W creates links that charge payers', rWhy: final, ceiling: 'cards', evidence: ['S'] },
  quote: { m: 1, r: 1, why: 'Quotes W turns quotes into subscriptions and invoices', rWhy: final, ceiling: 'cards', evidence: ['inferred'] },
  order: { m: 1, r: 1, why: 'Orders W (legacy) charges for orders', rWhy: final, ceiling: 'cards', evidence: ['inferred'] },
  billing_meter_event: { m: 1, r: 1, why: 'Meter events W sets the usage customers are invoiced for', rWhy: final, ceiling: 'cards', evidence: ['inferred'] },
  usage_record: { m: 1, r: 1, why: 'Usage records W sets the usage customers are invoiced for', rWhy: final, ceiling: 'cards', evidence: ['inferred'] },
  charge: {
    m: 2,
    r: 1,
    ceiling: 'cards',
    evidence: ['P', 'S'],
    why: 'Charges and refunds W refunds to the original payment method (M 2); the same row also creates charges (M 1)',
    rWhy: 'a refund is final; refunds are capped at the original charge',
  },
  credit_note: { m: 2, r: 1, why: 'Credit notes W refunds invoices to the original payment method', rWhy: final, ceiling: 'charges', evidence: ['S'] },
  dispute: {
    m: 2,
    r: 1,
    why: 'Disputes W can close (accept) a dispute: the cardholder keeps the money',
    rWhy: 'accepting a dispute is final',
    ceiling: 'charges',
    evidence: ['inferred'],
  },
  application_fee: {
    m: 2,
    r: 1,
    why: 'Application fees W refunds fees to the connected account they came from',
    rWhy: final,
    ceiling: 'charges',
    evidence: ['S'],
  },
  payout: {
    m: 3,
    r: 0.5,
    ceiling: 'balance',
    evidence: ['S'],
    why: "Payouts W pays the balance out to the account's own bank account or debit card",
    rWhy: 'a pending standard payout can be cancelled (instant payouts are final)',
  },
  transfer: {
    m: 4,
    r: 0.75,
    ceiling: 'balance',
    evidence: ['S'],
    why: 'Transfers W sends the platform balance to any connected account',
    rWhy: 'a transfer reversal works only while the destination still holds the balance',
  },
  connected_account: {
    m: 5,
    r: 0.75,
    ceiling: 'balance',
    evidence: ['E', 'inferred'],
    why: "Connected accounts W creates payees and can change where a connected account's payouts go (inferred)",
    rWhy: 'payout reversal only for US bank accounts, under 90 days, never instant',
  },
  issuing: {
    m: 5,
    r: 1,
    why: 'All Issuing resources W mints cards and spends the Issuing balance anywhere',
    rWhy: 'card spend is final (treat issuing disputes as no remedy)',
    ceiling: 'balance',
    evidence: ['P'],
  },
  issuing_card: {
    m: 5,
    r: 1,
    why: 'Issuing cards W mints cards whose number and CVC the API returns',
    rWhy: 'card spend is final (treat issuing disputes as no remedy)',
    ceiling: 'balance',
    evidence: ['S'],
  },
  issuing_authorization: {
    m: 5,
    r: 1,
    why: 'Issuing authorizations W approves card spend at any merchant',
    rWhy: 'card spend is final',
    ceiling: 'balance',
    evidence: ['S'],
  },
};

/** Data exposure of reading (or writing) a row: 1 catalog or aggregates (default), 2 customer data, 3 financial identifiers or KYC. */
export const DATA: Readonly<Record<string, 2 | 3>> = {
  charge: 2,
  customer: 2,
  customer_session: 2,
  invoice: 2,
  checkout_session: 2,
  event: 2,
  payment_intent: 2,
  payment_method: 2,
  subscription: 2,
  credit_note: 2,
  dispute: 2,
  review: 2,
  customer_portal: 2,
  quote: 2,
  setup_intent: 2,
  mandate: 2,
  order: 2,
  webhook: 2,
  report_runs_and_report_types: 2,
  tax_calculations_and_transactions: 2,
  source: 2,
  token: 2,
  payment_records: 2,
  confirmation_token: 2,
  confirmation_token_client: 2,
  connected_account: 3,
  accounts_kyc_basic: 3,
  accounts_kyc_raw_bank_details: 3,
  file: 3,
  issuing: 3,
  issuing_card: 3,
  issuing_cardholder: 3,
  issuing_card_sensitive: 3,
  issuing_token_network_data: 3,
  secret: 3,
  recipient_verification: 3,
};

export const DATA_TEXT: Readonly<Record<1 | 2 | 3, string>> = {
  1: 'catalog or aggregates',
  2: 'customer contact and payment metadata',
  3: 'financial identifiers or KYC',
};

/** Writes that widen what the key (or an attacker holding it) can reach. */
export const ESCALATION: Readonly<Record<string, string>> = {
  api_key: 'API keys W can mint a new key with any permission',
  webhook: 'Webhook endpoints W sends every event (with customer data) to any URL',
  connected_account: 'Connected accounts W creates payees',
  secret: 'Secrets W writes secrets other integrations read',
};
